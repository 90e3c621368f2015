// Package observe holds what engineio and socketio servers share for being
// watched: counters made on first use, and a list of observers. Both stay
// nil, and cost the hot paths one atomic load, until asked for.
package observe

import (
	"slices"
	"sync"
	"sync/atomic"
)

// Hub holds a server's counters, of type S, and its observers, of type O.
// The zero Hub is ready to use.
type Hub[S any, O comparable] struct {
	stats     atomic.Pointer[S]
	observers atomic.Pointer[[]O]
	mu        sync.Mutex // serialises the counters' making and the list's changes
}

// Stats returns the counters, making them on the first call: every caller
// gets the same *S.
func (h *Hub[S, O]) Stats() *S {
	if st := h.stats.Load(); st != nil {
		return st
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if st := h.stats.Load(); st != nil {
		return st
	}
	st := new(S)
	h.stats.Store(st)
	return st
}

// Counting returns the counters, or nil while nobody asked for them: the
// hot paths count only then.
func (h *Hub[S, O]) Counting() *S { return h.stats.Load() }

// Observe adds o to the observers. The returned function removes it.
func (h *Hub[S, O]) Observe(o O) (stop func()) {
	h.mu.Lock()
	defer h.mu.Unlock()
	var list []O
	if p := h.observers.Load(); p != nil {
		list = slices.Clone(*p)
	}
	list = append(list, o)
	h.observers.Store(&list)
	var once sync.Once
	return func() {
		once.Do(func() {
			h.mu.Lock()
			defer h.mu.Unlock()
			list := slices.Clone(*h.observers.Load())
			if i := slices.Index(list, o); i >= 0 {
				list = slices.Delete(list, i, i+1)
			}
			h.observers.Store(&list)
		})
	}
}

// Observers returns the observers now: a slice that is never changed, so
// it may be ranged over while others observe or stop.
func (h *Hub[S, O]) Observers() []O {
	if p := h.observers.Load(); p != nil {
		return *p
	}
	return nil
}
