package engineio

import (
	"syscall"
	"testing"
	"time"
)

// BenchmarkHeartbeatWheel100k meets deadlines at the rate a server with
// 100,000 idle connections has them with the default 25 s interval: 4,000
// a second (20,000 sessions over 5 s). It waits for every ping to go out
// and reports the process CPU time per deadline met: the wheel's cost,
// with the ping's queueing (no transport: nothing is written).
func BenchmarkHeartbeatWheel100k(b *testing.B) {
	const n = 20_000
	const spread = 5 * time.Second
	for range b.N {
		srv := NewServer(nopHandler{}, nil) // the defaults: 25 s interval, 20 s timeout
		sessions := make([]*Session, n)
		start := time.Now().Add(100 * time.Millisecond)
		for i := range sessions {
			s := &Session{srv: srv, protocol: 4, id: "x"}
			d := start.Add(spread * time.Duration(i) / n).UnixNano()
			s.heartbeat.deadline = d
			srv.heartbeats.add(s, d)
			sessions[i] = s
		}
		before := cpuTime()
		// A pause is what is measured: the wheel's work while time passes.
		time.Sleep(time.Until(start.Add(spread + 2*srv.heartbeats.tickDuration())))
		used := cpuTime() - before
		pinged := 0
		for _, s := range sessions {
			s.mu.Lock()
			if len(s.queue) == 1 {
				pinged++
			}
			s.mu.Unlock()
		}
		if pinged != n {
			b.Fatalf("%d of %d sessions pinged", pinged, n)
		}
		b.ReportMetric(float64(used.Nanoseconds())/n, "cpu-ns/deadline")
		_ = srv.Close()
	}
}

func (w *heartbeatWheel) tickDuration() time.Duration { return time.Duration(w.tick) }

func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
