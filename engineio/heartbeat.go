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
)

// heartbeat keeps a session alive and ends it when the client goes silent.
//
// Protocol 4: the server pings every PingInterval and expects a pong within
// PingTimeout. Protocol 3: the client pings; the server ends the session when
// no ping arrives within PingInterval+PingTimeout. Timers, not goroutines, so
// an idle session costs no stack.
type heartbeat struct {
	mu      sync.Mutex
	s       *Session
	ping    *time.Timer // protocol 4: next ping
	timeout *time.Timer // ends the session when it fires
	stopped bool
}

func (h *heartbeat) start(s *Session) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.s = s
	o := &s.srv.opts
	timeout := func() { s.finish(ReasonPingTimeout, nil) }
	if s.protocol == 3 {
		h.timeout = time.AfterFunc(o.PingInterval+o.PingTimeout, timeout)
		return
	}
	h.timeout = time.AfterFunc(time.Hour, timeout)
	h.timeout.Stop()
	h.ping = time.AfterFunc(o.PingInterval, h.sendPing)
}

// sendPing queues a ping and arms the pong deadline (protocol 4).
func (h *heartbeat) sendPing() {
	h.mu.Lock()
	if h.stopped {
		h.mu.Unlock()
		return
	}
	h.timeout.Reset(h.s.srv.opts.PingTimeout)
	h.mu.Unlock()
	s := h.s
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
		h.timeout.Reset(o.PingInterval + o.PingTimeout)
		return
	}
	h.timeout.Stop()
	h.ping.Reset(o.PingInterval)
}

func (h *heartbeat) stop() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.stopped = true
	if h.ping != nil {
		h.ping.Stop()
	}
	if h.timeout != nil {
		h.timeout.Stop()
	}
}
