package engineio

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// A handler that blocks in OnMessage until the client's next message
// arrives: after ReleaseReader, another reader delivers that message while
// the first OnMessage call still runs.
func TestReleaseReaderDeliversWhileHandlerBlocks(t *testing.T) {
	h := newRecHandler()
	unblocked := make(chan struct{})
	type check struct{ canBefore, released, again bool }
	checks := make(chan check, 1)
	h.onMessage = func(s *Session, _ bool, data []byte) {
		switch string(data) {
		case "block":
			var c check
			c.canBefore = s.CanReleaseReader()
			c.released = s.ReleaseReader()
			c.again = s.ReleaseReader() // once per OnMessage call
			select {
			case <-unblocked:
			case <-time.After(waitTimeout):
			}
			checks <- c
		case "unblock":
			close(unblocked)
		}
	}
	hs := newHarnessWith(t, h, nil)
	c, _, s := hs.openWS(4)
	c.writeText("4block")
	c.writeText("4unblock")
	c.writeText("4after")

	// The handler records a message when OnMessage returns: "unblock" ends
	// before "block" does, and "after" may come before or after "block".
	var order []string
	for range 3 {
		order = append(order, string(hs.h.nextMsg(t).data))
	}
	require.ElementsMatch(t, []string{"block", "unblock", "after"}, order)
	require.Equal(t, "unblock", order[0], "delivered while the first call blocked: %v", order)
	require.Equal(t, check{canBefore: true, released: true}, <-checks)
	require.False(t, s.CanReleaseReader(), "outside OnMessage")
	require.False(t, s.ReleaseReader(), "outside OnMessage")
	hs.h.requireNoClose(t)

	// The new reader owns the connection: traffic goes on both ways, and the
	// session closes cleanly.
	c.writeText("4more")
	require.Equal(t, "more", string(hs.h.nextMsg(t).data))
	require.NoError(t, s.Send(TextMessage([]byte("still"))))
	require.Equal(t, "4still", c.readText())
	require.NoError(t, s.Close())
	require.Equal(t, ReasonForcedClose, hs.h.nextClose(t).reason)
}

// Long-polling delivers a POST's messages on that request's goroutine,
// which cannot be handed over.
func TestReleaseReaderPolling(t *testing.T) {
	h := newRecHandler()
	type check struct{ can, released bool }
	checks := make(chan check, 1)
	h.onMessage = func(s *Session, _ bool, _ []byte) {
		checks <- check{s.CanReleaseReader(), s.ReleaseReader()}
	}
	hs := newHarnessWith(t, h, nil)
	o, _ := hs.handshakeV4()
	resp, _ := hs.post("EIO=4&transport=polling&sid="+o.SID, "4hello")
	require.Equal(t, 200, resp.StatusCode)
	require.Equal(t, check{}, <-checks)
	require.Equal(t, "hello", string(hs.h.nextMsg(t).data))
}

func TestSendNowTextWebSocket(t *testing.T) {
	hs := newHarness(t, nil)
	c, _, s := hs.openWS(4)
	buf := []byte("reply")
	require.NoError(t, s.SendNowText(buf))
	copy(buf, "XXXXX") // the caller may reuse its buffer at once
	require.Equal(t, "4reply", c.readText())

	// Behind queued messages it queues (a copy), so order holds.
	require.NoError(t, s.Send(TextMessage([]byte("a"))))
	buf = []byte("b")
	require.NoError(t, s.SendNowText(buf))
	buf[0] = 'X'
	require.Equal(t, "4a", c.readText())
	require.Equal(t, "4b", c.readText())
	hs.h.requireNoClose(t)
}

// Larger than the socket takes at once: the rest, copied, goes out through
// the writer goroutine, unchanged by the caller reusing its buffer.
func TestSendNowTextPartialWrite(t *testing.T) {
	hs := newHarness(t, nil)
	c, _, s := hs.openWS(4)
	big := bytes.Repeat([]byte("y"), 16<<20)
	require.NoError(t, s.SendNowText(big))
	for i := range big {
		big[i] = 'X'
	}
	require.NoError(t, s.Send(TextMessage([]byte("after"))))
	got := c.readText()
	require.Len(t, got, 1+len(big))
	require.True(t, strings.HasPrefix(got, "4yyy") && strings.Count(got, "y") == len(big))
	require.Equal(t, "4after", c.readText())
}

func TestSendNowTextPollingAndClosed(t *testing.T) {
	hs := newHarness(t, nil)
	o, s := hs.handshakeV4()
	buf := []byte("p")
	require.NoError(t, s.SendNowText(buf))
	buf[0] = 'X'
	_, body := hs.get("EIO=4&transport=polling&sid=" + o.SID)
	require.Equal(t, "4p", string(body))
	require.NoError(t, s.Close())
	require.ErrorIs(t, s.SendNowText([]byte("x")), ErrSessionClosed)
}
