package engineio

import (
	"errors"
	"sync"
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
// between the two deadlines.
type heartbeat struct {
	mu       sync.Mutex
	s        *Session
	timer    *time.Timer
	awaiting bool // protocol 4: a ping is out and the timer is its deadline
	stopped  bool
}

func (h *heartbeat) start(s *Session) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.s = s
	o := &s.srv.opts
	if s.protocol == 3 {
		h.timer = time.AfterFunc(o.PingInterval+o.PingTimeout, h.fire)
		return
	}
	h.timer = time.AfterFunc(o.PingInterval, h.fire)
}

// fire sends the next ping (protocol 4), or ends the session when the
// client's heartbeat is overdue.
func (h *heartbeat) fire() {
	h.mu.Lock()
	if h.stopped {
		h.mu.Unlock()
		return
	}
	s := h.s
	if s.protocol == 3 || h.awaiting {
		h.mu.Unlock()
		s.finish(ReasonPingTimeout, nil)
		return
	}
	h.awaiting = true
	h.timer.Reset(s.srv.opts.PingTimeout)
	h.mu.Unlock()
	s.mu.Lock()
	if s.state == stateOpen {
		s.enqueueLocked(outPacket{typ: codec.Ping})
	}
	s.mu.Unlock()
}

// received records the client's heartbeat: a pong (protocol 4) or any packet
// (protocol 3).
func (h *heartbeat) received() {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.stopped || h.s == nil {
		return
	}
	o := &h.s.srv.opts
	if h.s.protocol == 3 {
		h.timer.Reset(o.PingInterval + o.PingTimeout)
		return
	}
	// A pong with no ping out changes nothing, as in Node.
	if h.awaiting {
		h.awaiting = false
		h.timer.Reset(o.PingInterval)
	}
}

func (h *heartbeat) stop() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.stopped = true
	if h.timer != nil {
		h.timer.Stop()
	}
}
