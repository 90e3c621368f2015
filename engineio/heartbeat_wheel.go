package engineio

import (
	"sync"
	"time"
)

// wheelSlots is how many slots the heartbeat wheel has: a deadline is met
// within about 1/wheelSlots of the longest heartbeat period, 0.7s with the
// defaults, which clients tolerate (they allow PingInterval+PingTimeout).
const wheelSlots = 64

// heartbeatWheel keeps the heartbeat deadlines of every session of a server
// on one timer: a runtime timer per session cost about 140 bytes, a slot
// entry costs a pointer. Each session sits in exactly one slot, the one of
// its deadline or of an earlier one; deadlines only move later outside the
// wheel, so a session found early is put back in the slot of its new
// deadline.
type heartbeatWheel struct {
	tick time.Duration

	mu        sync.Mutex
	slots     [wheelSlots][]*Session
	processed int64 // the last tick whose slot was handled
	count     int   // sessions in slots
	timer     *time.Timer
	armed     bool
	stopped   bool
}

func newHeartbeatWheel(o *Options) *heartbeatWheel {
	horizon := max(o.PingInterval, o.PingTimeout, o.PingInterval+o.PingTimeout)
	tick := max(horizon/(wheelSlots-2), time.Millisecond)
	w := &heartbeatWheel{tick: tick, processed: time.Now().UnixNano() / int64(tick)}
	w.timer = time.AfterFunc(time.Hour, w.fire)
	w.timer.Stop()
	return w
}

// add puts s in the slot of deadline (Unix nanoseconds), or the farthest
// slot if deadline is beyond the wheel. s.mu must not be held.
func (w *heartbeatWheel) add(s *Session, deadline int64) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.stopped {
		return
	}
	if s.inWheel {
		return // already waiting; its deadline is checked when it comes out
	}
	w.insertLocked(s, deadline)
	if !w.armed {
		w.armed = true
		w.timer.Reset(time.Until(time.Unix(0, (w.processed+1)*int64(w.tick))))
	}
}

// tickLocked returns the slot tick for deadline, clamped to the wheel.
func (w *heartbeatWheel) tickLocked(deadline int64) int64 {
	t := (deadline + int64(w.tick) - 1) / int64(w.tick)
	return min(max(t, w.processed+1), w.processed+wheelSlots-1)
}

func (w *heartbeatWheel) insertLocked(s *Session, deadline int64) {
	t := w.tickLocked(deadline)
	s.wheelTick, s.inWheel = t, true
	w.slots[t%wheelSlots] = append(w.slots[t%wheelSlots], s)
	w.count++
}

// advance moves s to an earlier slot when its deadline came forward (a
// pong due in PingTimeout answered, the next ping due in a shorter
// PingInterval).
func (w *heartbeatWheel) advance(s *Session, deadline int64) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.stopped || !s.inWheel || w.tickLocked(deadline) >= s.wheelTick {
		return
	}
	w.removeLocked(s)
	w.insertLocked(s, deadline)
}

// remove takes s out of the wheel (its session ended).
func (w *heartbeatWheel) remove(s *Session) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if s.inWheel {
		w.removeLocked(s)
	}
}

func (w *heartbeatWheel) removeLocked(s *Session) {
	s.inWheel = false
	slot := &w.slots[s.wheelTick%wheelSlots]
	for i, x := range *slot {
		if x == s {
			last := len(*slot) - 1
			(*slot)[i] = (*slot)[last]
			(*slot)[last] = nil
			*slot = (*slot)[:last]
			w.count--
			return
		}
	}
}

// fire hands the sessions of every slot now due to their heartbeat check.
func (w *heartbeatWheel) fire() {
	now := time.Now()
	w.mu.Lock()
	if w.stopped {
		w.mu.Unlock()
		return
	}
	var due []*Session
	end := min(now.UnixNano()/int64(w.tick), w.processed+wheelSlots)
	for t := w.processed + 1; t <= end; t++ {
		slot := &w.slots[t%wheelSlots]
		for _, s := range *slot {
			s.inWheel = false
		}
		due = append(due, *slot...)
		clear(*slot)
		*slot = (*slot)[:0]
		if cap(*slot) > keptBatch {
			*slot = nil
		}
	}
	w.processed = max(w.processed, end)
	w.count -= len(due)
	w.armed = w.count > 0
	if w.armed {
		w.timer.Reset(time.Until(time.Unix(0, (w.processed+1)*int64(w.tick))))
	}
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
	w.slots = [wheelSlots][]*Session{}
	w.count = 0
}
