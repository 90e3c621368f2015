package wsconn

import (
	"bytes"
	"errors"
	"io"
	"runtime"
	"testing"
	"unicode/utf8"

	"github.com/gobwas/ws"
)

// fuzzMax is small so the fuzzer reaches the size limit easily.
const fuzzMax = 4096

func FuzzReader(f *testing.F) {
	compressed := func(text bool, p []byte) []byte {
		frame, err := AppendCompressedFrame(nil, text, p)
		if err != nil {
			f.Fatal(err)
		}
		return clientCopy(f, frame)
	}
	seeds := [][]byte{
		clientFrame(ws.OpText, true, []byte("hello")),
		clientFrame(ws.OpBinary, true, bytes.Repeat([]byte{7}, 300)),
		concat(
			clientFrame(ws.OpText, false, []byte("a\xe2")),
			clientFrame(ws.OpPing, true, []byte("p")),
			clientFrame(ws.OpContinuation, true, []byte("\x82\xacb")),
		),
		clientFrame(ws.OpClose, true, closePayload(1000, "bye")),
		clientFrame(ws.OpClose, true, []byte{1}),
		rawFrame(ws.Header{Fin: true, OpCode: ws.OpText}, false, []byte("x")),
		compressed(true, []byte(`42["message","hello"]`)),
		compressed(false, make([]byte, 3*fuzzMax)), // bomb
		append([]byte{0x82, 0xff, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, testMask[:]...),
	}
	for _, s := range seeds {
		f.Add(s, false)
		f.Add(s, true)
	}

	f.Fuzz(func(t *testing.T, data []byte, compression bool) {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)

		var pings int
		r := NewReader(bytes.NewReader(data), ReaderOptions{
			MaxMessageSize: fuzzMax,
			Compression:    compression,
			OnPing: PingFunc(func(p []byte) {
				if len(p) > ws.MaxControlFramePayloadSize {
					t.Fatalf(
						"ping payload of %d bytes",
						len(p),
					)
				}
				pings++
			}),
		})
		// Every message takes at least 6 input bytes, so this ends.
		var err error
		for i := 0; i <= len(data); i++ {
			var text bool
			var p []byte
			text, p, err = r.ReadMessage()
			if err != nil {
				break
			}
			if cap(p) > fuzzMax {
				t.Fatalf(
					"payload capacity %d beyond MaxMessageSize",
					cap(p),
				)
			}
			if text && !utf8.Valid(p) {
				t.Fatalf(
					"invalid UTF-8 text message %q",
					p,
				)
			}
		}
		if err == nil {
			t.Fatalf(
				"no error after %d bytes of input",
				len(data),
			)
		}
		_, closing := CloseStatus(err)
		if !closing && !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) {
			t.Fatalf(
				"unexpected error type %T: %v",
				err, err,
			)
		}
		_, _, again := r.ReadMessage()
		if again != err {
			t.Fatalf(
				"error not sticky: %v then %v",
				err, again,
			)
		}

		// Bounded memory whatever the peer declares: message buffers
		// (limit plus slack while compressed) and, for compressed input,
		// pooled flate state of a few tens of KiB.
		runtime.ReadMemStats(&after)
		if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 1<<20 {
			t.Fatalf(
				"allocated %d bytes for %d bytes of input",
				alloc, len(data),
			)
		}
	})
}
