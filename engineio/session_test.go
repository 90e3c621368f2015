package engineio

import (
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/gobwas/ws"
	"github.com/stretchr/testify/require"
)

func TestSessionSendAfterClose(t *testing.T) {
	hs := newHarness(t, nil)
	_, s := hs.handshakeV4()
	require.NoError(t, s.Close())
	require.ErrorIs(t, s.Send(TextMessage([]byte("x"))), ErrSessionClosed, "closing")
	require.False(t, s.SendVolatile(TextMessage([]byte("x"))))

	c, _, s2 := hs.openWS(4)
	require.NoError(t, c.conn.Close())
	require.Equal(t, ReasonTransportClose, hs.h.nextClose(t).reason)
	<-s2.Done()
	require.ErrorIs(t, s2.Send(TextMessage([]byte("x"))), ErrSessionClosed, "closed")
}

func TestSessionQueueFull(t *testing.T) {
	hs := newHarness(t, &Options{MaxQueuedMessages: 3})
	o, s := hs.handshakeV4()
	m := TextMessage([]byte("m"))
	require.NoError(t, s.Send(m, m))
	require.ErrorIs(t, s.Send(m, m), ErrQueueFull, "a call is all or nothing")
	require.NoError(t, s.Send(m))
	require.ErrorIs(t, s.Send(m), ErrQueueFull)
	_, body := hs.get("EIO=4&transport=polling&sid=" + o.SID)
	require.Equal(t, "4m\x1e4m\x1e4m", string(body), "only accepted messages are sent")
	require.NoError(t, s.Send(m), "room again once drained")
	hs.h.requireNoClose(t)
}

func TestSessionSendVolatile(t *testing.T) {
	hs := newHarness(t, nil)
	o, s := hs.handshakeV4()
	require.False(t, s.SendVolatile(TextMessage([]byte("dropped"))), "no GET waiting")

	poll := hs.goGet("EIO=4&transport=polling&sid="+o.SID, nil)
	waitPollActive(t, s)
	require.True(t, s.SendVolatile(TextMessage([]byte("v1"))))
	require.False(t, s.SendVolatile(TextMessage([]byte("v2"))), "queue not empty")
	require.Equal(t, "4v1", string(awaitResult(t, poll).body))

	c, _, sw := hs.openWS(4)
	require.Eventually(t, func() bool { return sw.SendVolatile(TextMessage([]byte("ws"))) }, waitTimeout, time.Millisecond)
	require.Equal(t, "4ws", c.readText())
}

func TestSessionCloseFlushesPolling(t *testing.T) {
	hs := newHarness(t, nil)
	o, s := hs.handshakeV4()
	require.NoError(t, s.Send(TextMessage([]byte("a")), TextMessage([]byte("b"))))
	require.NoError(t, s.Close())
	hs.h.requireNoClose(t)
	_, body := hs.get("EIO=4&transport=polling&sid=" + o.SID)
	require.Equal(t, "4a\x1e4b", string(body))
	hs.h.requireNoClose(t)
	_, body = hs.get("EIO=4&transport=polling&sid=" + o.SID)
	require.Equal(t, "1", string(body), "the close packet goes alone, after the messages")
	c := hs.h.nextClose(t)
	require.Same(t, s, c.s)
	require.Equal(t, ReasonForcedClose, c.reason)
	require.NoError(t, c.err)
	require.Nil(t, hs.srv.Session(o.SID))
	resp, b := hs.get("EIO=4&transport=polling&sid=" + o.SID)
	requireProtocolError(t, resp, b, 400, 1)
}

func TestSessionCloseFlushesWebSocket(t *testing.T) {
	hs := newHarness(t, nil)
	c, _, s := hs.openWS(4)
	require.NoError(t, s.Send(TextMessage([]byte("a")), BinaryMessage([]byte{1})))
	require.NoError(t, s.Close())
	require.Equal(t, "4a", c.readText())
	op, data := c.read()
	require.Equal(t, ws.OpBinary, op)
	require.Equal(t, []byte{1}, data)
	require.Equal(t, "1", c.readText())
	f := c.readFrame()
	require.Equal(t, ws.OpClose, f.Header.OpCode)
	cl := hs.h.nextClose(t)
	require.Equal(t, ReasonForcedClose, cl.reason)
	require.NoError(t, s.Close(), "Close is idempotent")
}

func TestSessionCloseFromHandler(t *testing.T) {
	h := newRecHandler()
	h.onMessage = func(s *Session, _ bool, data []byte) {
		if string(data) == "quit" {
			_ = s.Close()
		}
	}
	hs := newHarnessWith(t, h, nil)
	c, _, _ := hs.openWS(4)
	c.writeText("4quit")
	require.Equal(t, "1", c.readText())
	require.Equal(t, ReasonForcedClose, hs.h.nextClose(t).reason)
}

func TestSessionRequestAndValue(t *testing.T) {
	hs := newHarness(t, nil)
	req, err := http.NewRequest(http.MethodGet, hs.url("EIO=4&transport=polling&room=blue"), nil)
	require.NoError(t, err)
	req.Header.Set("X-Token", "secret")
	resp, err := hs.ts.Client().Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	s := hs.h.nextOpen(t)

	r := s.Request()
	require.Equal(t, "blue", r.URL.Query().Get("room"))
	require.Equal(t, "secret", r.Header.Get("X-Token"))
	require.NoError(t, r.Context().Err(), "the handshake request context is detached")
	require.Equal(t, http.NoBody, r.Body)

	require.Nil(t, s.Value())
	s.SetValue(42)
	require.Equal(t, 42, s.Value())
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			s.SetValue(i)
			_ = s.Value()
		})
	}
	wg.Wait()
	require.IsType(t, 0, s.Value())
	s.SetValue(nil)
	require.Nil(t, s.Value())
}

func TestMessageAccessors(t *testing.T) {
	m := TextMessage([]byte("x"))
	require.False(t, m.Binary())
	require.Equal(t, []byte("x"), m.Data())
	b := BinaryMessage([]byte{1}).DisableCompression()
	require.True(t, b.Binary())
	require.True(t, b.noCompress)
}

func TestSessionQueueBytesAndQueueLen(t *testing.T) {
	hs := newHarness(t, &Options{MaxQueuedBytes: 10})
	o, s := hs.handshakeV4()
	require.NoError(t, s.Send(TextMessage([]byte("123456"))))
	n, b := s.QueueLen()
	require.Equal(t, 1, n)
	require.EqualValues(t, 6, b)
	require.ErrorIs(t, s.Send(TextMessage([]byte("12345"))), ErrQueueFull)
	require.NoError(t, s.Send(TextMessage([]byte("1234"))))
	_, body := hs.get("EIO=4&transport=polling&sid=" + o.SID)
	require.Equal(t, "4123456\x1e41234", string(body))
	n, b = s.QueueLen()
	require.Zero(t, n)
	require.Zero(t, b)
	hs.h.requireNoClose(t)
}

func TestSessionSlowClientDisconnect(t *testing.T) {
	hs := newHarness(t, &Options{MaxQueuedMessages: 2, SlowClient: SlowClientDisconnect})
	_, s := hs.handshakeV4()
	m := TextMessage([]byte("m"))
	require.NoError(t, s.Send(m, m))
	require.ErrorIs(t, s.Send(m), ErrQueueFull)
	c := hs.h.nextClose(t)
	require.Same(t, s, c.s)
	require.Equal(t, ReasonTransportError, c.reason)
	require.ErrorIs(t, c.err, ErrSlowClient)
}
