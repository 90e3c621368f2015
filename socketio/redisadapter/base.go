package redisadapter

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/gosio/gosio/internal/redisutil"
	"github.com/gosio/gosio/socketio"
)

// base is the state the classic and the sharded adapters share: local
// rooms and delivery (the embedded MemoryAdapter), pending requests, and
// the goroutines Close waits for.
type base struct {
	*socketio.MemoryAdapter
	nsp    *socketio.Namespace
	client redis.UniversalClient
	opts   Options
	log    *slog.Logger
	uid    string

	ctx    context.Context // ends on Close
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu       sync.Mutex
	closed   bool
	requests map[string]*request
	acks     map[string]*ackRequest
}

func newBase(nsp *socketio.Namespace, client redis.UniversalClient, opts Options, uid string) *base {
	ctx, cancel := context.WithCancel(context.Background())
	return &base{
		MemoryAdapter: socketio.NewMemoryAdapter(nsp),
		nsp:           nsp, client: client, opts: opts, uid: uid,
		log: loggerFor(opts.Logger, nsp).With("adapter", "redis", "nsp", nsp.Name(), "uid", uid),
		ctx: ctx, cancel: cancel,
		requests: make(map[string]*request),
		acks:     make(map[string]*ackRequest),
	}
}

// request is a pending request to the other servers.
type request struct {
	kind     int
	expected int // answers to wait for
	got      int
	sockets  []*socketio.RemoteSocket
	ids      map[string]struct{}
	rooms    map[string]struct{}
	onAck    func(socketio.Response)
	done     chan struct{}
}

// ackRequest routes the answers to a broadcast with acknowledgements.
type ackRequest struct {
	expect func(int)
	onAck  func(socketio.Response)
}

func (b *base) nextAckID() uint64 { return b.nsp.NextAckID() }

// spawn runs f on a goroutine that Close waits for; false once closed.
func (b *base) spawn(f func()) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return false
	}
	b.wg.Add(1)
	go func() {
		defer b.wg.Done()
		f()
	}()
	return true
}

func (b *base) register(id string, r *request) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return ErrClosed
	}
	b.requests[id] = r
	return nil
}

func (b *base) unregister(id string) {
	b.mu.Lock()
	delete(b.requests, id)
	b.mu.Unlock()
}

func (b *base) hasRequest(id string) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	_, ok := b.requests[id]
	return ok
}

// finishLocked completes r; b.mu is held.
func (b *base) finishLocked(id string, r *request) {
	delete(b.requests, id)
	close(r.done)
}

// roundTrip registers r under id, publishes the request and waits for the
// other servers' answers (bounded by ctx and RequestsTimeout).
func (b *base) roundTrip(ctx context.Context, id string, r *request, what string, publish func() error) error {
	if err := b.register(id, r); err != nil {
		return err
	}
	if err := publish(); err != nil {
		b.unregister(id)
		return err
	}
	return b.await(ctx, id, r, what)
}

// startRequest is roundTrip whose answers are awaited in the background.
func (b *base) startRequest(id string, r *request, what string, publish func() error) error {
	if err := b.register(id, r); err != nil {
		return err
	}
	if err := publish(); err != nil {
		b.unregister(id)
		return err
	}
	b.spawn(func() { _ = b.await(context.Background(), id, r, what) })
	return nil
}

// await waits for request id to complete, for RequestsTimeout at most.
func (b *base) await(ctx context.Context, id string, r *request, what string) error {
	t := time.NewTimer(b.opts.RequestsTimeout)
	defer t.Stop()
	select {
	case <-r.done:
		return nil
	case <-t.C:
		b.mu.Lock()
		got, want := r.got, r.expected
		b.mu.Unlock()
		b.unregister(id)
		err := fmt.Errorf("%w while waiting for %s response (%d of %d answers)", ErrTimeout, what, got, want)
		b.log.Warn("redisadapter: request timed out", "request", what, "err", err)
		return err
	case <-ctx.Done():
		b.unregister(id)
		return ctx.Err()
	case <-b.ctx.Done():
		return ErrClosed
	}
}

// registerAck stores the callbacks of a broadcast with acks until ctx ends.
func (b *base) registerAck(ctx context.Context, id string, expect func(int), onAck func(socketio.Response)) error {
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return ErrClosed
	}
	b.acks[id] = &ackRequest{expect: expect, onAck: onAck}
	b.wg.Add(1)
	b.mu.Unlock()
	go func() {
		defer b.wg.Done()
		select {
		case <-ctx.Done():
		case <-b.ctx.Done():
		}
		b.dropAck(id)
	}()
	return nil
}

func (b *base) dropAck(id string) {
	b.mu.Lock()
	delete(b.acks, id)
	b.mu.Unlock()
}

func (b *base) ackRequest(id string) *ackRequest {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.acks[id]
}

// onAnswer applies one answer to request id; fn runs under the lock and
// reports whether the answer counts. Returns the request's SSE callback to
// call (outside the lock) if any.
func (b *base) onAnswer(id string, fn func(r *request) bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	r := b.requests[id]
	if r == nil {
		return
	}
	if !fn(r) {
		return
	}
	r.got++
	if r.got >= r.expected {
		b.finishLocked(id, r)
	}
}

// shutdown marks the adapter closed and ends its context; callers then
// release their subscriptions and wait with b.wg.
func (b *base) shutdown() bool {
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return false
	}
	b.closed = true
	b.requests = map[string]*request{}
	b.acks = map[string]*ackRequest{}
	b.mu.Unlock()
	b.cancel()
	return true
}

// bounded returns ctx limited to RequestsTimeout and to the adapter's life.
func (b *base) bounded(ctx context.Context) (context.Context, context.CancelFunc) {
	if ctx == nil {
		ctx = context.Background()
	}
	ctx, cancel := context.WithTimeout(ctx, b.opts.RequestsTimeout)
	stop := context.AfterFunc(b.ctx, cancel)
	return ctx, func() { stop(); cancel() }
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
