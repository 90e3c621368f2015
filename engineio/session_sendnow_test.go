package engineio

import (
	"bytes"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestSendNowWebSocket(t *testing.T) {
	hs := newHarness(t, nil)
	c, _, s := hs.openWS(4)
	require.NoError(t, s.SendNow(TextMessage([]byte("now"))))
	require.Equal(t, "4now", c.readText())

	// Behind queued messages it queues, so order holds.
	require.NoError(t, s.Send(TextMessage([]byte("a")), TextMessage([]byte("b"))))
	require.NoError(t, s.SendNow(TextMessage([]byte("c"))))
	for _, want := range []string{"4a", "4b", "4c"} {
		require.Equal(t, want, c.readText())
	}
	hs.h.requireNoClose(t)
}

func TestSendNowPolling(t *testing.T) {
	hs := newHarness(t, nil)
	o, s := hs.handshakeV4()
	require.NoError(t, s.SendNow(TextMessage([]byte("p"))))
	_, body := hs.get("EIO=4&transport=polling&sid=" + o.SID)
	require.Equal(t, "4p", string(body))
}

func TestSendNowAfterClose(t *testing.T) {
	hs := newHarness(t, nil)
	_, _, s := hs.openWS(4)
	require.NoError(t, s.Close())
	require.ErrorIs(t, s.SendNow(TextMessage([]byte("x"))), ErrSessionClosed)
}

// A message larger than the socket takes at once: the sender writes what
// fits, the writer goroutine the rest, and what follows comes after it.
func TestSendNowPartialWrite(t *testing.T) {
	hs := newHarness(t, nil)
	c, _, s := hs.openWS(4)
	big := bytes.Repeat([]byte("x"), 16<<20) // beyond any loopback socket buffer
	require.NoError(t, s.SendNow(TextMessage(big)))
	require.NoError(t, s.Send(TextMessage([]byte("after"))))
	got := c.readText()
	require.Len(t, got, 1+len(big))
	require.True(t, strings.HasPrefix(got, "4xxx") && strings.Count(got, "x") == len(big))
	require.Equal(t, "4after", c.readText())
	hs.h.requireNoClose(t)
}

// Concurrent senders mixing SendNow and Send: every message arrives once,
// and each sender's messages arrive in its order.
func TestSendNowConcurrentWithSend(t *testing.T) {
	hs := newHarness(t, nil)
	c, _, s := hs.openWS(4)
	const senders, each = 8, 200
	var wg sync.WaitGroup
	for g := range senders {
		wg.Go(func() {
			for i := range each {
				m := TextMessage(fmt.Appendf(nil, "%d:%d", g, i))
				if i%2 == 0 {
					require.NoError(t, s.SendNow(m))
				} else {
					require.NoError(t, s.Send(m))
				}
			}
		})
	}
	c.requireSenderOrder(t, senders, each)
	wg.Wait()
	hs.h.requireNoClose(t)
}
