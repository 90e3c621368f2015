package wsconn

import (
	"bytes"
	"context"
	"encoding/binary"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gobwas/httphead"
	"github.com/gobwas/ws"
	"github.com/gobwas/ws/wsflate"
	"github.com/gobwas/ws/wsutil"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// echoServer upgrades like the engine does (ws.HTTPUpgrader + Deflate),
// reads with Reader and echoes every message followed by an "ack" text
// message, both written in one net.Buffers write. It answers pings with
// pongs and a closing error with a close frame. The final read error is sent
// on done.
func echoServer(t *testing.T) (url string, done <-chan error) {
	t.Helper()
	errc := make(chan error, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		var d Deflate
		u := ws.HTTPUpgrader{Negotiate: d.Negotiate}
		conn, rw, _, err := u.Upgrade(req, w)
		if err != nil {
			errc <- err
			return
		}
		defer conn.Close()
		compress := d.Accepted()
		rd := NewReader(rw.Reader, ReaderOptions{
			Compression: compress,
			OnPing: PingFunc(func(p []byte) {
				_, _ = conn.Write(AppendControlFrame(nil, ws.OpPong, p))
			}),
		})
		for {
			text, p, err := rd.ReadMessage()
			if err != nil {
				if code, ok := CloseStatus(err); ok {
					_, _ = conn.Write(CloseFrame(code, ""))
				}
				errc <- err
				return
			}
			var echo []byte
			if compress {
				echo, err = AppendCompressedFrame(nil, text, p)
				if err != nil {
					errc <- err
					return
				}
			} else {
				echo = AppendFrame(nil, text, p)
			}
			bufs := net.Buffers{echo, AppendFrame(nil, true, []byte("ack"))}
			_, err = bufs.WriteTo(conn)
			if err != nil {
				errc <- err
				return
			}
		}
	}))
	t.Cleanup(srv.Close)
	return "ws" + strings.TrimPrefix(srv.URL, "http"), errc
}

// headerValue renders opt as in a Sec-WebSocket-Extensions header.
func headerValue(opt httphead.Option) string {
	var b strings.Builder
	_, _ = httphead.WriteOptions(&b, []httphead.Option{opt})
	return b.String()
}

type clientConn struct {
	io.Reader
	io.Writer
}

func dial(t *testing.T, d ws.Dialer, url string) (net.Conn, io.ReadWriter, ws.Handshake) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	conn, br, hs, err := d.Dial(ctx, url)
	require.NoError(t, err)
	require.NoError(t, conn.SetDeadline(time.Now().Add(10*time.Second)))
	var rw io.ReadWriter = conn
	if br != nil {
		rw = clientConn{io.MultiReader(br, conn), conn}
	}
	return conn, rw, hs
}

func readServerFrame(t *testing.T, r io.Reader) ws.Frame {
	t.Helper()
	h, err := ws.ReadHeader(r)
	require.NoError(t, err)
	require.False(t, h.Masked)
	p := make([]byte, h.Length)
	_, err = io.ReadFull(r, p)
	require.NoError(t, err)
	return ws.Frame{Header: h, Payload: p}
}

func TestRoundTripGobwasClient(t *testing.T) {
	url, done := echoServer(t)
	conn, rw, hs := dial(t, ws.Dialer{}, url)
	defer conn.Close()
	assert.Empty(t, hs.Extensions)

	expectEcho := func(op ws.OpCode, payload []byte) {
		t.Helper()
		got, gotOp, err := wsutil.ReadServerData(rw)
		require.NoError(t, err)
		assert.Equal(t, op, gotOp)
		assert.Equal(t, payload, got)
		got, gotOp, err = wsutil.ReadServerData(rw)
		require.NoError(t, err)
		assert.Equal(t, ws.OpText, gotOp)
		assert.Equal(t, "ack", string(got))
	}

	require.NoError(t, wsutil.WriteClientText(rw, []byte("hello")))
	expectEcho(ws.OpText, []byte("hello"))

	bin := bytes.Repeat([]byte{0, 1, 2, 0xff}, 40000) // 64-bit length
	require.NoError(t, wsutil.WriteClientBinary(rw, bin))
	expectEcho(ws.OpBinary, bin)

	// Fragmented message with a ping in the middle: the pong comes first.
	require.NoError(t, ws.WriteFrame(rw, ws.MaskFrame(ws.NewFrame(ws.OpText, false, []byte("frag")))))
	require.NoError(t, ws.WriteFrame(rw, ws.MaskFrame(ws.NewPingFrame([]byte("are you there")))))
	require.NoError(t, ws.WriteFrame(rw, ws.MaskFrame(ws.NewFrame(ws.OpContinuation, true, []byte("mented")))))
	pong := readServerFrame(t, rw)
	assert.Equal(t, ws.OpPong, pong.Header.OpCode)
	assert.Equal(t, "are you there", string(pong.Payload))
	expectEcho(ws.OpText, []byte("fragmented"))

	// Close handshake: the server echoes the code.
	body := ws.NewCloseFrameBody(ws.StatusNormalClosure, "done")
	require.NoError(t, ws.WriteFrame(rw, ws.MaskFrame(ws.NewCloseFrame(body))))
	cl := readServerFrame(t, rw)
	assert.Equal(t, ws.OpClose, cl.Header.OpCode)
	assert.Equal(t, uint16(1000), binary.BigEndian.Uint16(cl.Payload))

	err := <-done
	var ce *CloseError
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, ws.StatusNormalClosure, ce.Code)
	assert.Equal(t, "done", ce.Reason)
}

func TestRoundTripProtocolErrorCloses(t *testing.T) {
	url, done := echoServer(t)
	conn, rw, _ := dial(t, ws.Dialer{}, url)
	defer conn.Close()

	// Unmasked client frame: the server answers 1002 and stops reading.
	require.NoError(t, ws.WriteFrame(rw, ws.NewTextFrame([]byte("naked"))))
	cl := readServerFrame(t, rw)
	assert.Equal(t, ws.OpClose, cl.Header.OpCode)
	assert.Equal(t, uint16(1002), binary.BigEndian.Uint16(cl.Payload))
	var pe *ProtocolError
	require.ErrorAs(t, <-done, &pe)
}

func TestRoundTripCompressed(t *testing.T) {
	url, done := echoServer(t)
	d := ws.Dialer{Extensions: []httphead.Option{wsflate.DefaultParameters.Option()}}
	conn, rw, hs := dial(t, d, url)
	defer conn.Close()

	require.Len(t, hs.Extensions, 1)
	assert.Equal(t, "permessage-deflate;server_no_context_takeover;client_no_context_takeover",
		headerValue(hs.Extensions[0]))

	for _, payload := range [][]byte{
		[]byte("compressed hello"),
		bytes.Repeat([]byte("compress me please "), 5000),
	} {
		f, err := wsflate.CompressFrame(ws.NewTextFrame(payload))
		require.NoError(t, err)
		require.NoError(t, ws.WriteFrame(rw, ws.MaskFrame(f)))

		echo := readServerFrame(t, rw)
		assert.True(t, echo.Header.Rsv1())
		echo, err = wsflate.DecompressFrame(echo)
		require.NoError(t, err)
		assert.Equal(t, ws.OpText, echo.Header.OpCode)
		assert.Equal(t, payload, echo.Payload)

		ack := readServerFrame(t, rw)
		assert.False(t, ack.Header.Rsv1(), "uncompressed frames mix with compressed ones")
		assert.Equal(t, "ack", string(ack.Payload))
	}

	require.NoError(t, ws.WriteFrame(rw, ws.MaskFrame(ws.NewCloseFrame(nil))))
	cl := readServerFrame(t, rw)
	assert.Equal(t, ws.OpClose, cl.Header.OpCode)
	assert.Empty(t, cl.Payload, "an empty close is answered with an empty close")
	var ce *CloseError
	require.ErrorAs(t, <-done, &ce)
	assert.Equal(t, ws.StatusNoStatusRcvd, ce.Code)
}

func TestDeflateNegotiate(t *testing.T) {
	const accepted = "permessage-deflate;server_no_context_takeover;client_no_context_takeover"
	for _, tc := range []struct {
		name   string
		offer  string
		accept string
	}{
		{
			name:   "browser offer",
			offer:  "permessage-deflate; client_max_window_bits",
			accept: accepted,
		},
		{
			name:   "bare offer",
			offer:  "permessage-deflate",
			accept: accepted,
		},
		{
			name:   "no context takeover offer",
			offer:  "permessage-deflate;server_no_context_takeover;client_no_context_takeover",
			accept: accepted,
		},
		{
			name:   "smaller server window declined",
			offer:  "permessage-deflate; server_max_window_bits=10",
			accept: "",
		},
		{
			name:   "unknown parameter declined, not failed",
			offer:  "permessage-deflate; foo=bar",
			accept: "",
		},
		{
			name:   "fallback offer accepted",
			offer:  "permessage-deflate; server_max_window_bits=10, permessage-deflate",
			accept: accepted,
		},
		{
			name:   "other extension",
			offer:  "x-webkit-deflate-frame",
			accept: "",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			opts, ok := httphead.ParseOptions([]byte(tc.offer), nil)
			require.True(t, ok)
			var d Deflate
			var got []string
			for _, opt := range opts {
				acc, err := d.Negotiate(opt)
				require.NoError(t, err)
				if acc.Size() > 0 {
					got = append(got, headerValue(acc))
				}
			}
			if tc.accept == "" {
				assert.Empty(t, got)
				assert.False(t, d.Accepted())
				return
			}
			assert.Equal(t, []string{tc.accept}, got)
			assert.True(t, d.Accepted())
		})
	}
}
