// Package redisemitter sends Socket.IO events and commands to a cluster of
// servers through Redis, from a process that runs no Socket.IO server. It
// is wire-compatible with Node's @socket.io/redis-emitter 5.x and reaches
// gosio servers using redisadapter as well as Node servers using
// @socket.io/redis-adapter.
//
//	e := redisemitter.New(rdb, nil)
//	e.To("room1").Emit("news", item)
//	e.Of("/admin").In("ops").DisconnectSockets(true)
//
// With Options.Sharded it speaks to the sharded adapters
// (redisadapter.NewSharded, Node's createShardedAdapter) over SPUBLISH.
//
// Publishing is fire-and-forget: the emitter cannot know which servers or
// clients receive a message, and it supports no acknowledgements.
package redisemitter

import (
	"context"
	"errors"
	"fmt"

	"github.com/redis/go-redis/v9"

	"github.com/gosio/gosio/internal/emitsel"
	"github.com/gosio/gosio/internal/msgpack"
	"github.com/gosio/gosio/internal/redisutil"
)

// uid is the sender id of every emitter message, as in Node.
const uid = "emitter"

// ErrReservedEvent is returned when emitting an event name that Socket.IO
// reserves.
var ErrReservedEvent = errors.New("redisemitter: reserved event name")

// Options configures an Emitter. nil or the zero value gives Node's
// defaults.
type Options struct {
	// Key is the channel prefix; it must match the servers' adapter Key.
	// Default "socket.io".
	Key string
	// Sharded targets the sharded adapters (Redis 7 SPUBLISH).
	Sharded bool
	// SubscriptionMode is the sharded adapters' mode: "static", "dynamic"
	// (default) or "dynamic-private". It decides which channel a broadcast
	// to a single room uses, and must match the servers'.
	SubscriptionMode string
}

// Emitter publishes to one namespace ("/" for New). It is safe for
// concurrent use.
type Emitter struct {
	client redis.UniversalClient
	opts   Options
	nsp    string
}

// New returns an emitter for the main namespace.
func New(client redis.UniversalClient, opts *Options) *Emitter {
	var o Options
	if opts != nil {
		o = *opts
	}
	if o.Key == "" {
		o.Key = "socket.io"
	}
	if o.SubscriptionMode == "" {
		o.SubscriptionMode = "dynamic"
	}
	return &Emitter{client: client, opts: o, nsp: "/"}
}

// Of returns an emitter for namespace nsp (a missing leading "/" is added).
func (e *Emitter) Of(nsp string) *Emitter {
	if len(nsp) == 0 || nsp[0] != '/' {
		nsp = "/" + nsp
	}
	c := *e
	c.nsp = nsp
	return &c
}

// Namespace returns the emitter's namespace.
func (e *Emitter) Namespace() string { return e.nsp }

func (e *Emitter) op() *BroadcastOperator { return &BroadcastOperator{e: e} }

// To targets the sockets in any of rooms.
func (e *Emitter) To(rooms ...string) *BroadcastOperator { return e.op().To(rooms...) }

// In is the same as To.
func (e *Emitter) In(rooms ...string) *BroadcastOperator { return e.op().To(rooms...) }

// Except leaves out the sockets in any of rooms.
func (e *Emitter) Except(rooms ...string) *BroadcastOperator { return e.op().Except(rooms...) }

// Volatile marks the event droppable for clients that cannot take it at
// once.
func (e *Emitter) Volatile() *BroadcastOperator { return e.op().Volatile() }

// Compress sets whether the event may be compressed.
func (e *Emitter) Compress(compress bool) *BroadcastOperator { return e.op().Compress(compress) }

// Emit sends an event to every socket of the namespace.
func (e *Emitter) Emit(event string, args ...any) error { return e.op().Emit(event, args...) }

// EmitContext is Emit with a context.
func (e *Emitter) EmitContext(ctx context.Context, event string, args ...any) error {
	return e.op().EmitContext(ctx, event, args...)
}

// SocketsJoin makes every socket of the namespace join rooms.
func (e *Emitter) SocketsJoin(rooms ...string) error { return e.op().SocketsJoin(rooms...) }

// SocketsLeave makes every socket of the namespace leave rooms.
func (e *Emitter) SocketsLeave(rooms ...string) error { return e.op().SocketsLeave(rooms...) }

// DisconnectSockets disconnects every socket of the namespace; with close,
// their whole connections are closed.
func (e *Emitter) DisconnectSockets(close bool) error { return e.op().DisconnectSockets(close) }

// ServerSideEmit sends an event to every server of the cluster, where the
// namespace's listeners (Namespace.On) receive it. No acknowledgement is
// possible.
func (e *Emitter) ServerSideEmit(event string, args ...any) error {
	return e.ServerSideEmitContext(context.Background(), event, args...)
}

// ServerSideEmitContext is ServerSideEmit with a context.
func (e *Emitter) ServerSideEmitContext(ctx context.Context, event string, args ...any) error {
	if emitsel.Reserved(event) {
		return ErrReservedEvent
	}
	data, err := msgpack.Normalize(append([]any{event}, args...))
	if err != nil {
		return fmt.Errorf("redisemitter: encode: %w", err)
	}
	if e.opts.Sharded {
		return e.publishCluster(ctx, e.mainChannel(), 9, msgpack.Object("packet", data))
	}
	return e.publishJSON(ctx, e.requestChannel(), msgpack.Object("uid", uid, "type", 6, "data", data))
}

func (e *Emitter) mainChannel() string    { return e.opts.Key + "#" + e.nsp + "#" }
func (e *Emitter) requestChannel() string { return e.opts.Key + "-request#" + e.nsp + "#" }

func (e *Emitter) publish(ctx context.Context, channel string, payload []byte) error {
	var err error
	if e.opts.Sharded {
		err = e.client.SPublish(ctx, channel, payload).Err()
	} else {
		err = redisutil.Publish(ctx, e.client, e.mainChannel(), channel, payload)
	}
	if err != nil {
		return fmt.Errorf("redisemitter: publish: %w", err)
	}
	return nil
}

func (e *Emitter) publishJSON(ctx context.Context, channel string, v any) error {
	payload, err := msgpack.MarshalJSON(v)
	if err != nil {
		return fmt.Errorf("redisemitter: encode: %w", err)
	}
	return e.publish(ctx, channel, payload)
}

// publishCluster sends a ClusterAdapter message (sharded adapters): JSON,
// or msgpack when it carries binary, as Node does, with the keys in the
// order Node's cluster adapter writes them.
func (e *Emitter) publishCluster(ctx context.Context, channel string, typ int, data msgpack.Map) error {
	m := msgpack.Object("type", typ, "data", data, "uid", uid, "nsp", e.nsp)
	var payload []byte
	var err error
	if (typ == 3 || typ == 9) && msgpack.HasBinary(data) {
		payload, err = msgpack.Marshal(m)
	} else {
		payload, err = msgpack.MarshalJSON(m)
	}
	if err != nil {
		return fmt.Errorf("redisemitter: encode: %w", err)
	}
	return e.publish(ctx, channel, payload)
}

// BroadcastOperator selects the sockets of an emitter's namespace by rooms
// and flags. Each method returns a new operator.
type BroadcastOperator struct {
	e   *Emitter
	sel emitsel.Selection
}

func (b *BroadcastOperator) with(sel emitsel.Selection) *BroadcastOperator {
	return &BroadcastOperator{e: b.e, sel: sel}
}

// To adds rooms to target.
func (b *BroadcastOperator) To(rooms ...string) *BroadcastOperator { return b.with(b.sel.To(rooms)) }

// In is the same as To.
func (b *BroadcastOperator) In(rooms ...string) *BroadcastOperator { return b.To(rooms...) }

// Except leaves out the sockets in rooms.
func (b *BroadcastOperator) Except(rooms ...string) *BroadcastOperator {
	return b.with(b.sel.Except(rooms))
}

// Volatile marks the event droppable.
func (b *BroadcastOperator) Volatile() *BroadcastOperator { return b.with(b.sel.Volatile()) }

// Compress sets whether the event may be compressed.
func (b *BroadcastOperator) Compress(compress bool) *BroadcastOperator {
	return b.with(b.sel.Compress(compress))
}

// Emit sends an event to the selected sockets.
func (b *BroadcastOperator) Emit(event string, args ...any) error {
	return b.EmitContext(context.Background(), event, args...)
}

// EmitContext is Emit with a context.
func (b *BroadcastOperator) EmitContext(ctx context.Context, event string, args ...any) error {
	if emitsel.Reserved(event) {
		return ErrReservedEvent
	}
	data, err := msgpack.Normalize(append([]any{event}, args...))
	if err != nil {
		return fmt.Errorf("redisemitter: encode: %w", err)
	}
	if b.e.opts.Sharded {
		// The message names the namespace: the packet does not.
		packet := msgpack.Object("type", 2, "data", data)
		return b.e.publishCluster(ctx, b.shardedChannel(), 3, msgpack.Object("packet", packet, "opts", b.sel.ClusterOpts()))
	}
	packet := msgpack.Object("type", 2, "data", data, "nsp", b.e.nsp)
	msg, err := msgpack.Marshal([]any{uid, packet, b.sel.EmitterOpts()})
	if err != nil {
		return fmt.Errorf("redisemitter: encode: %w", err)
	}
	channel := b.e.mainChannel()
	if rooms := b.sel.Rooms(); len(rooms) == 1 {
		channel += rooms[0] + "#"
	}
	return b.e.publish(ctx, channel, msg)
}

// shardedChannel is the channel of a broadcast for the sharded adapters:
// the room's own channel when the servers subscribe to it.
func (b *BroadcastOperator) shardedChannel() string {
	if rooms := b.sel.Rooms(); len(rooms) == 1 {
		room := rooms[0]
		switch b.e.opts.SubscriptionMode {
		case "dynamic-private":
			return b.e.mainChannel() + room + "#"
		case "dynamic":
			// Socket ids (20 characters) have no channel of their own in
			// this mode.
			if len(room) != 20 {
				return b.e.mainChannel() + room + "#"
			}
		}
	}
	return b.e.mainChannel()
}

// SocketsJoin makes the selected sockets join rooms.
func (b *BroadcastOperator) SocketsJoin(rooms ...string) error {
	return b.roomOp(2, 4, msgpack.KV{Key: "rooms", Value: emitsel.List(rooms)})
}

// SocketsLeave makes the selected sockets leave rooms.
func (b *BroadcastOperator) SocketsLeave(rooms ...string) error {
	return b.roomOp(3, 5, msgpack.KV{Key: "rooms", Value: emitsel.List(rooms)})
}

// DisconnectSockets disconnects the selected sockets.
func (b *BroadcastOperator) DisconnectSockets(close bool) error {
	return b.roomOp(4, 6, msgpack.KV{Key: "close", Value: close})
}

// roomOp publishes a join, leave or disconnect: a request of type classic
// to the classic adapters, a message of type sharded to the sharded ones.
func (b *BroadcastOperator) roomOp(classic, sharded int, extra msgpack.KV) error {
	ctx := context.Background()
	if b.e.opts.Sharded {
		data := msgpack.Map{{Key: "opts", Value: b.sel.ClusterOpts()}, extra}
		return b.e.publishCluster(ctx, b.e.mainChannel(), sharded, data)
	}
	req := msgpack.Map{{Key: "type", Value: classic}, {Key: "opts", Value: b.sel.RequestOpts()}, extra}
	return b.e.publishJSON(ctx, b.e.requestChannel(), req)
}
