package main

import (
	"math/bits"
	"sync/atomic"
	"time"
)

// hist is a lock-free log-linear latency histogram in microseconds:
// exact below 128µs, then 64 sub-buckets per power of two (<1.6% error).
type hist struct {
	b     [64 * 44]atomic.Uint64
	n     atomic.Uint64
	maxUS atomic.Uint64
}

func bucketOf(v uint64) int {
	if v < 128 {
		return int(v)
	}
	shift := bits.Len64(v) - 7
	return 128 + (shift-1)*64 + int(v>>uint(shift)) - 64
}

func bucketMid(idx int) float64 {
	if idx < 128 {
		return float64(idx)
	}
	shift := (idx-128)/64 + 1
	m := uint64((idx-128)%64 + 64)
	lo := m << uint(shift)
	return float64(lo) + float64(uint64(1)<<uint(shift))/2
}

func (h *hist) add(d time.Duration) {
	us := uint64(0)
	if d > 0 {
		us = uint64(d / time.Microsecond)
	}
	i := bucketOf(us)
	if i >= len(h.b) {
		i = len(h.b) - 1
	}
	h.b[i].Add(1)
	h.n.Add(1)
	for {
		m := h.maxUS.Load()
		if us <= m || h.maxUS.CompareAndSwap(m, us) {
			break
		}
	}
}

// quantileMS returns the q-quantile in milliseconds (0 when empty).
func (h *hist) quantileMS(q float64) float64 {
	n := h.n.Load()
	if n == 0 {
		return 0
	}
	rank := uint64(q*float64(n-1)) + 1
	var c uint64
	for i := range h.b {
		c += h.b[i].Load()
		if c >= rank {
			return bucketMid(i) / 1000
		}
	}
	return float64(h.maxUS.Load()) / 1000
}

func (h *hist) maxMS() float64 { return float64(h.maxUS.Load()) / 1000 }
