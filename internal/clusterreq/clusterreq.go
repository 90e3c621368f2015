// Package clusterreq is the request table gosio's Redis cluster adapters
// (Pub/Sub and Streams) share: the requests waiting for the other servers'
// answers (fetchSockets, allRooms, serverSideEmit with acknowledgements),
// the broadcasts with acknowledgements whose answers are routed back, and
// the goroutines the adapter's Close waits for.
package clusterreq

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/gosio/gosio/socketio"
)

// Request is a request to the other servers: complete once Expected
// answers have counted. Its result fields belong to the table's lock
// while the request is pending (see Table.Locked).
type Request struct {
	Kind     int
	Expected int // answers to wait for (the other servers, counted when it was sent)
	Got      int

	Sockets []*socketio.RemoteSocket // fetchSockets
	IDs     map[string]struct{}      // the sockets of a room (allSockets)
	Rooms   map[string]struct{}      // allRooms
	OnAck   func(socketio.Response)  // serverSideEmit: each answer

	done chan struct{}
}

// NewRequest returns a request of kind that waits for expected answers.
func NewRequest(kind, expected int) *Request {
	return &Request{Kind: kind, Expected: expected, done: make(chan struct{})}
}

// AckRequest routes the answers to a broadcast with acknowledgements.
type AckRequest struct {
	Expect func(int)               // each server's client count
	OnAck  func(socketio.Response) // each client's answer
	stop   func() bool             // stops the context.AfterFunc that drops it
}

// Table holds one adapter's pending requests and broadcasts with
// acknowledgements, and counts the goroutines it starts (WG).
type Table struct {
	// WG counts the adapter's goroutines; Close waits for it.
	WG sync.WaitGroup

	ctx        context.Context     // ends when the adapter closes
	nsp        *socketio.Namespace // whose adapter request counters time the requests
	timeout    time.Duration
	log        *slog.Logger
	name       string // the adapter's package, in messages
	errClosed  error
	errTimeout error

	mu       sync.Mutex
	closed   bool
	requests map[string]*Request
	acks     map[string]*AckRequest
}

// NewTable returns the table of nsp's adapter, whose life is ctx. Requests
// wait for timeout at most and are timed by nsp's adapter request counters;
// errClosed and errTimeout are the adapter's errors (name prefixes its log
// messages).
func NewTable(ctx context.Context, nsp *socketio.Namespace, timeout time.Duration, log *slog.Logger, name string, errClosed, errTimeout error) *Table {
	return &Table{
		ctx: ctx, nsp: nsp, timeout: timeout, log: log, name: name, errClosed: errClosed, errTimeout: errTimeout,
		requests: map[string]*Request{}, acks: map[string]*AckRequest{},
	}
}

// Spawn runs f on a goroutine counted by WG; false once closed.
func (t *Table) Spawn(f func()) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		return false
	}
	t.WG.Add(1)
	go func() {
		defer t.WG.Done()
		f()
	}()
	return true
}

// Bounded returns ctx limited to the request timeout and to the adapter's
// life.
func (t *Table) Bounded(ctx context.Context) (context.Context, context.CancelFunc) {
	if ctx == nil {
		ctx = context.Background()
	}
	ctx, cancel := context.WithTimeout(ctx, t.timeout)
	stop := context.AfterFunc(t.ctx, cancel)
	return ctx, func() { stop(); cancel() }
}

// Register stores r under id; the adapter's closed error once closed.
func (t *Table) Register(id string, r *Request) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		return t.errClosed
	}
	t.requests[id] = r
	return nil
}

// Unregister forgets request id.
func (t *Table) Unregister(id string) {
	t.mu.Lock()
	delete(t.requests, id)
	t.mu.Unlock()
}

// Has reports whether request id is pending (this server sent it).
func (t *Table) Has(id string) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	_, ok := t.requests[id]
	return ok
}

// Locked runs fn under the table's lock, to read a request's results.
func (t *Table) Locked(fn func()) {
	t.mu.Lock()
	defer t.mu.Unlock()
	fn()
}

// FetchSockets completes a fetchSockets with the other servers' sockets:
// it counts the servers with count and, when there are others, sends them
// request id of kind with publish and waits for their answers (as
// RoundTrip). It returns local followed by the sockets received, with
// count's or RoundTrip's error.
func (t *Table) FetchSockets(ctx context.Context, local []*socketio.RemoteSocket, count func(context.Context) (int, error),
	kind int, id string, publish func() error) ([]*socketio.RemoteSocket, error) {
	n, err := count(ctx)
	if err != nil {
		return local, err
	}
	if n <= 1 {
		return local, nil
	}
	r := NewRequest(kind, n-1)
	r.Sockets = local
	err = t.RoundTrip(ctx, id, r, "fetchSockets", publish)
	var out []*socketio.RemoteSocket
	t.Locked(func() { out = r.Sockets })
	return out, err
}

// ServerSideEmit starts a serverSideEmit with acknowledgements: it counts
// the servers with count and, when there are others, sends them request id
// of kind with publish, tells expect how many answers to wait for (0 when
// there is no other server, and nothing is sent) and passes each answer to
// onAck as it comes, in the background (as Start).
func (t *Table) ServerSideEmit(ctx context.Context, count func(context.Context) (int, error), kind int, id string,
	expect func(int), onAck func(socketio.Response), publish func() error) error {
	n, err := count(ctx)
	if err != nil {
		return err
	}
	if n <= 1 {
		expect(0)
		return nil
	}
	r := NewRequest(kind, n-1)
	r.OnAck = onAck
	err = t.Start(id, r, "serverSideEmit", publish)
	if err == nil {
		expect(n - 1)
	}
	return err
}

// RoundTrip registers r under id, publishes the request and waits for the
// other servers' answers (bounded by ctx and the timeout).
func (t *Table) RoundTrip(ctx context.Context, id string, r *Request, what string, publish func() error) (err error) {
	done := t.time(what)
	defer func() { done(err) }()
	if err := t.Register(id, r); err != nil {
		return err
	}
	if err := publish(); err != nil {
		t.Unregister(id)
		return err
	}
	return t.Await(ctx, id, r, what)
}

// Start is RoundTrip whose answers are awaited in the background.
func (t *Table) Start(id string, r *Request, what string, publish func() error) error {
	done := t.time(what)
	if err := t.Register(id, r); err != nil {
		done(err)
		return err
	}
	if err := publish(); err != nil {
		t.Unregister(id)
		done(err)
		return err
	}
	t.Spawn(func() { done(t.Await(context.Background(), id, r, what)) })
	return nil
}

// time starts timing a request of kind what; the function it returns ends
// it with the request's outcome. Free while the server's counters are off.
func (t *Table) time(what string) func(error) {
	if t.nsp == nil {
		return func(error) {}
	}
	req := t.nsp.StartAdapterRequest(what)
	return func(err error) {
		if errors.Is(err, t.errTimeout) {
			req.TimedOut()
		} else {
			req.Done(err)
		}
	}
}

// Await waits for request id to complete, for the timeout at most.
func (t *Table) Await(ctx context.Context, id string, r *Request, what string) error {
	timer := time.NewTimer(t.timeout)
	defer timer.Stop()
	select {
	case <-r.done:
		return nil
	case <-timer.C:
		t.mu.Lock()
		got, want := r.Got, r.Expected
		t.mu.Unlock()
		t.Unregister(id)
		err := fmt.Errorf("%w while waiting for %s response (%d of %d answers)", t.errTimeout, what, got, want)
		t.log.Warn(t.name+": request timed out", "request", what, "err", err)
		return err
	case <-ctx.Done():
		t.Unregister(id)
		return ctx.Err()
	case <-t.ctx.Done():
		return t.errClosed
	}
}

// Answer applies one answer to request id: fn runs under the lock and
// reports whether the answer counts.
func (t *Table) Answer(id string, fn func(r *Request) bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	r := t.requests[id]
	if r == nil || !fn(r) {
		return
	}
	r.Got++
	if r.Got >= r.Expected {
		delete(t.requests, id)
		close(r.done)
	}
}

// RegisterAck keeps the callbacks of a broadcast with acknowledgements
// until ctx ends (Node keeps them for the broadcast's timeout).
func (t *Table) RegisterAck(ctx context.Context, id string, expect func(int), onAck func(socketio.Response)) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		return t.errClosed
	}
	ar := &AckRequest{Expect: expect, OnAck: onAck}
	ar.stop = context.AfterFunc(ctx, func() { t.DropAck(id) })
	t.acks[id] = ar
	return nil
}

// SendAck sends broadcast id with acknowledgements through publish, its
// callbacks registered first (RegisterAck) and dropped again when publish
// fails.
func (t *Table) SendAck(ctx context.Context, id string, expect func(int), onAck func(socketio.Response), publish func() error) error {
	if err := t.RegisterAck(ctx, id, expect, onAck); err != nil {
		return err
	}
	if err := publish(); err != nil {
		t.DropAck(id)
		return err
	}
	return nil
}

// DropAck forgets the broadcast id.
func (t *Table) DropAck(id string) {
	t.mu.Lock()
	if ar := t.acks[id]; ar != nil {
		ar.stop()
		delete(t.acks, id)
	}
	t.mu.Unlock()
}

// Ack returns the callbacks of broadcast id, or nil.
func (t *Table) Ack(id string) *AckRequest {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.acks[id]
}

// Shutdown marks the table closed and forgets every request (their
// waiters return the closed error once the adapter's context ends). It
// reports false when it was closed already.
func (t *Table) Shutdown() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		return false
	}
	t.closed = true
	t.requests = map[string]*Request{}
	for _, ar := range t.acks {
		ar.stop()
	}
	t.acks = map[string]*AckRequest{}
	return true
}
