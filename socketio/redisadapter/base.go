package redisadapter

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/redis/go-redis/v9"

	"github.com/gosio/gosio/internal/clusterreq"
	"github.com/gosio/gosio/internal/redisutil"
	"github.com/gosio/gosio/socketio"
)

// base is the state the classic and the sharded adapters share: local
// rooms and delivery (the embedded MemoryAdapter), and the request table
// (pending requests, broadcasts with acks, the goroutines Close waits for).
type base struct {
	*socketio.MemoryAdapter
	nsp    *socketio.Namespace
	client redis.UniversalClient
	opts   Options
	log    *slog.Logger
	uid    string

	ctx    context.Context // ends on Close
	cancel context.CancelFunc
	req    *clusterreq.Table
}

func newBase(nsp *socketio.Namespace, client redis.UniversalClient, opts Options, uid string) *base {
	ctx, cancel := context.WithCancel(context.Background())
	b := &base{
		MemoryAdapter: socketio.NewMemoryAdapter(nsp),
		nsp:           nsp, client: client, opts: opts, uid: uid,
		log: loggerFor(opts.Logger, nsp).With("adapter", "redis", "nsp", nsp.Name(), "uid", uid),
		ctx: ctx, cancel: cancel,
	}
	b.req = clusterreq.NewTable(ctx, opts.RequestsTimeout, b.log, "redisadapter", ErrClosed, ErrTimeout)
	return b
}

func (b *base) nextAckID() uint64 { return b.nsp.NextAckID() }

// shutdown marks the adapter closed and ends its context; callers then
// release their subscriptions and wait with b.req.WG.
func (b *base) shutdown() bool {
	if !b.req.Shutdown() {
		return false
	}
	b.cancel()
	return true
}

// bounded returns ctx limited to RequestsTimeout and to the adapter's life.
func (b *base) bounded(ctx context.Context) (context.Context, context.CancelFunc) {
	return b.req.Bounded(ctx)
}

// loggerFor is the adapter's logger: its own option, else the server's.
func loggerFor(l *slog.Logger, nsp *socketio.Namespace) *slog.Logger {
	if l != nil {
		return l
	}
	return nsp.Server().Logger()
}

// serverCount counts the servers subscribed to channel (PUBSUB NUMSUB, or
// SHARDNUMSUB when sharded), this one included, within RequestsTimeout.
func (b *base) serverCount(ctx context.Context, sharded bool, channel string) (int, error) {
	ctx, cancel := b.bounded(ctx)
	defer cancel()
	n, err := redisutil.NumSub(ctx, b.client, sharded, channel)
	if err != nil {
		b.log.Warn("redisadapter: counting servers failed", "sharded", sharded, "err", err)
		return 0, fmt.Errorf("redisadapter: server count: %w", err)
	}
	return max(n, 1), nil
}
