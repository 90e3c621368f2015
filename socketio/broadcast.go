package socketio

import (
	"context"
	"iter"
	"slices"
	"sync"
	"time"

	"github.com/gosio/gosio/parser"
)

// BroadcastOperator selects sockets (by rooms, exclusions and flags) and acts
// on all of them: emit, fetch, join, leave, disconnect. Each method returns a
// new operator, so operators can be kept and reused safely.
//
//	io.To("room1").Except("room2").Emit("news", item)
type BroadcastOperator struct {
	targets []*Namespace // several for a dynamic parent namespace
	rooms   []string
	except  []string
	flags   BroadcastFlags
	timeout time.Duration
}

func (b *BroadcastOperator) clone() *BroadcastOperator {
	c := *b
	c.rooms = slices.Clone(b.rooms)
	c.except = slices.Clone(b.except)
	return &c
}

// To adds rooms to target; a socket in any of them is selected.
func (b *BroadcastOperator) To(rooms ...string) *BroadcastOperator {
	c := b.clone()
	c.rooms = append(c.rooms, rooms...)
	return c
}

// In is the same as To.
func (b *BroadcastOperator) In(rooms ...string) *BroadcastOperator { return b.To(rooms...) }

// Except leaves out the sockets in rooms.
func (b *BroadcastOperator) Except(rooms ...string) *BroadcastOperator {
	c := b.clone()
	c.except = append(c.except, rooms...)
	return c
}

// Volatile drops packets for clients that cannot take them at once.
func (b *BroadcastOperator) Volatile() *BroadcastOperator {
	c := b.clone()
	c.flags.Volatile = true
	return c
}

// Compress sets whether packets may be compressed (default true).
func (b *BroadcastOperator) Compress(compress bool) *BroadcastOperator {
	c := b.clone()
	c.flags.NoCompress = !compress
	return c
}

// Local keeps the operation on this server, even with a cluster adapter.
func (b *BroadcastOperator) Local() *BroadcastOperator {
	c := b.clone()
	c.flags.Local = true
	return c
}

// Timeout bounds how long EmitWithAck waits for answers.
func (b *BroadcastOperator) Timeout(d time.Duration) *BroadcastOperator {
	c := b.clone()
	c.timeout = d
	return c
}

func (b *BroadcastOperator) options() *BroadcastOptions {
	o := &BroadcastOptions{Rooms: b.rooms, Except: b.except, Flags: b.flags}
	o.Flags.Timeout = b.timeout
	return o
}

// Emit sends an event to the selected sockets. The packet is encoded once
// per namespace, whatever the number of recipients, before Emit returns:
// the caller may change or reuse args afterwards.
func (b *BroadcastOperator) Emit(event string, args ...any) error {
	return b.EmitContext(context.Background(), event, args...)
}

// EmitContext is Emit with a context, which matters for cluster adapters that
// publish over the network.
func (b *BroadcastOperator) EmitContext(ctx context.Context, event string, args ...any) error {
	if reservedEvents[event] {
		return ErrReservedEvent
	}
	opts := b.options()
	for _, n := range b.targets {
		data := append([]any{event}, args...)
		if !opts.Flags.Volatile {
			data = n.server.recovery.record(n, opts, data)
		}
		pkt := &parser.Packet{Type: parser.Event, Namespace: n.name, Data: data}
		if err := n.adapter.Broadcast(ctx, pkt, opts); err != nil {
			return err
		}
	}
	return nil
}

// EmitWithAck sends an event to the selected sockets and returns their
// answers once every socket has answered. When ctx ends (or the Timeout
// elapses) first, it returns the answers received so far and an error that
// matches ErrAckTimeout (or context.Canceled when ctx was cancelled).
func (b *BroadcastOperator) EmitWithAck(ctx context.Context, event string, args ...any) ([]Response, error) {
	ctx, cancel := b.withTimeout(ctx)
	defer cancel()
	c, err := b.startAck(ctx, event, args)
	if err != nil {
		return nil, err
	}
	return c.wait(ctx)
}

// EmitWithAckSeq is EmitWithAck that yields each answer as it arrives, so a
// caller can act on the first answers without waiting for the slowest
// client. The sequence ends when every socket has answered; if ctx ends
// first, it yields a final error matching ErrAckTimeout (or
// context.Canceled when ctx was cancelled).
func (b *BroadcastOperator) EmitWithAckSeq(ctx context.Context, event string, args ...any) iter.Seq2[Response, error] {
	return func(yield func(Response, error) bool) {
		ctx, cancel := b.withTimeout(ctx)
		defer cancel()
		c, err := b.startAck(ctx, event, args)
		if err != nil {
			yield(Response{}, err)
			return
		}
		c.each(ctx, yield)
	}
}

func (b *BroadcastOperator) withTimeout(ctx context.Context) (context.Context, context.CancelFunc) {
	if b.timeout > 0 {
		return context.WithTimeout(ctx, b.timeout)
	}
	return context.WithCancel(ctx)
}

func (b *BroadcastOperator) startAck(ctx context.Context, event string, args []any) (*ackCollector, error) {
	if reservedEvents[event] {
		return nil, ErrReservedEvent
	}
	servers := 1
	if len(b.targets) > 0 && !b.flags.Local {
		var err error
		if servers, err = b.targets[0].adapter.ServerCount(ctx); err != nil {
			return nil, err
		}
	}
	c := newAckCollector(servers * len(b.targets))
	opts := b.options()
	for _, n := range b.targets {
		pkt := &parser.Packet{
			Type: parser.Event, Namespace: n.name, ID: n.NextAckID(), HasID: true,
			Data: append([]any{event}, args...),
		}
		if err := n.adapter.BroadcastWithAck(ctx, pkt, opts, c.expect, c.add); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// FetchSockets returns the selected sockets, cluster-wide.
func (b *BroadcastOperator) FetchSockets(ctx context.Context) ([]*RemoteSocket, error) {
	var out []*RemoteSocket
	for _, n := range b.targets {
		got, err := n.adapter.FetchSockets(ctx, b.options())
		if err != nil {
			return out, err
		}
		out = append(out, got...)
	}
	return out, nil
}

// SocketsJoin makes the selected sockets join rooms, cluster-wide. ctx
// bounds what a cluster adapter sends over the network.
func (b *BroadcastOperator) SocketsJoin(ctx context.Context, rooms ...string) error {
	return b.each(func(n *Namespace) error {
		return n.adapter.AddSockets(ctx, b.options(), rooms)
	})
}

// SocketsLeave makes the selected sockets leave rooms, cluster-wide. ctx
// bounds what a cluster adapter sends over the network.
func (b *BroadcastOperator) SocketsLeave(ctx context.Context, rooms ...string) error {
	return b.each(func(n *Namespace) error {
		return n.adapter.DelSockets(ctx, b.options(), rooms)
	})
}

// DisconnectSockets disconnects the selected sockets, cluster-wide; with
// close, their whole connections are closed. ctx bounds what a cluster
// adapter sends over the network.
func (b *BroadcastOperator) DisconnectSockets(ctx context.Context, close bool) error {
	return b.each(func(n *Namespace) error {
		return n.adapter.DisconnectSockets(ctx, b.options(), close)
	})
}

func (b *BroadcastOperator) each(fn func(*Namespace) error) error {
	for _, n := range b.targets {
		if err := fn(n); err != nil {
			return err
		}
	}
	return nil
}

// ackCollector gathers acknowledgements from many sockets on many servers.
// Each server reports how many answers it will send (expect); the
// collection is complete when every server has reported and every answer
// has arrived. Reports and answers may come in any order.
type ackCollector struct {
	mu       sync.Mutex
	servers  int // reports still to come
	expected int
	got      []Response
	notify   chan struct{}
}

func newAckCollector(servers int) *ackCollector {
	return &ackCollector{servers: servers, notify: make(chan struct{}, 1)}
}

func (c *ackCollector) expect(n int) {
	c.mu.Lock()
	c.expected += n
	c.servers--
	c.mu.Unlock()
	c.signal()
}

func (c *ackCollector) add(r Response) {
	c.mu.Lock()
	c.got = append(c.got, r)
	c.mu.Unlock()
	c.signal()
}

func (c *ackCollector) signal() {
	select {
	case c.notify <- struct{}{}:
	default:
	}
}

// each yields answers as they arrive until all are in or ctx ends.
func (c *ackCollector) each(ctx context.Context, yield func(Response, error) bool) {
	next := 0
	for {
		c.mu.Lock()
		fresh := c.got[next:]
		next = len(c.got)
		complete := c.servers <= 0 && next >= c.expected
		c.mu.Unlock()
		for _, r := range fresh {
			if !yield(r, nil) {
				return
			}
		}
		if complete {
			return
		}
		select {
		case <-c.notify:
		case <-ctx.Done():
			yield(Response{}, ackWaitError(ctx))
			return
		}
	}
}

// wait returns every answer, or those received so far and the timeout.
func (c *ackCollector) wait(ctx context.Context) ([]Response, error) {
	var out []Response
	var err error
	c.each(ctx, func(r Response, e error) bool {
		if e != nil {
			err = e
			return false
		}
		out = append(out, r)
		return true
	})
	return out, err
}
