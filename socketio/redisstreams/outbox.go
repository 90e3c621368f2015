package redisstreams

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/gosio/gosio/internal/streamwire"
	"github.com/gosio/gosio/socketio"
)

// outbox holds, in order, the stream entries of one adapter that could not
// be appended because Redis could not be reached (see unsent), and sends
// them once it answers again: what node-redis' offline queue does for
// Node's adapter, which keeps the commands it could not write and writes
// them after reconnecting.
//
// While it holds entries, later ones go behind them, so that the entries
// a namespace of this server makes stay in the order they were made (each
// namespace has its own outbox: Socket.IO orders nothing across
// namespaces). Each entry's local part
// (delivering a broadcast to this server's sockets, joining, leaving,
// disconnecting) runs when its XADD succeeds, with the entry id as the
// broadcast's offset, as Node's ClusterAdapter awaits the XADD before
// delivering locally: local sockets see the entries in stream order and a
// recovering client does not get a broadcast twice.
//
// A sender goroutine runs while entries are held (at most one, started by
// the first entry held, ended when none is left or on close, waited for by
// close).
type outbox struct {
	a        *Adapter
	maxN     int   // < 0: hold nothing
	maxBytes int64 // of the entries' field values

	mu      sync.Mutex
	q       []*heldEntry // oldest first; the head stays until it is sent or dropped
	bytes   int64
	running bool // the sender goroutine is live
	closed  bool
	// The current outage, from the first entry held to the last sent:
	// logged once at each end, not per entry.
	holding bool
	since   time.Time
	sent    int // entries held and then appended
	lost    int // entries held and then dropped, or refused for lack of room
	full    bool

	ctx    context.Context // ends on close
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// heldEntry is a stream entry waiting to be appended: its field values,
// as XADD sends them, from which its local part is also rebuilt (the
// caller may have changed the arguments of the broadcast since).
type heldEntry struct {
	vals []any
	size int64
	req  socketio.AdapterRequest // "xaddHeld": how long it waited, and how it ended
}

// ErrPendingFull is wrapped by the error of an operation whose stream
// entry could not be held for later because MaxPending or MaxPendingBytes
// was reached while Redis could not be reached: the operation took effect
// on this server only.
var ErrPendingFull = errors.New("redisstreams: pending queue full")

func newOutbox(a *Adapter) *outbox {
	o := &outbox{a: a, maxN: a.opts.MaxPending, maxBytes: a.opts.MaxPendingBytes}
	o.ctx, o.cancel = context.WithCancel(context.Background())
	return o
}

func entrySize(vals []any) int64 {
	var n int64
	for _, v := range vals {
		if s, ok := v.(string); ok {
			n += int64(len(s))
		}
	}
	return n
}

// hold queues vals when the queue already holds entries (cause nil: vals
// must go behind them) or when cause, the error of vals' own XADD, shows
// that Redis did not get it. It returns false when vals must be appended
// now (cause nil) or fail with cause; and ErrPendingFull when there is no
// room left.
func (o *outbox) hold(vals []any, cause error) (bool, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.maxN < 0 || o.closed || (cause == nil && len(o.q) == 0) {
		return false, nil
	}
	size := entrySize(vals)
	if len(o.q) >= o.maxN || o.bytes+size > o.maxBytes {
		if len(o.q) == 0 {
			return false, nil // an entry larger than MaxPendingBytes: it fails alone
		}
		o.lost++
		if !o.full {
			o.full = true
			o.a.log.Warn("redisstreams: pending queue full; further stream entries take effect on this server only",
				"held", len(o.q), "bytes", o.bytes, "max_pending", o.maxN, "max_pending_bytes", o.maxBytes)
		}
		o.a.nsp.StartAdapterRequest("xaddHeld").Done(ErrPendingFull)
		if cause != nil {
			return false, fmt.Errorf("redisstreams: XADD: %w (%w)", cause, ErrPendingFull)
		}
		return false, fmt.Errorf("%w: %d entries (%d bytes) wait for Redis", ErrPendingFull, len(o.q), o.bytes)
	}
	if !o.holding {
		o.holding, o.since, o.sent, o.lost, o.full = true, time.Now(), 0, 0, false
		o.a.log.Warn("redisstreams: Redis unreachable; holding stream entries until it answers", "err", cause)
	}
	o.q = append(o.q, &heldEntry{vals: vals, size: size, req: o.a.nsp.StartAdapterRequest("xaddHeld")})
	o.bytes += size
	if !o.running {
		o.running = true
		o.wg.Add(1)
		go o.run()
	}
	return true, nil
}

// len returns the number of entries held.
func (o *outbox) len() int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return len(o.q)
}

// run sends the held entries in order: it waits until Redis answers a
// probe, backing off from 50 ms to 2 s, then appends the entries one after
// the other, and probes again after an XADD that Redis did not get. It
// returns when no entry is left, or on close.
func (o *outbox) run() {
	defer o.wg.Done()
	probe := true // the first entry was held because Redis was away
	var backoff time.Duration
	for {
		h := o.head()
		if h == nil {
			return
		}
		if probe {
			if err := o.probe(); err != nil {
				if !o.sleep(&backoff) {
					o.stopped()
					return
				}
				continue
			}
			probe = false
		}
		ctx, cancel := context.WithTimeout(o.ctx, o.a.opts.RequestsTimeout)
		id, err := o.a.appendNow(ctx, h.vals)
		cancel()
		switch {
		case err == nil:
			backoff = 0
			o.a.applyHeld(h.vals, id)
			o.pop(h, nil)
		case o.ctx.Err() != nil:
			o.stopped() // close delivers what is left
			return
		case unsent(err):
			probe = true
			if !o.sleep(&backoff) {
				o.stopped()
				return
			}
		default:
			// Perhaps appended, its reply lost: never sent again (it
			// could be appended twice); local only, as a failed XADD.
			o.a.log.Warn("redisstreams: XADD of a held entry failed; it takes effect on this server only", "err", err)
			o.a.applyHeld(h.vals, "")
			o.pop(h, err)
		}
	}
}

// head returns the oldest entry, or nil when there is none (the outage
// is over) or the outbox is closing; the sender then stops.
func (o *outbox) head() *heldEntry {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.ctx.Err() == nil && len(o.q) > 0 {
		return o.q[0]
	}
	o.running = false
	if len(o.q) == 0 && o.holding {
		o.holding = false
		o.q = nil
		o.a.log.Info("redisstreams: Redis answers again; held stream entries sent",
			"sent", o.sent, "lost", o.lost, "held_for", time.Since(o.since).Round(time.Millisecond))
	}
	return nil
}

// stopped records that the sender returns with entries left (on close).
func (o *outbox) stopped() {
	o.mu.Lock()
	o.running = false
	o.mu.Unlock()
}

// pop removes h, the head, once sent (err nil) or dropped.
func (o *outbox) pop(h *heldEntry, err error) {
	o.mu.Lock()
	o.q[0] = nil
	o.q = o.q[1:]
	o.bytes -= h.size
	if err == nil {
		o.sent++
	} else {
		o.lost++
	}
	o.mu.Unlock()
	h.req.Done(err)
}

// probe asks Redis whether it answers, with a command routed as the XADD
// is (to the master of the stream's slot on a Redis Cluster). A probe that
// is lost costs nothing, unlike an XADD whose reply is lost.
func (o *outbox) probe() error {
	ctx, cancel := context.WithTimeout(o.ctx, o.a.opts.RequestsTimeout)
	defer cancel()
	return o.a.writer.Exists(ctx, o.a.stream).Err()
}

// sleep waits for the next backoff step; false when the outbox closes
// meanwhile.
func (o *outbox) sleep(backoff *time.Duration) bool {
	*backoff = min(max(2*(*backoff), 50*time.Millisecond), 2*time.Second)
	t := time.NewTimer(*backoff)
	defer t.Stop()
	select {
	case <-o.ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// close stops the sender and waits for it. What is still held is not
// appended (Redis may stay away for good, and Close must not wait for
// it): it is reported in the log and takes effect on this server only, so
// that the local sockets still connected lose nothing the application
// emitted.
func (o *outbox) close() {
	o.mu.Lock()
	o.closed = true
	o.mu.Unlock()
	o.cancel()
	o.wg.Wait()
	o.mu.Lock()
	rest := o.q
	o.q, o.bytes, o.holding = nil, 0, false
	o.mu.Unlock()
	if len(rest) == 0 {
		return
	}
	o.a.log.Warn("redisstreams: adapter closed while Redis was unreachable; held stream entries take effect on this server only",
		"dropped", len(rest))
	for _, h := range rest {
		o.a.applyHeld(h.vals, "")
		h.req.Done(ErrClosed)
	}
}

// appendNow sends XADD MAXLEN ~ MaxLen with vals and returns the entry id.
func (a *Adapter) appendNow(ctx context.Context, vals []any) (string, error) {
	return a.writer.XAdd(ctx, &redis.XAddArgs{
		Stream: a.stream, MaxLen: a.opts.MaxLen, Approx: true, ID: "*", Values: vals,
	}).Result()
}

// applyHeld gives a held entry its local effect, as another server reading
// it applies it, with offset (its entry id, "" when it was not appended)
// as the offset of a broadcast.
func (a *Adapter) applyHeld(vals []any, offset string) {
	fields := make(map[string]any, len(vals)/2)
	for i := 0; i+1 < len(vals); i += 2 {
		k, _ := vals[i].(string)
		fields[k] = vals[i+1]
	}
	m, err := streamwire.DecodeEntry(fields)
	if err != nil {
		a.log.Warn("redisstreams: cannot read back a held entry", "err", err)
		return
	}
	a.applyLocal(m, offset)
}
