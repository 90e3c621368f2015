package engineio

import (
	"errors"
	"time"

	"github.com/gosio/gosio/engineio/internal/codec"
)

var (
	errHeartbeatDirection = errors.New("engineio: invalid heartbeat direction")
	errUnexpectedPacket   = errors.New("engineio: unexpected packet type")
	errPollerFailed       = errors.New("engineio: idle connection poller failed")
)

// A ping that goes out late by up to 1/pongSlackDiv of PingTimeout still
// has its pong due PingTimeout after the ping was due.
const pongSlackDiv = 10

// heartbeat keeps a session alive and ends it when the client goes silent.
//
// Protocol 4: the server pings every PingInterval and expects a pong within
// PingTimeout. Protocol 3: the client pings; the server ends the session when
// no ping arrives within PingInterval+PingTimeout. The server's
// heartbeatWheel calls heartbeatCheck when the deadline has come; in
// protocol 4 the deadline alternates between the next ping and the pong.
// A polling request checks the deadline itself (heartbeatOverdue), so it
// never finds a session the wheel is about to end.
// Guarded by the session's mu.
type heartbeat struct {
	deadline int64 // Unix nanoseconds
	awaiting bool  // protocol 4: a ping is out and deadline is its pong's
	stopped  bool
}

func (s *Session) startHeartbeat() {
	o := &s.srv.opts
	d := o.PingInterval
	if s.protocol == 3 {
		d += o.PingTimeout
	}
	deadline := time.Now().Add(d).UnixNano()
	s.mu.Lock()
	s.heartbeat.deadline = deadline
	s.mu.Unlock()
	s.srv.heartbeats.add(s, deadline)
}

// heartbeatCheck runs when the wheel finds s in a due slot: it sends the
// next ping (protocol 4), ends the session when the client's heartbeat is
// overdue, or puts s back for a deadline that moved later.
func (s *Session) heartbeatCheck(now time.Time) {
	s.mu.Lock()
	h := &s.heartbeat
	if h.stopped {
		s.mu.Unlock()
		return
	}
	if h.deadline > now.UnixNano() {
		deadline := h.deadline
		s.mu.Unlock()
		s.srv.heartbeats.add(s, deadline)
		return
	}
	if s.protocol == 3 || h.awaiting {
		s.mu.Unlock()
		s.finish(ReasonPingTimeout, nil)
		return
	}
	h.awaiting = true
	// The pong is due PingTimeout after the ping was due, so that a timer
	// firing late does not push the session's end later; but the client
	// always has at least 90% of PingTimeout from the ping's sending.
	timeout := int64(s.srv.opts.PingTimeout)
	h.deadline = max(h.deadline+timeout, now.UnixNano()+timeout-timeout/pongSlackDiv)
	deadline := h.deadline
	if s.state == stateOpen {
		s.enqueueLocked(outPacket{typ: codec.Ping})
	}
	s.mu.Unlock()
	s.srv.heartbeats.add(s, deadline)
}

// heartbeatOverdue reports whether the client's heartbeat is overdue at
// now: a request of a session whose end the wheel has yet to reach is
// answered as the end's, exactly at the deadline.
func (s *Session) heartbeatOverdue(now time.Time) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	h := &s.heartbeat
	if h.stopped {
		return false
	}
	end := h.deadline
	if s.protocol != 3 && !h.awaiting {
		end += int64(s.srv.opts.PingTimeout) // the ping is not out yet
	}
	return now.UnixNano() >= end
}

// heartbeatReceived records the client's heartbeat: a pong (protocol 4) or
// any packet (protocol 3). The session stays in its wheel slot unless the
// new deadline comes before it.
func (s *Session) heartbeatReceived() {
	o := &s.srv.opts
	s.mu.Lock()
	h := &s.heartbeat
	switch {
	case h.stopped:
	case s.protocol == 3:
		h.deadline = time.Now().Add(o.PingInterval + o.PingTimeout).UnixNano()
	case h.awaiting:
		// A pong with no ping out changes nothing, as in Node.
		h.awaiting = false
		h.deadline = time.Now().Add(o.PingInterval).UnixNano()
		deadline := h.deadline
		s.mu.Unlock()
		if o.PingInterval < o.PingTimeout {
			s.srv.heartbeats.advance(s, deadline) // earlier than the pong's slot
		}
		return
	}
	s.mu.Unlock()
}

// stopHeartbeatLocked stops the heartbeat for good; the caller then takes
// the session out of the wheel. s.mu must be held.
func (s *Session) stopHeartbeatLocked() {
	s.heartbeat.stopped = true
}
