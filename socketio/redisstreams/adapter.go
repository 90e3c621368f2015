package redisstreams

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/gosio/gosio/internal/clusterreq"
	"github.com/gosio/gosio/internal/clusterwire"
	"github.com/gosio/gosio/internal/msgpack"
	"github.com/gosio/gosio/internal/redisutil"
	"github.com/gosio/gosio/internal/streamwire"
	"github.com/gosio/gosio/parser"
	"github.com/gosio/gosio/socketio"
)

// Adapter is the Redis Streams adapter of one namespace. Obtain it through
// New; it implements socketio.Adapter.
//
// Its local rooms and delivery are the embedded MemoryAdapter's. It writes
// to the stream with client; a reader shared by the namespaces of one New
// (one per stream) reads the stream and hands each entry to the adapter of
// its namespace; its Pub/Sub subscription (subs) receives requests and
// answers.
type Adapter struct {
	*socketio.MemoryAdapter
	nsp    *socketio.Namespace
	client redis.UniversalClient // PUBLISH, PUBSUB NUMSUB, sessions
	writer redis.UniversalClient // XADD (the hub's copy of client without retries)
	opts   Options               // with defaults applied
	log    *slog.Logger
	uid    string // this server's id on the wire (8 random bytes in hex, as Node)

	stream         string // the stream of this namespace
	publicChannel  string // <prefix>#<nsp>#: requests; its subscribers are the servers
	privateChannel string // <prefix>#<nsp>#<uid>#: answers to this server
	hub            *hub   // the stream readers of this adapter's New
	subs           []*redis.PubSub

	ctx    context.Context // ends on Close
	cancel context.CancelFunc
	// req holds the requests awaiting answers (fetchSockets,
	// serverSideEmit), the broadcasts with acknowledgements, and the
	// goroutines Close waits for.
	req *clusterreq.Table
	// out holds the stream entries made while Redis is unreachable
	// (outbox.go).
	out *outbox
}

var _ socketio.Adapter = (*Adapter)(nil)

// New returns an adapter factory for socketio.Options.Adapter. client
// writes to the stream, publishes and counts the servers; each namespace
// also opens a Pub/Sub connection from it, and the reader of each stream
// its own connection (a copy of client's options), so that a blocked XREAD
// delays nothing else and Close can interrupt it. XADD goes through another
// copy that does not retry (a retried XADD whose first answer was lost
// appends the message twice); a *redis.ClusterClient copy still retries a
// network error within MaxRedirects, as it must to follow MOVED. With
// another UniversalClient (a Ring), client itself is used for all of it,
// and Close may wait up to BlockTime for the reader.
//
// Give client ContextTimeoutEnabled: go-redis ignores context deadlines
// without it, so a hung Redis holds an XADD (and Close) for the client's
// own read and write timeouts instead of the adapter's.
func New(client redis.UniversalClient, opts *Options) func(*socketio.Namespace) socketio.Adapter {
	h := &hub{client: client, opts: opts.withDefaults(), readers: map[string]*reader{}}
	return func(nsp *socketio.Namespace) socketio.Adapter { return newAdapter(nsp, h) }
}

func newAdapter(nsp *socketio.Namespace, h *hub) *Adapter {
	o := h.opts
	ctx, cancel := context.WithCancel(context.Background())
	a := &Adapter{
		MemoryAdapter: socketio.NewMemoryAdapter(nsp),
		nsp:           nsp, client: h.client, opts: o, hub: h,
		uid:    clusterwire.HexID(),
		stream: streamwire.StreamFor(o.StreamName, o.StreamCount, nsp.Name()),
		ctx:    ctx, cancel: cancel,
	}
	a.publicChannel, a.privateChannel = streamwire.Channels(o.ChannelPrefix, nsp.Name(), a.uid)
	a.log = loggerFor(o.Logger, nsp).With("adapter", "redis-streams", "nsp", nsp.Name(), "uid", a.uid)
	a.req = clusterreq.NewTable(ctx, nsp, o.RequestsTimeout, a.log, "redisstreams", ErrClosed, ErrTimeout)
	a.out = newOutbox(a)
	a.subscribe()
	h.join(a)
	return a
}

func loggerFor(l *slog.Logger, nsp *socketio.Namespace) *slog.Logger {
	if l != nil {
		return l
	}
	return nsp.Server().Logger()
}

// subscribe subscribes to the public and the private channels and waits
// (RequestsTimeout at most) for Redis to confirm, so that the other
// servers count this one once the constructor has returned.
func (a *Adapter) subscribe() {
	ctx, cancel := context.WithTimeout(a.ctx, a.opts.RequestsTimeout)
	defer cancel()
	var groups [][]string
	if a.opts.UseShardedPubSub {
		// The two channels are in different slots: one connection each.
		groups = [][]string{{a.publicChannel}, {a.privateChannel}}
	} else {
		groups = [][]string{{a.publicChannel, a.privateChannel}}
	}
	for _, channels := range groups {
		var ps *redis.PubSub
		if a.opts.UseShardedPubSub {
			ps = a.client.SSubscribe(ctx, channels...)
		} else {
			ps = a.client.Subscribe(ctx, channels...)
		}
		a.subs = append(a.subs, ps)
		var early []*redis.Message
		for n := len(channels); n > 0; {
			v, err := ps.Receive(ctx)
			if err != nil {
				a.log.Warn("redisstreams: subscribe not confirmed; go-redis retries in the background", "err", err)
				break
			}
			switch m := v.(type) {
			case *redis.Subscription:
				n--
			case *redis.Message:
				early = append(early, m)
			}
		}
		ch := ps.Channel(redis.WithChannelSize(1024))
		a.req.WG.Add(1)
		go func() {
			defer a.req.WG.Done()
			for _, m := range early {
				a.onPubSub(m)
			}
			for m := range ch {
				a.onPubSub(m)
			}
		}()
	}
}

// UID returns the id this server uses on the wire.
func (a *Adapter) UID() string { return a.uid }

// Stream returns the name of the stream this namespace uses.
func (a *Adapter) Stream() string { return a.stream }

// RequestsTimeout returns how long requests wait for other servers.
func (a *Adapter) RequestsTimeout() time.Duration { return a.opts.RequestsTimeout }

// bounded returns ctx limited to RequestsTimeout and to the adapter's life.
func (a *Adapter) bounded(ctx context.Context) (context.Context, context.CancelFunc) {
	return a.req.Bounded(ctx)
}

// xadd appends a message to the stream (XADD MAXLEN ~ MaxLen) and returns
// the entry's id, the offset of a broadcast. held reports that the entry
// waits in the outbox instead (Redis unreachable, or entries already
// waiting): its local part is then the outbox's, once it is appended.
func (a *Adapter) xadd(ctx context.Context, typ int, data msgpack.Map) (id string, held bool, err error) {
	vals, err := streamwire.EntryValues(a.uid, a.nsp.Name(), typ, data, a.opts.OnlyPlaintext)
	if err != nil {
		return "", false, fmt.Errorf("redisstreams: encode: %w", err)
	}
	if held, err := a.out.hold(vals, nil); held || err != nil {
		return "", held, err
	}
	ctx, cancel := a.bounded(ctx)
	defer cancel()
	id, err = a.appendNow(ctx, vals)
	if err == nil {
		return id, false, nil
	}
	if unsent(err) {
		if held, err := a.out.hold(vals, err); held || err != nil {
			return "", held, err
		}
	}
	a.log.Warn("redisstreams: XADD failed", "stream", a.stream, "err", err)
	return "", false, fmt.Errorf("redisstreams: XADD: %w", err)
}

// publish sends an ephemeral message (a request) on the public channel.
func (a *Adapter) publish(ctx context.Context, typ int, data msgpack.Map) error {
	return a.publishTo(ctx, a.publicChannel, typ, data)
}

func (a *Adapter) publishTo(ctx context.Context, channel string, typ int, data msgpack.Map) error {
	payload, err := streamwire.EncodePubSub(a.uid, a.nsp.Name(), typ, data)
	if err != nil {
		return fmt.Errorf("redisstreams: encode: %w", err)
	}
	ctx, cancel := a.bounded(ctx)
	defer cancel()
	if a.opts.UseShardedPubSub {
		err = a.client.SPublish(ctx, channel, payload).Err()
	} else {
		err = redisutil.Publish(ctx, a.client, a.publicChannel, channel, payload)
	}
	if err != nil {
		a.log.Warn("redisstreams: publish failed", "channel", channel, "err", err)
		return fmt.Errorf("redisstreams: publish: %w", err)
	}
	return nil
}

// respond answers the server requester on its private channel, from a
// goroutine: the receiving loops must not wait on Redis.
func (a *Adapter) respond(requester string, typ int, data msgpack.Map) {
	channel := a.opts.ChannelPrefix + "#" + a.nsp.Name() + "#" + requester + "#"
	a.req.Spawn(func() { _ = a.publishTo(a.ctx, channel, typ, data) })
}

// recoveryOn reports whether connection state recovery is on for the
// namespace (socketio's Namespace.Recovery, when it has one).
func (a *Adapter) recoveryOn() bool {
	r, ok := any(a.nsp).(interface {
		Recovery() *socketio.RecoveryOptions
	})
	return ok && r.Recovery() != nil
}

// withOffset returns pkt with the stream entry id appended to its
// arguments when connection state recovery needs it, as Node's
// ClusterAdapter.addOffsetIfNecessary: an event without acknowledgement id
// that is not volatile.
func (a *Adapter) withOffset(pkt *parser.Packet, opts *socketio.BroadcastOptions, offset string) *parser.Packet {
	if offset == "" || pkt.HasID || opts.Flags.Volatile || !a.recoveryOn() {
		return pkt
	}
	if pkt.Type != parser.Event && pkt.Type != parser.BinaryEvent {
		return pkt
	}
	data, ok := pkt.Data.([]any)
	if !ok {
		return pkt
	}
	cp := *pkt
	cp.Data = append(slices.Clip(data), offset)
	return &cp
}

// --- socketio.Adapter: operations ---

// Broadcast implements socketio.Adapter: the message goes to the stream
// first (its entry id is the event's offset), then to the local sockets.
// While Redis cannot be reached the message is held (see
// Options.MaxPending) and Broadcast returns nil: both happen once Redis
// answers again. A failed XADD is returned after local delivery, which
// goes on.
func (a *Adapter) Broadcast(ctx context.Context, pkt *parser.Packet, opts *socketio.BroadcastOptions) error {
	var perr error
	if !opts.Flags.Local {
		var offset string
		var held bool
		wp, err := clusterwire.BroadcastPacket(pkt, false)
		if err != nil {
			return fmt.Errorf("redisstreams: encode: %w", err)
		}
		offset, held, perr = a.xadd(ctx, streamwire.Broadcast, msgpack.Object(
			"packet", wp, "opts", clusterwire.Opts(opts, true, opts.Flags.Timeout)))
		if held {
			return nil // delivered here when appended (outbox.go)
		}
		pkt = a.withOffset(pkt, opts, offset)
	}
	if err := a.MemoryAdapter.Broadcast(ctx, pkt, opts); err != nil {
		return err
	}
	return perr
}

// BroadcastWithAck implements socketio.Adapter: the request goes over
// Pub/Sub (Node does not keep it in the stream); each other server reports
// its client count and forwards each client's first answer argument.
func (a *Adapter) BroadcastWithAck(ctx context.Context, pkt *parser.Packet, opts *socketio.BroadcastOptions,
	expect func(int), onAck func(socketio.Response)) error {
	if !opts.Flags.Local {
		wp, err := clusterwire.Packet(pkt, false)
		if err != nil {
			return fmt.Errorf("redisstreams: encode: %w", err)
		}
		id := clusterwire.HexID()
		if err := a.req.SendAck(ctx, id, expect, onAck, func() error {
			return a.publish(ctx, streamwire.Broadcast, msgpack.Object(
				"packet", wp, "requestId", id, "opts", clusterwire.Opts(opts, true, clusterwire.AckTimeout(ctx, opts)),
			))
		}); err != nil {
			return err
		}
	}
	return a.MemoryAdapter.BroadcastWithAck(ctx, pkt, opts, expect, onAck)
}

func requestOpts(opts *socketio.BroadcastOptions) msgpack.Map {
	return clusterwire.Opts(opts, true, 0)
}

// AddSockets implements socketio.Adapter (through the stream).
func (a *Adapter) AddSockets(ctx context.Context, opts *socketio.BroadcastOptions, rooms []string) error {
	var err error
	if !opts.Flags.Local {
		var held bool
		if _, held, err = a.xadd(ctx, streamwire.SocketsJoin, msgpack.Object(
			"opts", requestOpts(opts), "rooms", clusterwire.Strs(rooms))); held {
			return nil // applied here when appended (outbox.go)
		}
	}
	_ = a.MemoryAdapter.AddSockets(ctx, opts, rooms)
	return err
}

// DelSockets implements socketio.Adapter (through the stream).
func (a *Adapter) DelSockets(ctx context.Context, opts *socketio.BroadcastOptions, rooms []string) error {
	var err error
	if !opts.Flags.Local {
		var held bool
		if _, held, err = a.xadd(ctx, streamwire.SocketsLeave, msgpack.Object(
			"opts", requestOpts(opts), "rooms", clusterwire.Strs(rooms))); held {
			return nil // applied here when appended (outbox.go)
		}
	}
	_ = a.MemoryAdapter.DelSockets(ctx, opts, rooms)
	return err
}

// DisconnectSockets implements socketio.Adapter (through the stream).
func (a *Adapter) DisconnectSockets(ctx context.Context, opts *socketio.BroadcastOptions, close bool) error {
	var err error
	if !opts.Flags.Local {
		var held bool
		if _, held, err = a.xadd(ctx, streamwire.DisconnectSockets, msgpack.Object(
			"opts", requestOpts(opts), "close", close)); held {
			return nil // applied here when appended (outbox.go)
		}
	}
	_ = a.MemoryAdapter.DisconnectSockets(ctx, opts, close)
	return err
}

// AllRooms implements socketio.Adapter. Node's Streams adapter has no
// request for it: these are this server's rooms only, as there.
func (a *Adapter) AllRooms(ctx context.Context) ([]string, error) {
	return a.MemoryAdapter.AllRooms(ctx)
}

// FetchSockets implements socketio.Adapter: the other servers (counted
// with PUBSUB NUMSUB) answer on this server's channel. On error it returns
// the local sockets and those received, with the error.
func (a *Adapter) FetchSockets(ctx context.Context, opts *socketio.BroadcastOptions) ([]*socketio.RemoteSocket, error) {
	local, _ := a.MemoryAdapter.FetchSockets(ctx, opts)
	if opts.Flags.Local {
		return local, nil
	}
	id := clusterwire.HexID()
	return a.req.FetchSockets(ctx, local, a.ServerCount, streamwire.FetchSockets, id, func() error {
		return a.publish(ctx, streamwire.FetchSockets, msgpack.Object(
			"opts", requestOpts(opts), "requestId", id))
	})
}

// ServerSideEmit implements socketio.Adapter. With onAck, the other servers
// are counted once (PUBSUB NUMSUB) and each answers once, until
// RequestsTimeout.
func (a *Adapter) ServerSideEmit(ctx context.Context, args []any, expect func(int), onAck func(socketio.Response)) error {
	norm, err := msgpack.Normalize(args)
	if err != nil {
		return fmt.Errorf("redisstreams: encode: %w", err)
	}
	if onAck == nil {
		return a.publish(ctx, streamwire.ServerSideEmit, msgpack.Object("packet", norm))
	}
	id := clusterwire.HexID()
	return a.req.ServerSideEmit(ctx, a.ServerCount, streamwire.ServerSideEmit, id, expect, onAck, func() error {
		return a.publish(ctx, streamwire.ServerSideEmit, msgpack.Object("requestId", id, "packet", norm))
	})
}

// ServerCount implements socketio.Adapter: the subscribers of the public
// channel (PUBSUB NUMSUB, or SHARDNUMSUB), as in Node.
func (a *Adapter) ServerCount(ctx context.Context) (int, error) {
	ctx, cancel := a.bounded(ctx)
	defer cancel()
	n, err := redisutil.NumSub(ctx, a.client, a.opts.UseShardedPubSub, a.publicChannel)
	if err != nil {
		a.log.Warn("redisstreams: counting servers failed", "err", err)
		return 0, fmt.Errorf("redisstreams: server count: %w", err)
	}
	return max(n, 1), nil
}

// Close implements socketio.Adapter: it leaves the stream's reader
// (stopped with the last namespace of its New), unsubscribes, fails the
// pending requests with ErrClosed and waits for the adapter's goroutines.
// Stream entries still held for an unreachable Redis are dropped, logged,
// and take effect on this server only.
func (a *Adapter) Close() error {
	if !a.req.Shutdown() {
		return nil
	}
	a.out.close()
	a.hub.leave(a)
	a.cancel()
	var err error
	for _, ps := range a.subs {
		if e := ps.Close(); e != nil && err == nil {
			err = e
		}
	}
	a.req.WG.Wait()
	return err
}
