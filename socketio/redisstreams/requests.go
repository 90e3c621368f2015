package redisstreams

import (
	"context"
	"fmt"
	"time"

	"github.com/gosio/gosio/socketio"
)

// request is a pending request to the other servers: it completes when
// the expected number of servers (counted when it was sent) has answered.
type request struct {
	kind     int
	expected int
	got      int
	sockets  []*socketio.RemoteSocket // fetchSockets: local ones first
	onAck    func(socketio.Response)  // serverSideEmit
	done     chan struct{}
}

// ackRequest routes the answers to a broadcast with acknowledgements.
type ackRequest struct {
	expect func(int)
	onAck  func(socketio.Response)
	stop   func() bool // stops the context.AfterFunc that drops it
}

func (a *Adapter) register(id string, r *request) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.closed {
		return ErrClosed
	}
	a.requests[id] = r
	return nil
}

func (a *Adapter) unregister(id string) {
	a.mu.Lock()
	delete(a.requests, id)
	a.mu.Unlock()
}

// roundTrip registers r under id, publishes the request and waits for the
// other servers' answers (bounded by ctx and RequestsTimeout).
func (a *Adapter) roundTrip(ctx context.Context, id string, r *request, what string, publish func() error) error {
	if err := a.register(id, r); err != nil {
		return err
	}
	if err := publish(); err != nil {
		a.unregister(id)
		return err
	}
	return a.await(ctx, id, r, what)
}

// startRequest is roundTrip whose answers are awaited in the background.
func (a *Adapter) startRequest(id string, r *request, what string, publish func() error) error {
	if err := a.register(id, r); err != nil {
		return err
	}
	if err := publish(); err != nil {
		a.unregister(id)
		return err
	}
	a.spawn(func() { _ = a.await(context.Background(), id, r, what) })
	return nil
}

// await waits for request id to complete, for RequestsTimeout at most.
func (a *Adapter) await(ctx context.Context, id string, r *request, what string) error {
	t := time.NewTimer(a.opts.RequestsTimeout)
	defer t.Stop()
	select {
	case <-r.done:
		return nil
	case <-t.C:
		a.mu.Lock()
		got, want := r.got, r.expected
		a.mu.Unlock()
		a.unregister(id)
		err := fmt.Errorf("%w while waiting for %s response (%d of %d answers)", ErrTimeout, what, got, want)
		a.log.Warn("redisstreams: request timed out", "request", what, "err", err)
		return err
	case <-ctx.Done():
		a.unregister(id)
		return ctx.Err()
	case <-a.ctx.Done():
		return ErrClosed
	}
}

// answer applies one answer to request id; fn runs under the lock and
// reports whether the answer counts.
func (a *Adapter) answer(id string, fn func(r *request) bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	r := a.requests[id]
	if r == nil || !fn(r) {
		return
	}
	r.got++
	if r.got >= r.expected {
		delete(a.requests, id)
		close(r.done)
	}
}

// registerAck keeps the callbacks of a broadcast with acknowledgements
// until ctx ends (Node keeps them for the broadcast's timeout).
func (a *Adapter) registerAck(ctx context.Context, id string, expect func(int), onAck func(socketio.Response)) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.closed {
		return ErrClosed
	}
	ar := &ackRequest{expect: expect, onAck: onAck}
	ar.stop = context.AfterFunc(ctx, func() { a.dropAck(id) })
	a.acks[id] = ar
	return nil
}

func (a *Adapter) dropAck(id string) {
	a.mu.Lock()
	if ar := a.acks[id]; ar != nil {
		ar.stop()
		delete(a.acks, id)
	}
	a.mu.Unlock()
}

func (a *Adapter) ackRequest(id string) *ackRequest {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.acks[id]
}
