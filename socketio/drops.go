package socketio

import (
	"errors"
	"sync/atomic"

	"github.com/gosio/gosio/engineio"
	"github.com/gosio/gosio/parser"
)

// DropReason says why a packet did not reach its socket.
type DropReason string

// Drop reasons.
const (
	// DropQueueFull: the connection's outbound queue was full
	// (engineio.Options.MaxQueuedMessages or MaxQueuedBytes).
	DropQueueFull DropReason = "queue full"
	// DropVolatile: a volatile packet the client could not take at once.
	DropVolatile DropReason = "volatile"
	// DropRateLimited: an incoming event over Limits.EventRate.
	DropRateLimited DropReason = "rate limited"
)

// Drop describes a packet that was dropped, for [Options.OnDrop].
type Drop struct {
	Reason    DropReason
	Namespace string
	SocketID  string
	// Event is the event's name ("" when the packet is not an event).
	Event string
}

// DropCounts counts the packets the server dropped since it started, by
// reason; see [Server.Drops].
type DropCounts struct {
	QueueFull   uint64
	Volatile    uint64
	RateLimited uint64
}

// dropCounters are a server's drop counts.
type dropCounters struct {
	queueFull, volatile, rateLimited atomic.Uint64
}

// Drops returns how many packets the server has dropped, by reason: a
// broadcast that found a recipient's queue full, a volatile packet a client
// could not take, an event over the rate limit. Metrics read it; for each
// drop as it happens, see [Options.OnDrop].
func (srv *Server) Drops() DropCounts {
	return DropCounts{
		QueueFull:   srv.drops.queueFull.Load(),
		Volatile:    srv.drops.volatile.Load(),
		RateLimited: srv.drops.rateLimited.Load(),
	}
}

// errVolatileDropped reports a volatile packet that was not queued.
var errVolatileDropped = errors.New("socketio: volatile packet dropped")

// noteSendError counts err, returned by queueing a packet of event for s, if
// it is a drop (and not the end of the connection), and tells OnDrop.
func (s *Socket) noteSendError(err error, event string) {
	var reason DropReason
	switch {
	case err == errVolatileDropped:
		reason = DropVolatile
	case errors.Is(err, engineio.ErrQueueFull):
		reason = DropQueueFull
	default:
		return
	}
	s.nsp.server.noteDrop(reason, s, event)
}

func (srv *Server) noteDrop(reason DropReason, s *Socket, event string) {
	switch reason {
	case DropQueueFull:
		srv.drops.queueFull.Add(1)
	case DropVolatile:
		srv.drops.volatile.Add(1)
	case DropRateLimited:
		srv.drops.rateLimited.Add(1)
	}
	if fn := srv.opts.OnDrop; fn != nil {
		fn(Drop{Reason: reason, Namespace: s.nsp.name, SocketID: s.id, Event: event})
	}
}

// eventName is the name of an event packet, or "".
func eventName(pkt *parser.Packet) string {
	if pkt.Type != parser.Event && pkt.Type != parser.BinaryEvent {
		return ""
	}
	if data, ok := pkt.Data.([]any); ok && len(data) > 0 {
		name, _ := data[0].(string)
		return name
	}
	return ""
}
