package socketio

import (
	"log/slog"
	"math"
	"time"

	"github.com/gosio/gosio/engineio"
	"github.com/gosio/gosio/parser"
)

// Options configures a [Server]. nil or the zero value gives Node's defaults.
type Options struct {
	// Path is where the server is mounted. Default "/socket.io/".
	Path string
	// ConnectTimeout closes a connection that has not joined any namespace in
	// time. Default 45s.
	ConnectTimeout time.Duration
	// CleanupEmptyChildNamespaces removes a dynamic namespace's child once its
	// last socket has left. Default false.
	CleanupEmptyChildNamespaces bool
	// ConnectionStateRecovery, if set, lets protocol 5 clients that lost their
	// connection get back their id, rooms, data and the packets they missed.
	// Default nil: off.
	ConnectionStateRecovery *RecoveryOptions
	// Adapter creates each namespace's adapter. Default: the in-memory
	// adapter (see [NewMemoryAdapter]).
	Adapter func(nsp *Namespace) Adapter
	// Parser encodes and decodes packets, for every client of the server.
	// Default parser.JSON; msgpackparser.New(nil) (package
	// parser/msgpackparser) serves clients using socket.io-msgpack-parser.
	Parser parser.Codec
	// Engine holds the transport options (heartbeat, limits, CORS, ...).
	// Its Path is ignored in favour of Path above.
	Engine engineio.Options
	// Limits bound what one client may make the server hold. The zero
	// value gives the defaults documented on each field.
	Limits Limits
	// Logger receives diagnostics (listener panics, refused connections,
	// undecodable events). Default nil: slog.Default() as it is when
	// NewServer runs. For silence, give slog.New(slog.DiscardHandler).
	Logger *slog.Logger
	// OnDrop, if set, is called for each packet the server drops (see
	// [Drop]; [Server.Drops] counts them in any case). It runs on the
	// goroutine that emitted or received the packet and must not block.
	OnDrop func(Drop)
}

// Limits bound what one client may make the server hold, so that no client
// can exhaust it. Each limit is per connection or per socket, and reaching
// it affects that client only, except MaxPendingEventBytesTotal, which
// bounds what all clients together may make the server hold.
type Limits struct {
	// MaxNamespaces is how many namespaces one connection may join. Beyond,
	// the client gets a connect_error. Default 64.
	MaxNamespaces int
	// MaxRooms is how many rooms one socket may be in (its own id room
	// included). Beyond, Join returns ErrTooManyRooms. Default 1024.
	MaxRooms int
	// MaxPendingAcks is how many acknowledgements one socket may be waiting
	// for from its client. Beyond, EmitWithAck returns
	// ErrTooManyPendingAcks. Default 1024.
	MaxPendingAcks int
	// MaxPendingEvents is how many received events may wait for one
	// socket's listeners (while one of them runs). An event beyond it
	// waits while the listeners take queued events, which slows the
	// client down (TCP back-pressure). Once they have taken none for
	// 250 ms (a stuck listener), the event is refused: the socket is
	// disconnected ("server namespace disconnect", logged at warning
	// level with the counts) and the events it had queued are dropped. So
	// a stuck listener stops its connection's reading for 250 ms at most:
	// the connection's other sockets go on and a client's leaving is seen.
	// An event that finds nothing waiting is always taken. Default 256.
	MaxPendingEvents int
	// MaxPendingEventBytes bounds the bytes of the events waiting for one
	// socket's listeners, as MaxPendingEvents bounds their number, with
	// the same policy. Default 4 MiB.
	MaxPendingEventBytes int64
	// MaxPendingEventBytesTotal bounds the bytes of the events waiting for
	// listeners on the whole server: an event that would take the total
	// beyond it is refused at once, as above (unless its socket has
	// nothing waiting). Default 256 MiB.
	MaxPendingEventBytesTotal int64
	// EventRate limits the events one socket may send. Default nil: no
	// limit.
	EventRate *EventRateLimit
}

// EventRateLimit is a per-socket token bucket on incoming events.
type EventRateLimit struct {
	// PerSecond is the sustained rate.
	PerSecond float64
	// Burst is how many events may come at once. Default: one second's
	// worth, PerSecond rounded up (at least 1).
	Burst int
	// Policy says what happens to events over the limit. Default RateDrop.
	Policy RatePolicy
}

// RatePolicy is what happens to events over an EventRateLimit.
type RatePolicy int

// Rate policies.
const (
	// RateDrop drops the event: it is counted in [Server.Drops], reported
	// to Options.OnDrop and logged at debug level; an acknowledgement it
	// asked for is not answered. The default.
	RateDrop RatePolicy = iota
	// RateWarn logs the excess (at warning level) and still delivers the
	// event.
	RateWarn
	// RateDisconnect disconnects the socket ("server namespace disconnect").
	RateDisconnect
)

// RecoveryOptions configures connection state recovery.
type RecoveryOptions struct {
	// MaxDisconnectionDuration is how long a disconnected socket's state is
	// kept. Default 2 minutes.
	MaxDisconnectionDuration time.Duration
	// SkipMiddlewares skips the connect middlewares when a session is
	// recovered. Default false.
	SkipMiddlewares bool
	// StoreTimeout bounds each call to a [SessionAdapter] (saving or
	// restoring a session): past it, the session is not saved, or the
	// client connects as a new socket. Default 5 seconds.
	StoreTimeout time.Duration
}

func (o *Options) withDefaults() Options {
	var c Options
	if o != nil {
		c = *o
	}
	if c.Path == "" {
		c.Path = "/socket.io/"
	}
	if c.ConnectTimeout <= 0 {
		c.ConnectTimeout = 45 * time.Second
	}
	if c.Parser == nil {
		c.Parser = parser.JSON
	}
	if c.Adapter == nil {
		c.Adapter = func(n *Namespace) Adapter { return NewMemoryAdapter(n) }
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if r := c.ConnectionStateRecovery; r != nil {
		rc := *r
		if rc.MaxDisconnectionDuration <= 0 {
			rc.MaxDisconnectionDuration = 2 * time.Minute
		}
		if rc.StoreTimeout <= 0 {
			rc.StoreTimeout = 5 * time.Second
		}
		c.ConnectionStateRecovery = &rc
	}
	l := &c.Limits
	if l.MaxNamespaces <= 0 {
		l.MaxNamespaces = 64
	}
	if l.MaxRooms <= 0 {
		l.MaxRooms = 1024
	}
	if l.MaxPendingAcks <= 0 {
		l.MaxPendingAcks = 1024
	}
	if l.MaxPendingEvents <= 0 {
		l.MaxPendingEvents = 256
	}
	if r := l.EventRate; r != nil && r.Burst <= 0 {
		rc := *r
		rc.Burst = max(1, int(math.Ceil(rc.PerSecond)))
		l.EventRate = &rc
	}
	if l.MaxPendingEventBytes <= 0 {
		l.MaxPendingEventBytes = 4 << 20
	}
	if l.MaxPendingEventBytesTotal <= 0 {
		l.MaxPendingEventBytesTotal = 256 << 20
	}
	c.Engine.Path = c.Path
	if c.Engine.Logger == nil {
		c.Engine.Logger = c.Logger
	}
	return c
}
