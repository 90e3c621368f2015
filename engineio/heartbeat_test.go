package engineio

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

var fastHeartbeat = Options{PingInterval: 50 * time.Millisecond, PingTimeout: 50 * time.Millisecond}

func TestHeartbeatV4WebSocket(t *testing.T) {
	opts := fastHeartbeat
	hs := newHarness(t, &opts)
	c, o, s := hs.openWS(4)
	require.EqualValues(t, 50, o.PingInterval)

	// Answering keeps the session alive over many intervals (8 pings span
	// at least 400ms, four times the interval plus the timeout).
	start := time.Now()
	for range 8 {
		require.Equal(t, "2", c.readText())
		c.writeText("3")
	}
	require.GreaterOrEqual(t, time.Since(start), 7*opts.PingInterval)
	hs.h.requireNoClose(t)
	select {
	case <-s.Done():
		t.Fatal("session ended although every ping was answered")
	default:
	}

	// Silence: the next ping goes unanswered.
	require.Equal(t, "2", c.readText())
	cl := hs.h.nextClose(t)
	require.Same(t, s, cl.s)
	require.Equal(t, ReasonPingTimeout, cl.reason)
	<-s.Done()
}

func TestHeartbeatV4Polling(t *testing.T) {
	opts := fastHeartbeat
	hs := newHarness(t, &opts)
	o, s := hs.handshakeV4()
	for range 4 {
		_, body := hs.get("EIO=4&transport=polling&sid=" + o.SID)
		require.Equal(t, "2", string(body))
		_, b := hs.post("EIO=4&transport=polling&sid="+o.SID, "3")
		require.Equal(t, "ok", string(b))
	}
	hs.h.requireNoClose(t)
	// No pong.
	_, body := hs.get("EIO=4&transport=polling&sid=" + o.SID)
	require.Equal(t, "2", string(body))
	cl := hs.h.nextClose(t)
	require.Same(t, s, cl.s)
	require.Equal(t, ReasonPingTimeout, cl.reason)
}

func TestHeartbeatV4PingFromClientIsError(t *testing.T) {
	hs := newHarness(t, nil)
	c, _, s := hs.openWS(4)
	c.writeText("2")
	cl := hs.h.nextClose(t)
	require.Same(t, s, cl.s)
	require.Equal(t, ReasonTransportError, cl.reason)
	require.ErrorIs(t, cl.err, errHeartbeatDirection)
}

func TestHeartbeatV3ClientPings(t *testing.T) {
	opts := fastHeartbeat
	opts.AllowEIO3 = true
	hs := newHarness(t, &opts)
	c, _, s := hs.openWS(3)

	// The client pings every 30ms for well over PingInterval+PingTimeout.
	tick := time.NewTicker(30 * time.Millisecond)
	defer tick.Stop()
	start := time.Now()
	for range 10 {
		<-tick.C
		c.writeText("2")
		require.Equal(t, "3", c.readText())
	}
	require.Greater(t, time.Since(start), opts.PingInterval+opts.PingTimeout)
	hs.h.requireNoClose(t)

	// A ping's data is not echoed, "probe" included once on WebSocket:
	// Node answers every ping but the upgrade probe with an empty pong.
	c.writeText("2probe")
	require.Equal(t, "3", c.readText())

	// Silence.
	cl := hs.h.nextClose(t)
	require.Same(t, s, cl.s)
	require.Equal(t, ReasonPingTimeout, cl.reason)
}

func TestHeartbeatV3NoServerPings(t *testing.T) {
	opts := fastHeartbeat
	opts.AllowEIO3 = true
	hs := newHarness(t, &opts)
	o, s, _ := hs.handshakeV3("")
	poll := hs.goGet("EIO=3&transport=polling&sid="+o.SID, nil)
	waitPollActive(t, s)
	// In v3 the server never pings: the waiting GET ends only with the
	// session (ping timeout), not with a "2".
	cl := hs.h.nextClose(t)
	require.Equal(t, ReasonPingTimeout, cl.reason)
	r := awaitResult(t, poll)
	require.NotContains(t, string(r.body), "1:2")
}

func TestHeartbeatV3PongFromClientIsError(t *testing.T) {
	hs := newHarness(t, &Options{AllowEIO3: true})
	c, _, _ := hs.openWS(3)
	c.writeText("3")
	cl := hs.h.nextClose(t)
	require.Equal(t, ReasonTransportError, cl.reason)
	require.ErrorIs(t, cl.err, errHeartbeatDirection)
}

func TestHeartbeatV3PollingPing(t *testing.T) {
	hs := newHarness(t, &Options{AllowEIO3: true})
	o, _, _ := hs.handshakeV3("&b64=1")
	_, b := hs.post("EIO=3&transport=polling&b64=1&sid="+o.SID, "1:2")
	require.Equal(t, "ok", string(b))
	_, body := hs.get("EIO=3&transport=polling&b64=1&sid=" + o.SID)
	require.Equal(t, "1:3", string(body))
}

// With a ping interval shorter than the ping timeout, a pong brings the next
// ping forward of the pong deadline: pings keep the interval's pace.
func TestHeartbeatPingIntervalShorterThanTimeout(t *testing.T) {
	hs := newHarness(t, &Options{PingInterval: 20 * time.Millisecond, PingTimeout: time.Second})
	c, _, _ := hs.openWS(4)
	start := time.Now()
	for range 10 {
		require.Equal(t, "2", c.readText())
		c.writeText("3")
	}
	// 10 intervals are 200ms; waiting on the pong deadline would take 10s.
	require.Less(t, time.Since(start), 3*time.Second)
	hs.h.requireNoClose(t)
}

// Sessions leave the heartbeat wheel when they end, and the wheel stops
// with the server.
func TestHeartbeatWheelRemovesEndedSessions(t *testing.T) {
	hs := newHarness(t, &Options{PingInterval: time.Minute, PingTimeout: time.Minute})
	var clients []*wsClient
	for range 5 {
		c, _, _ := hs.openWS(4)
		clients = append(clients, c)
	}
	w := hs.srv.heartbeats
	count := func() int { w.mu.Lock(); defer w.mu.Unlock(); return w.count }
	require.Equal(t, 5, count())
	for _, c := range clients[:3] {
		require.NoError(t, c.conn.Close())
		hs.h.nextClose(t)
	}
	require.Equal(t, 2, count())
	require.NoError(t, hs.srv.Close())
	require.Equal(t, 0, count())
}
