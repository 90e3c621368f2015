// Package redisstreamsemitter sends Socket.IO events and commands to a
// cluster of servers that use the Redis Streams adapter (gosio's
// socketio/redisstreams, Node's @socket.io/redis-streams-adapter 0.3.x),
// from a process that runs no Socket.IO server. npm has no such emitter;
// this one writes what those adapters write.
//
//	e := redisstreamsemitter.New(rdb, nil)
//	e.To("room1").Emit("news", item)
//	e.Of("/admin").In("ops").DisconnectSockets(true)
//
// Broadcasts, socketsJoin, socketsLeave and disconnectSockets are appended
// to the namespace's stream (XADD MAXLEN ~), so servers that lose Redis for
// a while read them when it is back, and the entry id is the event's
// offset for connection state recovery: a client that missed the event
// gets it on any server when it recovers. ServerSideEmit goes over Pub/Sub,
// as the adapters' requests do.
//
// Sending is fire-and-forget: the emitter cannot know which servers or
// clients receive a message, and it supports no acknowledgements. A
// client whose MaxRetries is not -1 may append an entry twice when Redis
// fails between the command and its answer.
package redisstreamsemitter

import (
	"context"
	"errors"
	"fmt"

	"github.com/redis/go-redis/v9"

	"github.com/gosio/gosio/internal/emitsel"
	"github.com/gosio/gosio/internal/msgpack"
	"github.com/gosio/gosio/internal/redisutil"
	"github.com/gosio/gosio/internal/streamwire"
)

// ErrReservedEvent is returned when emitting an event name that Socket.IO
// reserves.
var ErrReservedEvent = errors.New("redisstreamsemitter: reserved event name")

// Options configures an Emitter. nil or the zero value gives the
// adapters' defaults; StreamName, StreamCount, ChannelPrefix and
// UseShardedPubSub must match the servers'.
type Options struct {
	// StreamName is the stream (the prefix of the streams when
	// StreamCount > 1). Default "socket.io".
	StreamName string
	// StreamCount is the servers' number of streams. Default 1.
	StreamCount int
	// ChannelPrefix prefixes the Pub/Sub channel of server-side emits.
	// Default "socket.io".
	ChannelPrefix string
	// UseShardedPubSub sends server-side emits with SPUBLISH.
	UseShardedPubSub bool
	// MaxLen is the stream's approximate maximum length. Default 10,000.
	MaxLen int64
	// OnlyPlaintext writes data as JSON even when it holds binary values,
	// as the servers' option of that name.
	OnlyPlaintext bool
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
	if o.StreamName == "" {
		o.StreamName = "socket.io"
	}
	if o.StreamCount <= 0 {
		o.StreamCount = 1
	}
	if o.ChannelPrefix == "" {
		o.ChannelPrefix = "socket.io"
	}
	if o.MaxLen <= 0 {
		o.MaxLen = 10_000
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

// Stream returns the stream the emitter's namespace uses.
func (e *Emitter) Stream() string {
	return streamwire.StreamFor(e.opts.StreamName, e.opts.StreamCount, e.nsp)
}

func (e *Emitter) op() *BroadcastOperator { return &BroadcastOperator{e: e} }

// To targets the sockets in any of rooms.
func (e *Emitter) To(rooms ...string) *BroadcastOperator { return e.op().To(rooms...) }

// In is the same as To.
func (e *Emitter) In(rooms ...string) *BroadcastOperator { return e.op().To(rooms...) }

// Except leaves out the sockets in any of rooms.
func (e *Emitter) Except(rooms ...string) *BroadcastOperator { return e.op().Except(rooms...) }

// Volatile marks the event droppable for clients that cannot take it at
// once (and keeps it out of connection state recovery).
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
		return fmt.Errorf("redisstreamsemitter: encode: %w", err)
	}
	payload, err := streamwire.EncodePubSub(streamwire.EmitterUID, e.nsp, streamwire.ServerSideEmit,
		msgpack.Object("packet", data))
	if err != nil {
		return fmt.Errorf("redisstreamsemitter: encode: %w", err)
	}
	channel, _ := streamwire.Channels(e.opts.ChannelPrefix, e.nsp, "")
	if e.opts.UseShardedPubSub {
		err = e.client.SPublish(ctx, channel, payload).Err()
	} else {
		err = redisutil.Publish(ctx, e.client, channel, channel, payload)
	}
	if err != nil {
		return fmt.Errorf("redisstreamsemitter: publish: %w", err)
	}
	return nil
}

// xadd appends a message of the emitter to the namespace's stream and
// returns the entry id.
func (e *Emitter) xadd(ctx context.Context, typ int, data msgpack.Map) (string, error) {
	vals, err := streamwire.EntryValues(streamwire.EmitterUID, e.nsp, typ, data, e.opts.OnlyPlaintext)
	if err != nil {
		return "", fmt.Errorf("redisstreamsemitter: encode: %w", err)
	}
	id, err := e.client.XAdd(ctx, &redis.XAddArgs{
		Stream: e.Stream(), MaxLen: e.opts.MaxLen, Approx: true, ID: "*", Values: vals,
	}).Result()
	if err != nil {
		return "", fmt.Errorf("redisstreamsemitter: XADD: %w", err)
	}
	return id, nil
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
	_, err := b.EmitOffset(ctx, event, args...)
	return err
}

// EmitOffset is EmitContext that also returns the event's stream entry id:
// the offset the servers append to the event's arguments for connection
// state recovery.
func (b *BroadcastOperator) EmitOffset(ctx context.Context, event string, args ...any) (string, error) {
	if emitsel.Reserved(event) {
		return "", ErrReservedEvent
	}
	data, err := msgpack.Normalize(append([]any{event}, args...))
	if err != nil {
		return "", fmt.Errorf("redisstreamsemitter: encode: %w", err)
	}
	// The packet names its namespace, as Node's emitters write it; the
	// adapters accept it with or without.
	packet := msgpack.Object("type", 2, "data", data, "nsp", b.e.nsp)
	return b.e.xadd(ctx, streamwire.Broadcast, msgpack.Object("packet", packet, "opts", b.sel.ClusterOpts()))
}

// SocketsJoin makes the selected sockets join rooms.
func (b *BroadcastOperator) SocketsJoin(rooms ...string) error {
	_, err := b.e.xadd(context.Background(), streamwire.SocketsJoin,
		msgpack.Object("opts", b.sel.ClusterOpts(), "rooms", emitsel.List(rooms)))
	return err
}

// SocketsLeave makes the selected sockets leave rooms.
func (b *BroadcastOperator) SocketsLeave(rooms ...string) error {
	_, err := b.e.xadd(context.Background(), streamwire.SocketsLeave,
		msgpack.Object("opts", b.sel.ClusterOpts(), "rooms", emitsel.List(rooms)))
	return err
}

// DisconnectSockets disconnects the selected sockets.
func (b *BroadcastOperator) DisconnectSockets(close bool) error {
	_, err := b.e.xadd(context.Background(), streamwire.DisconnectSockets,
		msgpack.Object("opts", b.sel.ClusterOpts(), "close", close))
	return err
}
