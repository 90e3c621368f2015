package wsconn

import (
	"bytes"
	"io"
	"testing"

	"github.com/gobwas/ws"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// testMask is the fixed mask of test client frames, so failures reproduce.
var testMask = [4]byte{0x37, 0xfa, 0x21, 0x3d}

// clientFrame returns a masked client frame (as a browser sends it).
func clientFrame(op ws.OpCode, fin bool, payload []byte) []byte {
	return rawFrame(ws.Header{Fin: fin, OpCode: op}, true, payload)
}

// rawFrame encodes a frame with header h; masked masks it with testMask.
func rawFrame(h ws.Header, masked bool, payload []byte) []byte {
	f := ws.Frame{Header: h, Payload: payload}
	f.Header.Length = int64(len(payload))
	if masked {
		f = ws.MaskFrameWith(f, testMask)
	}
	var b bytes.Buffer
	if err := ws.WriteFrame(&b, f); err != nil {
		panic(err)
	}
	return b.Bytes()
}

// clientCopy turns a server frame (from Append*Frame) into the masked frame a
// client would send with the same header bits and payload.
func clientCopy(t testing.TB, serverFrame []byte) []byte {
	t.Helper()
	r := bytes.NewReader(serverFrame)
	h, err := ws.ReadHeader(r)
	if err != nil {
		t.Fatalf(
			"read server header: %v",
			err,
		)
	}
	p, err := io.ReadAll(r)
	if err != nil || int64(len(p)) != h.Length {
		t.Fatalf(
			"server frame payload: %d bytes, header says %d (%v)",
			len(p), h.Length, err,
		)
	}
	return rawFrame(h, true, p)
}

func concat(parts ...[]byte) []byte {
	return bytes.Join(parts, nil)
}
