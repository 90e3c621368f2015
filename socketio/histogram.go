package socketio

import (
	"sync/atomic"
	"time"
)

// HistogramBounds are the upper bounds of a [Histogram]'s buckets, from
// half a millisecond (an acknowledgement on the loopback) to ten seconds
// (a client that is about to time out).
var HistogramBounds = [...]time.Duration{
	500 * time.Microsecond, time.Millisecond, 2500 * time.Microsecond, 5 * time.Millisecond,
	10 * time.Millisecond, 25 * time.Millisecond, 50 * time.Millisecond, 100 * time.Millisecond,
	250 * time.Millisecond, 500 * time.Millisecond, time.Second, 2500 * time.Millisecond,
	5 * time.Second, 10 * time.Second,
}

// Histogram counts durations in the buckets of [HistogramBounds]. It is
// safe for concurrent use; the zero value is empty. Observing is two
// atomic adds and a search of fourteen bounds.
type Histogram struct {
	buckets [len(HistogramBounds) + 1]atomic.Uint64 // the last one is +Inf
	sum     atomic.Int64                            // nanoseconds
}

// Observe records d.
func (h *Histogram) Observe(d time.Duration) {
	i := 0
	for i < len(HistogramBounds) && d > HistogramBounds[i] {
		i++
	}
	h.buckets[i].Add(1)
	h.sum.Add(int64(d))
}

// HistogramSnapshot is a [Histogram] read at one time.
type HistogramSnapshot struct {
	// Counts holds, for each bound of HistogramBounds, the observations
	// at or below it (cumulative, as Prometheus's buckets).
	Counts [len(HistogramBounds)]uint64
	// Count is the number of observations, and Sum their total.
	Count uint64
	Sum   time.Duration
}

// Snapshot reads h. Observations made while it reads may be counted in
// Count and not yet in Sum, or the other way round.
func (h *Histogram) Snapshot() HistogramSnapshot {
	var s HistogramSnapshot
	var cum uint64
	for i := range HistogramBounds {
		cum += h.buckets[i].Load()
		s.Counts[i] = cum
	}
	s.Count = cum + h.buckets[len(HistogramBounds)].Load()
	s.Sum = time.Duration(h.sum.Load())
	return s
}
