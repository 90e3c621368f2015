package redisstreams

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/gosio/gosio/internal/streamwire"
)

// hub is the state the namespaces of one New share: one reader per
// stream, as Node's createAdapter.
type hub struct {
	client redis.UniversalClient
	opts   Options

	mu      sync.Mutex
	readers map[string]*reader // by stream name
	// writer appends to the streams: a copy of client that does not
	// retry, so that an XADD whose answer was lost is reported as failed
	// instead of being appended a second time. It lives while adapters
	// use it (users).
	writer redis.UniversalClient
	owned  bool
	users  int
}

// reader reads one stream (XREAD BLOCK) and hands each entry to the
// adapters of its namespace, in the stream's order. It runs while at
// least one adapter uses its stream.
type reader struct {
	stream string
	opts   Options
	log    *slog.Logger
	// rdb is a connection of its own (a copy of the client's options),
	// closed to interrupt a blocked XREAD; owned tells whether it is
	// (else it is the shared client, and stopping waits for BlockTime
	// at most).
	rdb   redis.UniversalClient
	owned bool

	mu       sync.Mutex
	adapters map[string][]*Adapter // by namespace name

	stop chan struct{} // closed to stop the loop
	done chan struct{} // closed when the loop has returned

	// last is the id of the last entry read: where XREAD resumes, also
	// after a lost connection. Set before the loop starts, then the
	// loop's alone.
	last string
}

// join registers a with the reader of its stream, starting the reader for
// the first namespace of that stream.
func (h *hub) join(a *Adapter) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.users == 0 {
		h.writer, h.owned = dedicated(h.client, false)
	}
	h.users++
	a.writer = h.writer
	r := h.readers[a.stream]
	if r == nil {
		r = newReader(h, a)
		h.readers[a.stream] = r
	}
	r.mu.Lock()
	r.adapters[a.nsp.Name()] = append(r.adapters[a.nsp.Name()], a)
	r.mu.Unlock()
}

// leave unregisters a, and stops its reader (waiting for it) when a was
// the last adapter of the stream.
func (h *hub) leave(a *Adapter) {
	h.mu.Lock()
	h.users--
	if h.users == 0 && h.owned {
		_ = h.writer.Close()
	}
	r := h.readers[a.stream]
	if r == nil {
		h.mu.Unlock()
		return
	}
	r.mu.Lock()
	list := r.adapters[a.nsp.Name()]
	for i, x := range list {
		if x == a {
			list = append(list[:i:i], list[i+1:]...)
			break
		}
	}
	if len(list) == 0 {
		delete(r.adapters, a.nsp.Name())
	} else {
		r.adapters[a.nsp.Name()] = list
	}
	empty := len(r.adapters) == 0
	r.mu.Unlock()
	if empty {
		delete(h.readers, a.stream)
	}
	h.mu.Unlock()
	if empty {
		r.close()
	}
}

// newReader starts reading a's stream after its current last entry: what
// is added once the adapter's constructor has returned is read (Node
// starts at "$", which misses what is added before its first XREAD).
func newReader(h *hub, a *Adapter) *reader {
	r := &reader{
		stream: a.stream, opts: h.opts,
		log:      a.log.With("stream", a.stream),
		adapters: map[string][]*Adapter{},
		stop:     make(chan struct{}), done: make(chan struct{}),
	}
	r.rdb, r.owned = dedicated(h.client, true)
	ctx, cancel := context.WithTimeout(context.Background(), h.opts.RequestsTimeout)
	defer cancel()
	r.last = "$"
	if msgs, err := h.client.XRevRangeN(ctx, a.stream, "+", "-", 1).Result(); err != nil {
		r.log.Warn("redisstreams: cannot read the stream's last id; reading from new entries", "err", err)
	} else if len(msgs) == 1 {
		r.last = msgs[0].ID
	} else {
		r.last = "0-0" // no stream yet: its first entry is new
	}
	go r.run()
	return r
}

// dedicated returns a client of its own with c's options, when c is one
// whose options can be copied: with one connection (per node) for a
// reader, and without retries in any case (a retried XADD appends twice;
// a reader retries by itself).
func dedicated(c redis.UniversalClient, reader bool) (redis.UniversalClient, bool) {
	switch x := c.(type) {
	case *redis.Client:
		o := *x.Options()
		o.MaxRetries = -1
		if reader {
			o.PoolSize, o.MinIdleConns, o.MaxIdleConns = 1, 0, 1
		}
		return redis.NewClient(&o), true
	case *redis.ClusterClient:
		o := *x.Options()
		o.MaxRetries = -1
		if reader {
			o.PoolSize, o.MinIdleConns, o.MaxIdleConns = 1, 0, 1
		}
		return redis.NewClusterClient(&o), true
	}
	return c, false
}

func (r *reader) run() {
	defer close(r.done)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() { // the loop's helper: ends with the loop
		select {
		case <-r.stop:
			cancel()
		case <-ctx.Done():
		}
	}()
	backoff := time.Duration(0)
	for {
		last := r.last
		res, err := r.rdb.XRead(ctx, &redis.XReadArgs{
			Streams: []string{r.stream, last}, Count: r.opts.ReadCount, Block: r.opts.BlockTime,
		}).Result()
		select {
		case <-r.stop:
			return
		default:
		}
		if err != nil && !errors.Is(err, redis.Nil) {
			// Redis is away: retry from the same id, backing off up to
			// 2s; the stream keeps what is added meanwhile.
			if backoff == 0 {
				r.log.Warn("redisstreams: XREAD failed; retrying from the last id read", "last", last, "err", err)
			}
			backoff = min(max(2*backoff, 50*time.Millisecond), 2*time.Second)
			t := time.NewTimer(backoff)
			select {
			case <-r.stop:
				t.Stop()
				return
			case <-t.C:
			}
			continue
		}
		if backoff != 0 {
			r.log.Info("redisstreams: reading the stream again", "last", last)
			backoff = 0
		}
		for _, s := range res {
			for _, e := range s.Messages {
				r.dispatch(e)
				r.last = e.ID
			}
		}
	}
}

// dispatch hands an entry to the adapters of its namespace.
func (r *reader) dispatch(e redis.XMessage) {
	m, err := streamwire.DecodeEntry(e.Values)
	if errors.Is(err, streamwire.ErrNoNsp) {
		return
	}
	if err != nil {
		r.log.Warn("redisstreams: malformed stream entry", "id", e.ID, "err", err)
		return
	}
	r.mu.Lock()
	list := r.adapters[m.Nsp]
	r.mu.Unlock()
	for _, a := range list {
		a.onMessage(m, e.ID)
	}
}

// close stops the loop and waits for it.
func (r *reader) close() {
	close(r.stop)
	if r.owned {
		_ = r.rdb.Close() // interrupts a blocked XREAD
	}
	<-r.done
}
