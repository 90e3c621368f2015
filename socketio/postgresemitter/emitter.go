// Package postgresemitter sends Socket.IO events and commands to a cluster
// of servers through PostgreSQL, from a process that runs no Socket.IO
// server. It writes what Node's @socket.io/postgres-emitter writes (NOTIFY
// on <prefix>#<namespace>, the attachment table for binary or large
// payloads) and reaches gosio servers using postgresadapter as well as
// Node servers using @socket.io/postgres-adapter.
//
//	e := postgresemitter.New(pool, nil)
//	e.To("room1").Emit("news", item)
//	e.Of("/admin").In("ops").DisconnectSockets(true)
//
// Unlike Node's emitter (0.1.1), every message names its namespace (nsp):
// Node's adapter 0.5 drops messages without it, so Node's own emitter
// reaches only gosio servers, while this one reaches both.
//
// Publishing is fire-and-forget: the emitter cannot know which servers or
// clients receive a message, and it supports no acknowledgements.
package postgresemitter

import (
	"context"
	"errors"
	"fmt"
	"regexp"

	"github.com/gosio/gosio/internal/emitsel"
	"github.com/gosio/gosio/internal/msgpack"
	"github.com/gosio/gosio/internal/pgnotify"
)

// uid is the sender id of every emitter message, as in Node: servers do
// not count it as one of theirs.
const uid = "emitter"

// Message types of socket.io-adapter's ClusterAdapter.
const (
	msgBroadcast         = 3
	msgSocketsJoin       = 4
	msgSocketsLeave      = 5
	msgDisconnectSockets = 6
	msgServerSideEmit    = 9
)

// ErrReservedEvent is returned when emitting an event name that Socket.IO
// reserves.
var ErrReservedEvent = errors.New("postgresemitter: reserved event name")

// Options configures an Emitter. nil or the zero value gives Node's
// defaults; each must match the servers' adapter options.
type Options struct {
	// ChannelPrefix starts the channel names. Default "socket.io".
	ChannelPrefix string
	// TableName is the attachment table. Default "socket_io_attachments".
	TableName string
	// PayloadThreshold is the JSON size, in bytes, from which a message
	// goes through the table. Default 8000 (PostgreSQL's NOTIFY limit).
	PayloadThreshold int
}

// Emitter publishes to one namespace ("/" for New). It is safe for
// concurrent use.
type Emitter struct {
	db   pgnotify.Querier
	opts Options
	nsp  string
}

var tableNameRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_$]*(\.[A-Za-z_][A-Za-z0-9_$]*)?$`)

// New returns an emitter for the main namespace. db is usually a
// *pgxpool.Pool. New panics if opts.TableName is not a valid SQL name, a
// programming error.
func New(db pgnotify.Querier, opts *Options) *Emitter {
	var o Options
	if opts != nil {
		o = *opts
	}
	if o.ChannelPrefix == "" {
		o.ChannelPrefix = "socket.io"
	}
	if o.TableName == "" {
		o.TableName = "socket_io_attachments"
	}
	if !tableNameRE.MatchString(o.TableName) {
		panic(fmt.Sprintf("postgresemitter: invalid table name %q", o.TableName))
	}
	if o.PayloadThreshold <= 0 {
		o.PayloadThreshold = 8000
	}
	return &Emitter{db: db, opts: o, nsp: "/"}
}

// Of returns an emitter for namespace nsp (a missing leading "/" is added),
// with the same options (Node's Of drops them).
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
// their underlying connections too.
func (e *Emitter) DisconnectSockets(close bool) error { return e.op().DisconnectSockets(close) }

// ServerSideEmit sends an event to every server of the cluster, where the
// namespace's server-side listeners (Namespace.OnServerSideEmit, Node's
// io.on) receive it. Acknowledgements are not supported.
func (e *Emitter) ServerSideEmit(event string, args ...any) error {
	return e.ServerSideEmitContext(context.Background(), event, args...)
}

// ServerSideEmitContext is ServerSideEmit with a context.
func (e *Emitter) ServerSideEmitContext(ctx context.Context, event string, args ...any) error {
	if emitsel.Reserved(event) {
		return ErrReservedEvent
	}
	packet, err := msgpack.Normalize(append([]any{event}, args...))
	if err != nil {
		return fmt.Errorf("postgresemitter: encode: %w", err)
	}
	return e.publish(ctx, msgServerSideEmit, msgpack.Object("packet", packet))
}

// publish sends {type, data, uid, nsp}: Node's emitter's message, with the
// namespace its adapter needs.
func (e *Emitter) publish(ctx context.Context, typ int, data msgpack.Map) error {
	m := msgpack.Object("type", typ, "data", data, "uid", uid, "nsp", e.nsp)
	enc, err := pgnotify.Encode(typ, m, e.opts.PayloadThreshold)
	if err != nil {
		return fmt.Errorf("postgresemitter: encode: %w", err)
	}
	channel := pgnotify.Channel(e.opts.ChannelPrefix, e.nsp)
	if err := pgnotify.Publish(ctx, e.db, e.opts.TableName, channel, uid, e.nsp, typ, enc); err != nil {
		return fmt.Errorf("postgresemitter: %w", err)
	}
	return nil
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
		return fmt.Errorf("postgresemitter: encode: %w", err)
	}
	// Node's emitter: the packet names its namespace, and the options
	// list flags before except.
	packet := msgpack.Object("type", 2, "data", data, "nsp", b.e.nsp)
	return b.e.publish(ctx, msgBroadcast, msgpack.Object("packet", packet, "opts", b.sel.EmitterOpts()))
}

// SocketsJoin makes the selected sockets join rooms.
func (b *BroadcastOperator) SocketsJoin(rooms ...string) error {
	return b.e.publish(context.Background(), msgSocketsJoin, msgpack.Object("opts", b.sel.RequestOpts(), "rooms", emitsel.List(rooms)))
}

// SocketsLeave makes the selected sockets leave rooms.
func (b *BroadcastOperator) SocketsLeave(rooms ...string) error {
	return b.e.publish(context.Background(), msgSocketsLeave, msgpack.Object("opts", b.sel.RequestOpts(), "rooms", emitsel.List(rooms)))
}

// DisconnectSockets disconnects the selected sockets; with close, their
// underlying connections too.
func (b *BroadcastOperator) DisconnectSockets(close bool) error {
	return b.e.publish(context.Background(), msgDisconnectSockets, msgpack.Object("opts", b.sel.RequestOpts(), "close", close))
}
