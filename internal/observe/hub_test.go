package observe

import (
	"sync"
	"testing"
)

type counters struct{ _ int }

type watcher interface{ id() int }

type w int

func (x w) id() int { return int(x) }

// Counters cost nothing until asked for, and every caller then shares them.
func TestHubStatsMadeOnceOnFirstUse(t *testing.T) {
	var h Hub[counters, watcher]
	if h.Counting() != nil {
		t.Fatal("counting before anyone asked")
	}
	var wg sync.WaitGroup
	got := make([]*counters, 8)
	for i := range got {
		wg.Add(1)
		go func() { defer wg.Done(); got[i] = h.Stats() }()
	}
	wg.Wait()
	for _, st := range got {
		if st != got[0] || h.Counting() != st {
			t.Fatal("callers got different counters")
		}
	}
}

// Observers are added and removed without changing a list being ranged over.
func TestHubObserveAndStop(t *testing.T) {
	var h Hub[counters, watcher]
	if h.Observers() != nil {
		t.Fatal("observers before any was added")
	}
	stop1 := h.Observe(w(1))
	stop2 := h.Observe(w(2))
	before := h.Observers()
	stop1()
	stop1() // a second stop does nothing
	if len(before) != 2 || before[0] != w(1) {
		t.Fatalf("a list handed out changed: %v", before)
	}
	if now := h.Observers(); len(now) != 1 || now[0] != w(2) {
		t.Fatalf("after stop: %v", now)
	}
	stop2()
	if len(h.Observers()) != 0 {
		t.Fatal("an observer is left")
	}
}
