package redisadapter

import (
	"errors"
	"log/slog"
	"time"
)

// Options configures the adapters. nil or the zero value gives Node's
// defaults.
type Options struct {
	// Key prefixes every channel (Node's key option; channelPrefix for the
	// sharded adapter). Default "socket.io".
	Key string
	// RequestsTimeout bounds how long a request to the other servers
	// (fetchSockets, allRooms, serverSideEmit with acks) waits for their
	// answers. ServerSideEmitWithAck called with a context that has no
	// deadline waits this long at most, then returns the answers received
	// so far with a timeout error; a context with a deadline of its own is
	// used as it is. Close waits this long at most
	// for Redis to confirm the unsubscribe. Default 5s.
	RequestsTimeout time.Duration
	// PublishOnSpecificResponseChannel makes this server answer requests on
	// the requester's own response channel (<key>-response#<nsp>#<uid>#)
	// instead of the shared one. Classic adapter only. Default false.
	PublishOnSpecificResponseChannel bool
	// SubscriptionMode is the sharded adapter's channel layout: Static,
	// Dynamic (default) or DynamicPrivate. Ignored by the classic adapter.
	SubscriptionMode SubscriptionMode
	// Logger receives Redis errors and malformed messages. Default: the
	// Socket.IO server's logger.
	Logger *slog.Logger
}

// SubscriptionMode is how the sharded adapter spreads messages over
// channels, as Node's createShardedAdapter subscriptionMode.
type SubscriptionMode string

// Subscription modes.
const (
	// Static uses one channel per namespace (plus one response channel per
	// server).
	Static SubscriptionMode = "static"
	// Dynamic also uses one channel per public room, so a broadcast to a
	// single room only reaches the servers that have it.
	Dynamic SubscriptionMode = "dynamic"
	// DynamicPrivate uses one channel per room, private rooms (socket ids)
	// included.
	DynamicPrivate SubscriptionMode = "dynamic-private"
)

// ErrClosed is returned by operations on a closed adapter.
var ErrClosed = errors.New("redisadapter: adapter closed")

// ErrTimeout is wrapped by the errors of requests whose answers did not all
// arrive within RequestsTimeout.
var ErrTimeout = errors.New("redisadapter: timeout reached")

func (o *Options) withDefaults() Options {
	var c Options
	if o != nil {
		c = *o
	}
	if c.Key == "" {
		c.Key = "socket.io"
	}
	if c.RequestsTimeout <= 0 {
		c.RequestsTimeout = 5 * time.Second
	}
	if c.SubscriptionMode == "" {
		c.SubscriptionMode = Dynamic
	}
	return c
}
