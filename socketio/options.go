package socketio

import (
	"log/slog"
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
	// Parser encodes and decodes packets. Default parser.JSON.
	Parser parser.Codec
	// Engine holds the transport options (heartbeat, limits, CORS, ...).
	// Its Path is ignored in favour of Path above.
	Engine engineio.Options
	// Logger receives diagnostics (handler panics, decode errors). Default
	// nil: silent.
	Logger *slog.Logger
}

// RecoveryOptions configures connection state recovery.
type RecoveryOptions struct {
	// MaxDisconnectionDuration is how long a disconnected socket's state is
	// kept. Default 2 minutes.
	MaxDisconnectionDuration time.Duration
	// SkipMiddlewares skips the connect middlewares when a session is
	// recovered. Default false.
	SkipMiddlewares bool
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
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if r := c.ConnectionStateRecovery; r != nil {
		rc := *r
		if rc.MaxDisconnectionDuration <= 0 {
			rc.MaxDisconnectionDuration = 2 * time.Minute
		}
		c.ConnectionStateRecovery = &rc
	}
	c.Engine.Path = c.Path
	if c.Engine.Logger == nil {
		c.Engine.Logger = c.Logger
	}
	return c
}
