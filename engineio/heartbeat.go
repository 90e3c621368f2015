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

// heartbeat keeps a session alive and ends it when the client goes silent.
//
// Protocol 4: the server pings every PingInterval and expects a pong within
// PingTimeout. Protocol 3: the client pings; the server ends the session when
// no ping arrives within PingInterval+PingTimeout. One timer per session, not
// a goroutine, so an idle session costs no stack; in protocol 4 it alternates
// between the two deadlines. Guarded by the session's mu.
type heartbeat struct {
	timer    *time.Timer
	awaiting bool // protocol 4: a ping is out and the timer is its deadline
	stopped  bool
}

func (s *Session) startHeartbeat() {
	s.mu.Lock()
	defer s.mu.Unlock()
	o := &s.srv.opts
	d := o.PingInterval
	if s.protocol == 3 {
		d += o.PingTimeout
	}
	s.heartbeat.timer = time.AfterFunc(d, s.heartbeatDue)
}

// heartbeatDue sends the next ping (protocol 4), or ends the session when
// the client's heartbeat is overdue.
func (s *Session) heartbeatDue() {
	s.mu.Lock()
	h := &s.heartbeat
	if h.stopped {
		s.mu.Unlock()
		return
	}
	if s.protocol == 3 || h.awaiting {
		s.mu.Unlock()
		s.finish(ReasonPingTimeout, nil)
		return
	}
	h.awaiting = true
	h.timer.Reset(s.srv.opts.PingTimeout)
	if s.state == stateOpen {
		s.enqueueLocked(outPacket{typ: codec.Ping})
	}
	s.mu.Unlock()
}

// heartbeatReceived records the client's heartbeat: a pong (protocol 4) or
// any packet (protocol 3).
func (s *Session) heartbeatReceived() {
	s.mu.Lock()
	defer s.mu.Unlock()
	h := &s.heartbeat
	if h.stopped || h.timer == nil {
		return
	}
	o := &s.srv.opts
	if s.protocol == 3 {
		h.timer.Reset(o.PingInterval + o.PingTimeout)
		return
	}
	// A pong with no ping out changes nothing, as in Node.
	if h.awaiting {
		h.awaiting = false
		h.timer.Reset(o.PingInterval)
	}
}

// stopHeartbeatLocked stops the timer for good. s.mu must be held.
func (s *Session) stopHeartbeatLocked() {
	h := &s.heartbeat
	h.stopped = true
	if h.timer != nil {
		h.timer.Stop()
	}
}
