package engineio

import (
	"sync"
	"time"
)

// wheelSlots is how many slots the heartbeat wheel has. A slot holds the
// sessions whose deadline falls in its tick, about 1/wheelSlots of the
// longest heartbeat period (0.7 s with the defaults).
const wheelSlots = 64

// The wheel's timer fires at most once per grid step, 1/wheelGridDiv of a
// tick but no less than wheelMinGrid: each firing wakes the process, which
// costs some 50–150 µs of CPU on a small virtual machine, so a server with
// many sessions must not fire for each deadline. A deadline that comes
// alone is met exactly; one that comes within a grid step of the last
// firing waits for the step's end, late by at most 0.5 ms with the protocol
// suites' 300 ms interval and 200 ms timeout, 45 ms of the defaults' 25 s
// and 20 s (at most 23 firings a second, however many sessions). A request
// never sees that lateness: it checks the deadline itself.
const (
	wheelGridDiv = 16
	wheelMinGrid = 500 * time.Microsecond
)

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
// of them, so a deadline is met on time rather than at the
// end of its tick. Only the sessions due within a tick are in the heap, so
// its cost stays small at any number of sessions.
//
// Each session is filed once, under the deadline it had then (wheelAt);
// deadlines only move later outside the wheel, so a session found early is
// filed again under its new deadline (Session.heartbeatCheck).
type heartbeatWheel struct {
	tick int64 // nanoseconds
	grid int64 // nanoseconds

	mu        sync.Mutex
	slots     [wheelSlots][]*Session
	near      []nearEntry // min-heap by deadline: the sessions due this tick
	processed int64       // the last tick whose slot has moved to near
	count     int         // sessions in slots and near
	timer     *time.Timer
	armedAt   int64 // when the timer fires, Unix nanoseconds; 0 if unarmed
	lastFire  int64 // when it last fired, Unix nanoseconds
	stopped   bool
}

func newHeartbeatWheel(o *Options) *heartbeatWheel {
	horizon := max(o.PingInterval, o.PingTimeout, o.PingInterval+o.PingTimeout)
	tick := int64(max(horizon/(wheelSlots-2), time.Millisecond))
	grid := max(tick/wheelGridDiv, int64(wheelMinGrid))
	w := &heartbeatWheel{tick: tick, grid: grid, processed: time.Now().UnixNano() / tick}
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
			if x.s == s {
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
// to the heap; not within a grid step of the last firing.
func (w *heartbeatWheel) armLocked() {
	if w.count == 0 || w.stopped {
		return // the timer may fire once more and find nothing to do
	}
	next := (w.processed + 1) * w.tick
	if len(w.near) > 0 {
		next = min(next, max(w.near[0].at, w.lastFire+w.grid))
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
	w.lastFire = ns
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
	for len(w.near) > 0 && w.near[0].at <= ns {
		s := w.near[0].s
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
	for _, e := range w.near {
		e.s.wheelPos = wheelOut
	}
	w.slots = [wheelSlots][]*Session{}
	w.near = nil
	w.count = 0
}

// nearEntry is a session in the near heap with its deadline, kept beside
// it so that ordering the heap does not touch the sessions.
type nearEntry struct {
	at int64
	s  *Session
}

// The near heap: a binary min-heap on the deadline.

func (w *heartbeatWheel) pushNearLocked(s *Session) {
	s.wheelPos = wheelNear
	w.near = append(w.near, nearEntry{s.wheelAt, s})
	h := w.near
	i := len(h) - 1
	for i > 0 {
		p := (i - 1) / 2
		if h[p].at <= h[i].at {
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
	h[last] = nearEntry{}
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
		if r := l + 1; r < len(h) && h[r].at < h[l].at {
			c = r
		}
		if h[i].at <= h[c].at {
			break
		}
		h[i], h[c] = h[c], h[i]
		i = c
	}
	for i > 0 {
		p := (i - 1) / 2
		if h[p].at <= h[i].at {
			break
		}
		h[p], h[i] = h[i], h[p]
		i = p
	}
	if len(h) == 0 && cap(h) > keptBatch {
		w.near = nil
	}
}
