//go:build linux

package engineio

import (
	"runtime"
	"strconv"
	"testing"
	"time"

	"github.com/gobwas/ws"
	"github.com/stretchr/testify/require"
)

// waitParked waits until n connections are parked with the poller.
func waitParked(t testing.TB, srv *Server, n int) {
	t.Helper()
	require.Eventually(t, func() bool {
		p := srv.startedPoller()
		return p != nil && p.parked() == n
	}, waitTimeout, time.Millisecond, "want %d parked connections", n)
}

func TestWebSocketParkedConnectionCarriesTraffic(t *testing.T) {
	hs := newHarness(t, &Options{IdleReadRelease: 10 * time.Millisecond})
	c, _, s := hs.openWS(4)
	waitParked(t, hs.srv, 1)

	// Input wakes the parked connection, in order and intact.
	for i := range 3 {
		c.writeText("4m" + strconv.Itoa(i))
	}
	for i := range 3 {
		require.Equal(t, "m"+strconv.Itoa(i), string(hs.h.nextMsg(t).data))
	}
	// Output never needed the reader.
	require.NoError(t, s.Send(TextMessage([]byte("out"))))
	require.Equal(t, "4out", c.readText())

	// Idle again: parked again; a close from the client still ends the session.
	waitParked(t, hs.srv, 1)
	require.NoError(t, c.conn.Close())
	ev := hs.h.nextClose(t)
	require.Equal(t, ReasonTransportClose, ev.reason)
	waitParked(t, hs.srv, 0)
}

func TestWebSocketParkedHeartbeat(t *testing.T) {
	hs := newHarness(t, &Options{
		IdleReadRelease: 5 * time.Millisecond,
		PingInterval:    20 * time.Millisecond,
		PingTimeout:     500 * time.Millisecond,
	})
	c, _, _ := hs.openWS(4)
	// Each pong wakes the parked reader, which parks again at once; the
	// session outlives many heartbeats.
	for range 10 {
		require.Equal(t, "2", c.readText())
		c.writeText("3")
	}
	waitParked(t, hs.srv, 1)
	c.writeText("4still here")
	require.Equal(t, "still here", string(hs.h.nextMsg(t).data))
	hs.h.requireNoClose(t)
}

func TestWebSocketMessageSpanningIdlePeriod(t *testing.T) {
	hs := newHarness(t, &Options{IdleReadRelease: 5 * time.Millisecond})
	c, _, _ := hs.openWS(4)
	c.writeText("4first")
	require.Equal(t, "first", string(hs.h.nextMsg(t).data))

	// A frame whose second half comes after several idle periods: the
	// reader must wait for it rather than treat the pause as idleness.
	frame := ws.MustCompileFrame(ws.MaskFrame(ws.NewTextFrame([]byte("4split message"))))
	half := len(frame) / 2
	_, err := c.conn.Write(frame[:half])
	require.NoError(t, err)
	time.Sleep(50 * time.Millisecond) // the pause under test, not synchronisation
	_, err = c.conn.Write(frame[half:])
	require.NoError(t, err)
	require.Equal(t, "split message", string(hs.h.nextMsg(t).data))
	hs.h.requireNoClose(t)
}

func TestWebSocketParkedConnectionsHoldNoGoroutine(t *testing.T) {
	hs := newHarness(t, &Options{IdleReadRelease: time.Millisecond})
	const n = 100
	before := runtime.NumGoroutine()
	clients := make([]*wsClient, n)
	for i := range clients {
		clients[i], _, _ = hs.openWS(4)
	}
	waitParked(t, hs.srv, n)
	// The client side holds none (gobwas is synchronous); the server's
	// readers are gone. A margin covers the poller and runtime helpers.
	require.Less(t, runtime.NumGoroutine()-before, 10)
	for i, c := range clients {
		c.writeText("4" + strconv.Itoa(i))
		require.Equal(t, strconv.Itoa(i), string(hs.h.nextMsg(t).data))
	}
}

func TestServerCloseWithParkedConnections(t *testing.T) {
	hs := newHarness(t, &Options{IdleReadRelease: time.Millisecond})
	for range 5 {
		hs.openWS(4)
	}
	waitParked(t, hs.srv, 5)
	require.NoError(t, hs.srv.Close())
	for range 5 {
		require.Equal(t, ReasonServerShutdown, hs.h.nextClose(t).reason)
	}
	require.Nil(t, hs.srv.startedPoller(), "the poller stops with the server")
}

func TestParkingDisabled(t *testing.T) {
	hs := newHarness(t, &Options{IdleReadRelease: -1})
	c, _, _ := hs.openWS(4)
	c.writeText("4x")
	require.Equal(t, "x", string(hs.h.nextMsg(t).data))
	require.Nil(t, hs.srv.startedPoller())
}
