package engineio

import (
	"bytes"
	"net/http"
	"strings"
	"testing"

	"github.com/gobwas/ws"
	"github.com/gobwas/ws/wsutil"
	"github.com/stretchr/testify/require"
)

func TestWebSocketDirectV4(t *testing.T) {
	hs := newHarness(t, &Options{MaxHTTPBufferSize: 4242})
	c, o, s := hs.openWS(4)
	require.Regexp(t, sidPattern, o.SID)
	require.Empty(t, o.Upgrades, "a WebSocket session has nothing to upgrade to")
	require.NotNil(t, o.MaxPayload)
	require.EqualValues(t, 4242, *o.MaxPayload)
	require.Equal(t, TransportWebSocket, s.Transport())

	// client → server, text and binary
	c.writeText("4hello")
	c.write(ws.OpBinary, []byte{0, 1, 2})
	m := hs.h.nextMsg(t)
	require.False(t, m.binary)
	require.Equal(t, "hello", string(m.data))
	m = hs.h.nextMsg(t)
	require.True(t, m.binary)
	require.Equal(t, []byte{0, 1, 2}, m.data)

	// server → client, text and binary
	require.NoError(t, s.Send(TextMessage([]byte("hi")), BinaryMessage([]byte{4, 5})))
	op, data := c.read()
	require.Equal(t, ws.OpText, op)
	require.Equal(t, "4hi", string(data))
	op, data = c.read()
	require.Equal(t, ws.OpBinary, op)
	require.Equal(t, []byte{4, 5}, data, "v4 binary frames carry no type byte")
	hs.h.requireNoClose(t)
}

func TestWebSocketDirectV3(t *testing.T) {
	hs := newHarness(t, &Options{AllowEIO3: true})
	c, o, s := hs.openWS(3)
	require.Nil(t, o.MaxPayload)
	require.Equal(t, 3, s.Protocol())

	c.writeText("4text")
	c.write(ws.OpBinary, []byte{4, 9, 9})
	m := hs.h.nextMsg(t)
	require.Equal(t, "text", string(m.data))
	m = hs.h.nextMsg(t)
	require.True(t, m.binary)
	require.Equal(t, []byte{9, 9}, m.data)

	require.NoError(t, s.Send(BinaryMessage([]byte{7, 7}), TextMessage([]byte("t"))))
	op, data := c.read()
	require.Equal(t, ws.OpBinary, op)
	require.Equal(t, []byte{4, 7, 7}, data, "v3 binary frames start with the message type byte")
	require.Equal(t, "4t", c.readText())
}

func TestWebSocketV3RefusedWithoutAllowEIO3(t *testing.T) {
	hs := newHarness(t, nil)
	resp, body := hs.get("EIO=3&transport=websocket")
	requireProtocolError(t, resp, body, 400, 5)
}

func TestWebSocketSharedMessageBothProtocols(t *testing.T) {
	// One Message sent to a v3 and a v4 session gets each its own framing.
	hs := newHarness(t, &Options{AllowEIO3: true})
	c3, _, s3 := hs.openWS(3)
	c4, _, s4 := hs.openWS(4)
	m := BinaryMessage([]byte{1})
	require.NoError(t, s4.Send(m))
	require.NoError(t, s3.Send(m))
	_, d4 := c4.read()
	_, d3 := c3.read()
	require.Equal(t, []byte{1}, d4)
	require.Equal(t, []byte{4, 1}, d3)
}

func TestWebSocketMessageTooLarge(t *testing.T) {
	hs := newHarness(t, &Options{MaxHTTPBufferSize: 1000})
	c, _, s := hs.openWS(4)
	c.writeText("4" + strings.Repeat("a", 998)) // 999 bytes: fits
	require.Len(t, hs.h.nextMsg(t).data, 998)
	c.writeText("4" + strings.Repeat("a", 1000)) // 1001 bytes
	cl := hs.h.nextClose(t)
	require.Same(t, s, cl.s)
	require.Equal(t, ReasonTransportError, cl.reason)
	require.Nil(t, hs.srv.Session(s.ID()))
	select {
	case m := <-hs.h.msgs:
		t.Fatalf("oversized message delivered (%d bytes)", len(m.data))
	default:
	}
}

func TestWebSocketClosePacket(t *testing.T) {
	hs := newHarness(t, nil)
	c, _, s := hs.openWS(4)
	c.writeText("1")
	cl := hs.h.nextClose(t)
	require.Same(t, s, cl.s)
	require.Equal(t, ReasonTransportClose, cl.reason)
	// The server drops the connection.
	require.NoError(t, c.conn.SetReadDeadline(timeNowPlus()))
	_, _, err := wsutil.ReadServerData(c.rw)
	require.Error(t, err)
}

func TestWebSocketAbruptClose(t *testing.T) {
	hs := newHarness(t, nil)
	c, _, s := hs.openWS(4)
	require.NoError(t, c.conn.Close())
	cl := hs.h.nextClose(t)
	require.Same(t, s, cl.s)
	require.Equal(t, ReasonTransportClose, cl.reason)
	require.Zero(t, hs.srv.SessionCount())
}

func TestWebSocketCloseFrame(t *testing.T) {
	hs := newHarness(t, nil)
	c, _, s := hs.openWS(4)
	require.NoError(t, ws.WriteFrame(c.conn, ws.MaskFrameInPlace(ws.NewCloseFrame(ws.NewCloseFrameBody(ws.StatusNormalClosure, "bye")))))
	cl := hs.h.nextClose(t)
	require.Same(t, s, cl.s)
	require.Equal(t, ReasonTransportClose, cl.reason)
}

func TestWebSocketPingControlFrame(t *testing.T) {
	hs := newHarness(t, nil)
	c, _, _ := hs.openWS(4)
	c.write(ws.OpPing, []byte("are you there"))
	for {
		f := c.readFrame()
		if f.Header.OpCode == ws.OpPong {
			require.False(t, f.Header.Masked, "server frames are not masked")
			require.Equal(t, "are you there", string(f.Payload))
			break
		}
		require.False(t, f.Header.OpCode.IsData(), "unexpected data frame %q", f.Payload)
	}
	hs.h.requireNoClose(t)
}

func TestWebSocketInvalidPacketIsParseError(t *testing.T) {
	hs := newHarness(t, nil)
	c, _, _ := hs.openWS(4)
	c.writeText("x")
	cl := hs.h.nextClose(t)
	require.Equal(t, ReasonParseError, cl.reason)
}

func TestWebSocketUnmaskedFrameIsTransportError(t *testing.T) {
	hs := newHarness(t, nil)
	c, _, _ := hs.openWS(4)
	require.NoError(t, ws.WriteFrame(c.conn, ws.NewTextFrame([]byte("4x"))))
	cl := hs.h.nextClose(t)
	require.Equal(t, ReasonTransportError, cl.reason)
}

func TestWebSocketLargeBroadcastOrder(t *testing.T) {
	hs := newHarness(t, nil)
	c, _, s := hs.openWS(4)
	const n = 500
	go func() {
		for i := range n {
			_ = s.Send(TextMessage([]byte(strings.Repeat("x", i))))
		}
	}()
	for i := range n {
		got := c.readText()
		require.Equal(t, "4"+strings.Repeat("x", i), got)
	}
}

func TestWebSocketRequestHasHandshakeData(t *testing.T) {
	hs := newHarness(t, nil)
	c := hs.dialWS("EIO=4&transport=websocket&token=abc")
	_ = c.readText()
	s := hs.h.nextOpen(t)
	require.Equal(t, "abc", s.Request().URL.Query().Get("token"))
	require.Equal(t, http.MethodGet, s.Request().Method)
	require.True(t, bytes.Contains([]byte(s.Request().Header.Get("Upgrade")), []byte("websocket")))
}

func TestWebSocketBase64Client(t *testing.T) {
	hs := newHarness(t, &Options{AllowEIO3: true})
	c := hs.dialWS("EIO=4&transport=websocket&b64=1")
	_ = c.readText()
	s := hs.h.nextOpen(t)
	require.NoError(t, s.Send(BinaryMessage([]byte{1, 2, 3})))
	require.Equal(t, "bAQID", c.readText())
	c.writeText("bBAU=")
	m := hs.h.nextMsg(t)
	require.True(t, m.binary)
	require.Equal(t, []byte{4, 5}, m.data)

	c3 := hs.dialWS("EIO=3&transport=websocket&b64=1")
	_ = c3.readText()
	s3 := hs.h.nextOpen(t)
	require.NoError(t, s3.Send(BinaryMessage([]byte{1, 2, 3})))
	require.Equal(t, "b4AQID", c3.readText())
}
