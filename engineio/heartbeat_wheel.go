package engineio

import (
	"sync"
	"time"
)

// wheelSlots is how many slots the heartbeat wheel has. A slot holds the
// sessions whose deadline falls in its tick, about 1/wheelSlots of the
// longest heartbeat period (0.7 s with the defaults).
const wheelSlots = 64

// wheelGrid is the precision of the deadlines: the wheel's timer fires on
// this grid, so that it fires at most 1/wheelGrid times a second however
// many sessions are due, at the cost of being up to wheelGrid late.
const wheelGrid = 500 * time.Microsecond

// Values of Session.wheelPos besides 1+slot.
const (
	wheelOut  = 0   // in neither the slots nor the near heap
	wheelNear = 255 // in the near heap
)

// heartbeatWheel keeps the heartbeat deadlines of every session of a server
// on one timer: a runtime timer per session costs about 140 bytes, a slot
// entry a pointer.
//
// It is a coarse wheel with an exact last step. A session waits in the slot
// of its deadline's tick; when that tick begins, the slot's sessions move to
// the near heap, ordered by deadline, and the timer fires at the earliest
// of them (on wheelGrid), so a deadline is met on time rather than at the
// end of its tick. Only the sessions due within a tick are in the heap, so
// its cost stays small at any number of sessions.
//
// Each session is filed once, under the deadline it had then (wheelAt);
// deadlines only move later outside the wheel, so a session found early is
// filed again under its new deadline (Session.heartbeatCheck).
type heartbeatWheel struct {
	tick int64 // nanoseconds

	mu        sync.Mutex
	slots     [wheelSlots][]*Session
	near      []*Session // min-heap by wheelAt: the sessions due this tick
	processed int64      // the last tick whose slot has moved to near
	count     int        // sessions in slots and near
	timer     *time.Timer
	armedAt   int64 // when the timer fires, Unix nanoseconds; 0 if unarmed
	stopped   bool
}

func newHeartbeatWheel(o *Options) *heartbeatWheel {
	horizon := max(o.PingInterval, o.PingTimeout, o.PingInterval+o.PingTimeout)
	tick := int64(max(horizon/(wheelSlots-2), time.Millisecond))
	w := &heartbeatWheel{tick: tick, processed: time.Now().UnixNano() / tick}
	w.timer = time.AfterFunc(time.Hour, w.fire)
	w.timer.Stop()
	return w
}

// add files s under deadline (Unix nanoseconds). s.mu must not be held.
func (w *heartbeatWheel) add(s *Session, deadline int64) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.stopped || s.wheelPos != wheelOut {
		return // already filed; its deadline is checked when it comes out
	}
	if w.count == 0 {
		// The timer has not run since the wheel emptied: catch up, so
		// that the slots are reckoned from now.
		w.processed = max(w.processed, time.Now().UnixNano()/w.tick)
	}
	w.insertLocked(s, deadline)
	w.armLocked()
}

// insertLocked files s in the slot of deadline's tick, the farthest slot if
// deadline is beyond the wheel, or the near heap if its tick has begun.
func (w *heartbeatWheel) insertLocked(s *Session, deadline int64) {
	s.wheelAt = deadline
	w.count++
	t := deadline / w.tick
	if t <= w.processed {
		w.pushNearLocked(s)
		return
	}
	i := min(t, w.processed+wheelSlots-1) % wheelSlots
	s.wheelPos = uint8(i + 1)
	w.slots[i] = append(w.slots[i], s)
}

// advance files s again when its deadline came forward (a pong due in
// PingTimeout answered, the next ping due in a shorter PingInterval).
func (w *heartbeatWheel) advance(s *Session, deadline int64) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.stopped || s.wheelPos == wheelOut || deadline >= s.wheelAt {
		return
	}
	w.removeLocked(s)
	w.insertLocked(s, deadline)
	w.armLocked()
}

// remove takes s out of the wheel (its session ended).
func (w *heartbeatWheel) remove(s *Session) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if s.wheelPos != wheelOut {
		w.removeLocked(s)
	}
}

func (w *heartbeatWheel) removeLocked(s *Session) {
	w.count--
	if s.wheelPos == wheelNear {
		s.wheelPos = wheelOut
		for i, x := range w.near {
			if x == s {
				w.removeNearLocked(i)
				return
			}
		}
		return
	}
	slot := &w.slots[s.wheelPos-1]
	s.wheelPos = wheelOut
	for i, x := range *slot {
		if x == s {
			last := len(*slot) - 1
			(*slot)[i] = (*slot)[last]
			(*slot)[last] = nil
			*slot = (*slot)[:last]
			return
		}
	}
}

// armLocked sets the timer for the next thing due: the earliest deadline
// in the near heap, or the start of the next tick, whose slot then moves
// to the heap.
func (w *heartbeatWheel) armLocked() {
	if w.count == 0 || w.stopped {
		return // the timer may fire once more and find nothing to do
	}
	next := (w.processed + 1) * w.tick
	if len(w.near) > 0 {
		grid := int64(wheelGrid)
		next = min(next, (w.near[0].wheelAt+grid-1)/grid*grid)
	}
	if w.armedAt != 0 && w.armedAt <= next {
		return // it fires earlier and arms again then
	}
	w.armedAt = next
	w.timer.Reset(time.Until(time.Unix(0, next)))
}

// fire moves the slots whose tick has begun to the near heap and hands the
// sessions now due to their heartbeat check.
func (w *heartbeatWheel) fire() {
	now := time.Now()
	ns := now.UnixNano()
	w.mu.Lock()
	if w.stopped {
		w.mu.Unlock()
		return
	}
	w.armedAt = 0
	end := ns / w.tick
	if end-w.processed > wheelSlots {
		// Far behind (the process was stopped): every slot is due, once.
		var all []*Session
		for i := range w.slots {
			all = append(all, w.slots[i]...)
			w.slots[i] = nil
		}
		w.count -= len(all)
		w.processed = end
		for _, s := range all {
			w.insertLocked(s, s.wheelAt)
		}
	}
	for w.processed < end {
		w.processed++
		slot := &w.slots[w.processed%wheelSlots]
		for i, s := range *slot {
			(*slot)[i] = nil
			w.count--
			// Into the heap, or, filed far ahead, into a later slot,
			// never this one: insertLocked's slots stop short of it.
			w.insertLocked(s, s.wheelAt)
		}
		*slot = (*slot)[:0]
		if cap(*slot) > keptBatch {
			*slot = nil
		}
		if w.count == 0 {
			w.processed = end // nothing to move: skip the empty ticks
		}
	}
	var due []*Session
	for len(w.near) > 0 && w.near[0].wheelAt <= ns {
		s := w.near[0]
		w.removeNearLocked(0)
		s.wheelPos = wheelOut
		w.count--
		due = append(due, s)
	}
	w.armLocked()
	w.mu.Unlock()
	for _, s := range due {
		s.heartbeatCheck(now)
	}
}

// stop ends the wheel; sessions still in it are ended by the server.
func (w *heartbeatWheel) stop() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.stopped = true
	w.timer.Stop()
	for i := range w.slots {
		for _, s := range w.slots[i] {
			s.wheelPos = wheelOut
		}
	}
	for _, s := range w.near {
		s.wheelPos = wheelOut
	}
	w.slots = [wheelSlots][]*Session{}
	w.near = nil
	w.count = 0
}

// The near heap: a binary min-heap on wheelAt.

func (w *heartbeatWheel) pushNearLocked(s *Session) {
	s.wheelPos = wheelNear
	w.near = append(w.near, s)
	h := w.near
	i := len(h) - 1
	for i > 0 {
		p := (i - 1) / 2
		if h[p].wheelAt <= h[i].wheelAt {
			break
		}
		h[p], h[i] = h[i], h[p]
		i = p
	}
}

// removeNearLocked takes the entry at i out of the heap.
func (w *heartbeatWheel) removeNearLocked(i int) {
	h := w.near
	last := len(h) - 1
	h[i] = h[last]
	h[last] = nil
	h = h[:last]
	w.near = h
	if i == last {
		return
	}
	// The moved entry goes down or up to its place.
	for {
		l := 2*i + 1
		if l >= len(h) {
			break
		}
		c := l
		if r := l + 1; r < len(h) && h[r].wheelAt < h[l].wheelAt {
			c = r
		}
		if h[i].wheelAt <= h[c].wheelAt {
			break
		}
		h[i], h[c] = h[c], h[i]
		i = c
	}
	for i > 0 {
		p := (i - 1) / 2
		if h[p].wheelAt <= h[i].wheelAt {
			break
		}
		h[p], h[i] = h[i], h[p]
		i = p
	}
	if len(h) == 0 && cap(h) > keptBatch {
		w.near = nil
	}
}
