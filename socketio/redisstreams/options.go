package redisstreams

import (
	"errors"
	"log/slog"
	"math"
	"time"
)

// Options configures the adapter. nil or the zero value gives the defaults
// of Node's @socket.io/redis-streams-adapter 0.3.x; every server of a
// cluster must use the same StreamName, StreamCount, ChannelPrefix,
// UseShardedPubSub and SessionKeyPrefix.
type Options struct {
	// StreamName is the Redis stream (the prefix of the streams when
	// StreamCount > 1). Default "socket.io".
	StreamName string
	// StreamCount spreads the namespaces over this many streams
	// (<StreamName>-0 ... -<n-1>), each read by its own connection; a
	// namespace always uses the same one, so its messages stay in order.
	// Default 1 (the stream is StreamName itself).
	StreamCount int
	// ChannelPrefix prefixes the Pub/Sub channels of requests and
	// responses: <prefix>#<nsp># and <prefix>#<nsp>#<uid>#. Default
	// "socket.io", which is also the Pub/Sub adapter's key: a Streams
	// cluster and a Pub/Sub cluster on one Redis need different prefixes.
	ChannelPrefix string
	// UseShardedPubSub sends requests and responses with SPUBLISH and
	// counts servers with PUBSUB SHARDNUMSUB (Redis 7). Default false.
	UseShardedPubSub bool
	// MaxLen is the stream's approximate maximum length (XADD MAXLEN ~).
	// A server that falls further behind than this loses the oldest
	// entries. Default 10,000.
	MaxLen int64
	// ReadCount is the number of entries an XREAD call returns at most.
	// Default 100.
	ReadCount int64
	// BlockTime is how long an XREAD call waits for new entries. Default
	// 5s.
	BlockTime time.Duration
	// SessionKeyPrefix prefixes the keys of the sessions kept for
	// connection state recovery. Default "sio:session:".
	SessionKeyPrefix string
	// OnlyPlaintext skips looking for binary values: data is always sent
	// as JSON (a []byte becomes Node's {"type":"Buffer"} object). Default
	// false.
	OnlyPlaintext bool
	// RequestsTimeout bounds how long fetchSockets and serverSideEmit with
	// acknowledgements wait for the other servers, and each Redis command
	// of an operation. Default 5s, as Node.
	RequestsTimeout time.Duration
	// MaxPending bounds the stream entries (broadcasts, socketsJoin,
	// socketsLeave, disconnectSockets) a namespace holds while Redis
	// cannot be reached, to append them in order once it answers again,
	// as node-redis' offline queue does for Node's adapter. An entry is
	// held only when its XADD certainly did not reach Redis (the
	// connection could not be opened, ...); its local part waits with it.
	// Beyond the bound an operation takes effect on this server only and
	// returns an error wrapping ErrPendingFull. Default MaxLen (the
	// stream would trim more anyway); negative: nothing is held, a failed
	// XADD returns its error at once.
	MaxPending int
	// MaxPendingBytes bounds the total size of the held entries' field
	// values. Default 16 MiB.
	MaxPendingBytes int64
	// Logger receives Redis errors and malformed messages. Default: the
	// Socket.IO server's logger.
	Logger *slog.Logger
}

// ErrClosed is returned by operations on a closed adapter.
var ErrClosed = errors.New("redisstreams: adapter closed")

// ErrTimeout is wrapped by the errors of requests whose answers did not all
// arrive within RequestsTimeout.
var ErrTimeout = errors.New("redisstreams: timeout reached")

func (o *Options) withDefaults() Options {
	var c Options
	if o != nil {
		c = *o
	}
	if c.StreamName == "" {
		c.StreamName = "socket.io"
	}
	if c.StreamCount <= 0 {
		c.StreamCount = 1
	}
	if c.ChannelPrefix == "" {
		c.ChannelPrefix = "socket.io"
	}
	if c.MaxLen <= 0 {
		c.MaxLen = 10_000
	}
	if c.ReadCount <= 0 {
		c.ReadCount = 100
	}
	if c.BlockTime <= 0 {
		c.BlockTime = 5 * time.Second
	}
	if c.SessionKeyPrefix == "" {
		c.SessionKeyPrefix = "sio:session:"
	}
	if c.MaxPending == 0 {
		c.MaxPending = int(min(c.MaxLen, math.MaxInt))
	}
	if c.MaxPendingBytes <= 0 {
		c.MaxPendingBytes = 16 << 20
	}
	if c.RequestsTimeout <= 0 {
		c.RequestsTimeout = 5 * time.Second
	}
	return c
}
