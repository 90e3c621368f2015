package engineio

import (
	"cmp"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/gobwas/ws/wsutil"
	"github.com/stretchr/testify/require"
)

// The wheel meets deadlines on time, not at the end of its tick: with the
// protocol suites' 300 ms interval and 200 ms timeout, the ping goes out
// 300 ms after the handshake and the silent session ends 200 ms later.
// Runtime timers set for the same instants are the reference, so that a
// loaded machine, which makes both late, does not fail the test: the
// medians must be within 2 ms of theirs (3 ms for the ping, which the
// client must read too). The wheel's tick alone made them 5–16 ms late.
func TestHeartbeatDeadlinesOnTime(t *testing.T) {
	opts := Options{PingInterval: 300 * time.Millisecond, PingTimeout: 200 * time.Millisecond}
	h := newRecHandler()
	var mu sync.Mutex
	opened := map[*Session]time.Time{}
	ended := map[*Session]time.Time{}
	var refPing, refEnd []time.Duration // the runtime timers' lateness
	var refs sync.WaitGroup
	lateTimer := func(start time.Time, d time.Duration, into *[]time.Duration) {
		refs.Add(1)
		time.AfterFunc(d, func() {
			defer refs.Done()
			mu.Lock()
			*into = append(*into, time.Since(start)-d)
			mu.Unlock()
		})
	}
	h.onOpen = func(s *Session) {
		now := time.Now()
		mu.Lock()
		opened[s] = now
		mu.Unlock()
		lateTimer(now, opts.PingInterval, &refPing)
		lateTimer(now, opts.PingInterval+opts.PingTimeout, &refEnd)
	}
	hook := func(s *Session) {
		mu.Lock()
		ended[s] = time.Now()
		mu.Unlock()
	}
	testHookFinishing.Store(&hook)
	defer testHookFinishing.Store(nil)
	hs := newHarnessWith(t, h, &opts)

	const n = 10
	pinged := make([]time.Time, n)
	sessions := make([]*Session, n)
	var wg sync.WaitGroup
	for i := range n {
		c, _, s := hs.openWS(4)
		sessions[i] = s
		wg.Add(1)
		go func() {
			defer wg.Done()
			_ = c.conn.SetReadDeadline(time.Now().Add(waitTimeout))
			f, err := readServerText(c)
			if err == nil && f == "2" {
				pinged[i] = time.Now()
			}
		}()
		time.Sleep(opts.PingInterval / n) // spread the deadlines over the ticks
	}
	wg.Wait()
	for range n {
		require.Equal(t, ReasonPingTimeout, hs.h.nextClose(t).reason)
	}
	refs.Wait()
	var pingLate, endLate []time.Duration
	mu.Lock()
	for i, s := range sessions {
		require.False(t, pinged[i].IsZero(), "session %d got no ping", i)
		pingLate = append(pingLate, pinged[i].Sub(opened[s])-opts.PingInterval)
		endLate = append(endLate, ended[s].Sub(opened[s])-opts.PingInterval-opts.PingTimeout)
	}
	mu.Unlock()
	median := func(d []time.Duration) time.Duration { slices.Sort(d); return d[len(d)/2] }
	t.Logf("ping late by %v (timers %v), end late by %v (timers %v)", pingLate, refPing, endLate, refEnd)
	// The deadlines count from just before OnOpen, where opened is read:
	// a few microseconds early is on time.
	require.GreaterOrEqual(t, slices.Min(pingLate), -time.Millisecond, "a ping went out early")
	require.GreaterOrEqual(t, slices.Min(endLate), -time.Millisecond, "a session ended early")
	require.LessOrEqual(t, median(pingLate), median(refPing)+3*time.Millisecond, "pings late")
	require.LessOrEqual(t, median(endLate), median(refEnd)+2*time.Millisecond, "ends late")
}

// A request of a session whose heartbeat is overdue finds it ended, even
// when the wheel has yet to come to it.
func TestHeartbeatOverdueSessionIsEndedByItsRequest(t *testing.T) {
	opts := Options{PingInterval: 300 * time.Millisecond, PingTimeout: 200 * time.Millisecond}
	hs := newHarness(t, &opts)
	o, s := hs.handshakeV4()
	// Stand in for a wheel running late: the session leaves it.
	hs.srv.heartbeats.remove(s)
	s.mu.Lock()
	s.heartbeat.deadline = time.Now().Add(-opts.PingTimeout).UnixNano()
	s.mu.Unlock()
	resp, body := hs.get("EIO=4&transport=polling&sid=" + o.SID)
	requireProtocolError(t, resp, body, 400, 1)
	require.Equal(t, ReasonPingTimeout, hs.h.nextClose(t).reason)
}

// readServerText reads the next data message, for a goroutine other than
// the test's, which may not call require.
func readServerText(c *wsClient) (string, error) {
	data, _, err := wsutil.ReadServerData(c.rw)
	return string(data), err
}

// The near heap hands sessions out in deadline order, whatever was taken
// out of it meanwhile, and the timer is armed for the earliest deadline
// rather than for the end of a tick.
func TestHeartbeatWheelNearHeapOrder(t *testing.T) {
	w := newHeartbeatWheel(&Options{PingInterval: time.Hour, PingTimeout: time.Hour})
	defer w.stop()
	w.mu.Lock()
	defer w.mu.Unlock()
	base := w.processed * w.tick // the current tick's start: near, not a slot
	rng := rand.New(rand.NewPCG(1, 2))
	var all []*Session
	for range 500 {
		s := &Session{}
		w.insertLocked(s, base+rng.Int64N(w.tick))
		require.EqualValues(t, wheelNear, s.wheelPos)
		all = append(all, s)
	}
	w.armLocked()
	earliest := slices.MinFunc(all, func(a, b *Session) int { return cmp.Compare(a.wheelAt, b.wheelAt) })
	require.Equal(t, earliest.wheelAt, w.armedAt, "a deadline alone is met exactly")
	for _, s := range all[:200] {
		w.removeLocked(s)
		require.EqualValues(t, wheelOut, s.wheelPos)
	}
	require.Equal(t, 300, w.count)
	var got []int64
	for len(w.near) > 0 {
		got = append(got, w.near[0].at)
		w.removeNearLocked(0)
	}
	require.Len(t, got, 300)
	require.True(t, slices.IsSorted(got))
}
