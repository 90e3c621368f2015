package redisadapter

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/gosio/gosio/internal/clusterreq"
	"github.com/gosio/gosio/internal/clusterwire"
	"github.com/gosio/gosio/internal/msgpack"
	"github.com/gosio/gosio/parser"
	"github.com/gosio/gosio/socketio"
)

// ShardedAdapter is the adapter of one namespace over Redis 7 sharded
// Pub/Sub (SPUBLISH/SSUBSCRIBE), wire-compatible with Node's
// createShardedAdapter. Obtain it through NewSharded.
//
// Channels: <key>#<nsp># for every message, <key>#<nsp>#<uid># for the
// answers to this server, and in the dynamic modes <key>#<nsp>#<room># for
// broadcasts to a single room. AllRooms is local, as in Node.
type ShardedAdapter struct {
	*base
	channel         string
	responseChannel string
	subs            *shardSubscriber

	roomMu  sync.Mutex
	roomOps []roomOp
	roomSig chan struct{}
	// unregisterRooms stops the namespace's room events (dynamic modes).
	unregisterRooms func()
	// local answers the other servers' requests with the local sockets.
	local clusterwire.Local
}

type roomOp struct {
	room      string
	subscribe bool
}

var _ socketio.Adapter = (*ShardedAdapter)(nil)

// NewSharded returns an adapter factory for socketio.Options.Adapter that
// uses sharded Pub/Sub. Options.Key is Node's channelPrefix and
// Options.SubscriptionMode its subscriptionMode (default Dynamic).
func NewSharded(client redis.UniversalClient, opts *Options) func(*socketio.Namespace) socketio.Adapter {
	o := opts.withDefaults()
	return func(nsp *socketio.Namespace) socketio.Adapter { return newSharded(nsp, client, o) }
}

func newSharded(nsp *socketio.Namespace, client redis.UniversalClient, o Options) *ShardedAdapter {
	a := &ShardedAdapter{base: newBase(nsp, client, o, clusterwire.HexID()), roomSig: make(chan struct{}, 1)}
	a.local = clusterwire.Local{
		Ctx: a.ctx, Memory: a.MemoryAdapter, Nsp: nsp, Log: a.log, Name: "redisadapter",
		Spawn: a.req.Spawn, WarnData: a.warnData,
	}
	a.channel = o.Key + "#" + nsp.Name() + "#"
	a.responseChannel = a.channel + a.uid + "#"
	a.subs = newShardSubscriber(client, &a.req.WG, a.onRaw)

	ctx, cancel := context.WithTimeout(a.ctx, o.RequestsTimeout)
	defer cancel()
	if err := a.subs.subscribe(ctx, a.channel, a.responseChannel); err != nil {
		a.log.Warn("redisadapter: ssubscribe failed; go-redis retries in the background", "err", err)
	}
	if o.SubscriptionMode == Dynamic || o.SubscriptionMode == DynamicPrivate {
		a.unregisterRooms = nsp.OnRoomEvent(a.onRoomEvent)
		a.req.WG.Add(1)
		go a.roomLoop()
	}
	return a
}

// UID returns the id this server uses on the wire.
func (a *ShardedAdapter) UID() string { return a.uid }

// RequestsTimeout returns how long requests wait for other servers.
func (a *ShardedAdapter) RequestsTimeout() time.Duration { return a.opts.RequestsTimeout }

func (a *ShardedAdapter) dynamicChannel(room string) string { return a.channel + room + "#" }

// separateChannel reports whether room gets its own channel: public rooms
// in dynamic mode, every room in dynamic-private mode.
func (a *ShardedAdapter) separateChannel(room string) bool {
	switch a.opts.SubscriptionMode {
	case DynamicPrivate:
		return true
	case Dynamic:
		return a.MemoryAdapter.SocketRooms(room) == nil // not a socket id
	}
	return false
}

// onRoomEvent queues (un)subscriptions: room events come on the goroutine
// that changed the rooms, which must not wait on Redis.
func (a *ShardedAdapter) onRoomEvent(e socketio.RoomEvent) {
	var op roomOp
	switch e.Kind {
	case socketio.RoomCreated:
		if !a.separateChannel(e.Room) {
			return
		}
		op = roomOp{room: e.Room, subscribe: true}
	case socketio.RoomDeleted:
		op = roomOp{room: e.Room}
	default:
		return
	}
	a.roomMu.Lock()
	a.roomOps = append(a.roomOps, op)
	a.roomMu.Unlock()
	select {
	case a.roomSig <- struct{}{}:
	default:
	}
}

func (a *ShardedAdapter) roomLoop() {
	defer a.req.WG.Done()
	for {
		select {
		case <-a.ctx.Done():
			return
		case <-a.roomSig:
		}
		a.roomMu.Lock()
		ops := a.roomOps
		a.roomOps = nil
		a.roomMu.Unlock()
		for _, op := range ops {
			ctx, cancel := context.WithTimeout(a.ctx, a.opts.RequestsTimeout)
			var err error
			if op.subscribe {
				err = a.subs.subscribe(ctx, a.dynamicChannel(op.room))
			} else {
				err = a.subs.unsubscribe(ctx, a.dynamicChannel(op.room))
			}
			cancel()
			if err != nil && a.ctx.Err() == nil {
				a.log.Warn("redisadapter: room channel (un)subscribe failed", "room", op.room, "err", err)
			}
		}
	}
}

// --- encoding ---

// encodeClusterMessage renders a message as Node does: msgpack when a type
// that may carry binary does, JSON otherwise; keys in Node's order.
func encodeClusterMessage(typ int, data msgpack.Map, m msgpack.Map) ([]byte, error) {
	switch typ {
	case clusterwire.MsgBroadcast, clusterwire.MsgBroadcastAck, clusterwire.MsgFetchSocketsResponse, clusterwire.MsgServerSideEmit, clusterwire.MsgServerSideEmitResponse:
		if msgpack.HasBinary(data) {
			return msgpack.Marshal(m)
		}
	}
	return msgpack.MarshalJSON(m)
}

// publishTo sends a message of type typ with data to channel, as Node's
// cluster adapter writes it: {type, data, uid, nsp}.
func (a *ShardedAdapter) publishTo(ctx context.Context, channel string, typ int, data msgpack.Map) error {
	m := msgpack.Object("type", typ, "data", data, "uid", a.uid, "nsp", a.nsp.Name())
	payload, err := encodeClusterMessage(typ, data, m)
	if err != nil {
		return fmt.Errorf("redisadapter: encode: %w", err)
	}
	ctx, cancel := a.bounded(ctx)
	defer cancel()
	if err := a.client.SPublish(ctx, channel, payload).Err(); err != nil {
		a.log.Warn("redisadapter: spublish failed", "channel", channel, "err", err)
		return fmt.Errorf("redisadapter: spublish: %w", err)
	}
	return nil
}

// channelFor picks the channel of a message, as Node's computeChannel: a
// broadcast without acks to one room goes to that room's channel in the
// dynamic modes (dynamic leaves out rooms that look like socket ids).
func (a *ShardedAdapter) channelFor(typ int, withAck bool, rooms []string) string {
	if typ == clusterwire.MsgBroadcast && !withAck && len(rooms) == 1 {
		switch a.opts.SubscriptionMode {
		case DynamicPrivate:
			return a.dynamicChannel(rooms[0])
		case Dynamic:
			if len(rooms[0]) != 20 {
				return a.dynamicChannel(rooms[0])
			}
		}
	}
	return a.channel
}

func (a *ShardedAdapter) respond(requester string, typ int, data msgpack.Map) {
	a.req.Spawn(func() { _ = a.publishTo(a.ctx, a.channel+requester+"#", typ, data) })
}

// --- receiving ---

func (a *ShardedAdapter) onRaw(msg *redis.Message) {
	m, err := clusterwire.DecodeMessage([]byte(msg.Payload))
	if err != nil {
		a.log.Warn("redisadapter: malformed message", "err", err)
		return
	}
	if msg.Channel == a.responseChannel {
		a.onResponse(m)
		return
	}
	a.onMessage(m)
}

func (a *ShardedAdapter) onMessage(m map[string]any) {
	uid, _ := m["uid"].(string)
	if uid == a.uid {
		return
	}
	if nsp, _ := m["nsp"].(string); nsp != a.nsp.Name() {
		return
	}
	typ, _ := clusterwire.ToInt(m["type"])
	data, _ := m["data"].(map[string]any)
	id, _ := data["requestId"].(string)
	switch typ {
	case clusterwire.MsgBroadcastClientCount, clusterwire.MsgBroadcastAck, clusterwire.MsgFetchSocketsResponse, clusterwire.MsgServerSideEmitResponse:
		a.onResponse(m)
	default:
		a.local.Serve(typ, id, data, func(typ int, data msgpack.Map) { a.respond(uid, typ, data) })
	}
}

func (a *ShardedAdapter) onResponse(m map[string]any) {
	typ, _ := clusterwire.ToInt(m["type"])
	data, _ := m["data"].(map[string]any)
	id, _ := data["requestId"].(string)
	if id == "" {
		return
	}
	switch typ {
	case clusterwire.MsgBroadcastClientCount:
		if ar := a.req.Ack(id); ar != nil {
			n, _ := clusterwire.ToInt(data["clientCount"])
			ar.Expect(n)
		}
	case clusterwire.MsgBroadcastAck:
		if ar := a.req.Ack(id); ar != nil {
			if r, err := socketio.NewResponse("", []any{data["packet"]}); err == nil {
				ar.OnAck(r)
			}
		}
	case clusterwire.MsgFetchSocketsResponse:
		a.req.Answer(id, func(r *clusterreq.Request) bool {
			r.Sockets = append(r.Sockets, clusterwire.ReadSockets(a.nsp, data["sockets"])...)
			return true
		})
	case clusterwire.MsgServerSideEmitResponse:
		var onAck func(socketio.Response)
		var resp socketio.Response
		a.req.Answer(id, func(r *clusterreq.Request) bool {
			rr, err := socketio.NewResponse("", []any{data["packet"]})
			if err != nil {
				return false
			}
			onAck, resp = r.OnAck, rr
			return true
		})
		if onAck != nil {
			onAck(resp)
		}
	}
}

// --- sending: socketio.Adapter ---

func clusterOpts(opts *socketio.BroadcastOptions, timeout time.Duration) msgpack.Map {
	return clusterwire.Opts(opts, true, timeout)
}

// Broadcast implements socketio.Adapter.
func (a *ShardedAdapter) Broadcast(ctx context.Context, pkt *parser.Packet, opts *socketio.BroadcastOptions) error {
	if err := a.MemoryAdapter.Broadcast(ctx, pkt, opts); err != nil {
		return err
	}
	if opts.Flags.Local {
		return nil
	}
	wp, err := clusterwire.BroadcastPacket(pkt, false)
	if err != nil {
		return fmt.Errorf("redisadapter: encode: %w", err)
	}
	channel := a.channelFor(clusterwire.MsgBroadcast, false, clusterwire.Unique(opts.Rooms))
	return a.publishTo(ctx, channel, clusterwire.MsgBroadcast, msgpack.Object("packet", wp, "opts", clusterOpts(opts, opts.Flags.Timeout)))
}

// BroadcastWithAck implements socketio.Adapter.
func (a *ShardedAdapter) BroadcastWithAck(ctx context.Context, pkt *parser.Packet, opts *socketio.BroadcastOptions,
	expect func(int), onAck func(socketio.Response)) error {
	if !opts.Flags.Local {
		wp, err := clusterwire.Packet(pkt, false)
		if err != nil {
			return fmt.Errorf("redisadapter: encode: %w", err)
		}
		id := clusterwire.HexID()
		err = a.req.SendAck(ctx, id, expect, onAck, func() error {
			return a.publishTo(ctx, a.channel, clusterwire.MsgBroadcast, msgpack.Object(
				"packet", wp, "requestId", id, "opts", clusterOpts(opts, clusterwire.AckTimeout(ctx, opts))))
		})
		if err != nil {
			return err
		}
	}
	return a.MemoryAdapter.BroadcastWithAck(ctx, pkt, opts, expect, onAck)
}

// AddSockets implements socketio.Adapter.
func (a *ShardedAdapter) AddSockets(ctx context.Context, opts *socketio.BroadcastOptions, rooms []string) error {
	_ = a.MemoryAdapter.AddSockets(ctx, opts, rooms)
	if opts.Flags.Local {
		return nil
	}
	return a.publishTo(ctx, a.channel, clusterwire.MsgSocketsJoin, msgpack.Object("opts", clusterOpts(opts, 0), "rooms", clusterwire.Strs(rooms)))
}

// DelSockets implements socketio.Adapter.
func (a *ShardedAdapter) DelSockets(ctx context.Context, opts *socketio.BroadcastOptions, rooms []string) error {
	_ = a.MemoryAdapter.DelSockets(ctx, opts, rooms)
	if opts.Flags.Local {
		return nil
	}
	return a.publishTo(ctx, a.channel, clusterwire.MsgSocketsLeave, msgpack.Object("opts", clusterOpts(opts, 0), "rooms", clusterwire.Strs(rooms)))
}

// DisconnectSockets implements socketio.Adapter.
func (a *ShardedAdapter) DisconnectSockets(ctx context.Context, opts *socketio.BroadcastOptions, close bool) error {
	_ = a.MemoryAdapter.DisconnectSockets(ctx, opts, close)
	if opts.Flags.Local {
		return nil
	}
	return a.publishTo(ctx, a.channel, clusterwire.MsgDisconnectSockets, msgpack.Object("opts", clusterOpts(opts, 0), "close", close))
}

// FetchSockets implements socketio.Adapter. On error it returns the local
// sockets (and those already received) with the error.
func (a *ShardedAdapter) FetchSockets(ctx context.Context, opts *socketio.BroadcastOptions) ([]*socketio.RemoteSocket, error) {
	local, _ := a.MemoryAdapter.FetchSockets(ctx, opts)
	if opts.Flags.Local {
		return local, nil
	}
	id := clusterwire.HexID()
	return a.req.FetchSockets(ctx, local, a.ServerCount, clusterwire.MsgFetchSockets, id, func() error {
		return a.publishTo(ctx, a.channel, clusterwire.MsgFetchSockets, msgpack.Object("opts", clusterOpts(opts, 0), "requestId", id))
	})
}

// ServerSideEmit implements socketio.Adapter.
func (a *ShardedAdapter) ServerSideEmit(ctx context.Context, args []any, expect func(int), onAck func(socketio.Response)) error {
	packet, err := msgpack.Normalize(args)
	if err != nil {
		return fmt.Errorf("redisadapter: encode: %w", err)
	}
	if onAck == nil {
		return a.publishTo(ctx, a.channel, clusterwire.MsgServerSideEmit, msgpack.Object("packet", packet))
	}
	id := clusterwire.HexID()
	return a.req.ServerSideEmit(ctx, a.ServerCount, clusterwire.MsgServerSideEmit, id, expect, onAck, func() error {
		return a.publishTo(ctx, a.channel, clusterwire.MsgServerSideEmit, msgpack.Object("requestId", id, "packet", packet))
	})
}

// ServerCount implements socketio.Adapter: PUBSUB SHARDNUMSUB of the
// namespace channel, as in Node.
func (a *ShardedAdapter) ServerCount(ctx context.Context) (int, error) {
	return a.serverCount(ctx, true, a.channel)
}

// Close implements socketio.Adapter.
func (a *ShardedAdapter) Close() error {
	if !a.shutdown() {
		return nil
	}
	if a.unregisterRooms != nil {
		a.unregisterRooms()
	}
	err := a.subs.close()
	a.req.WG.Wait()
	return err
}

// shardSubscriber holds the SSUBSCRIBE connections: one for every channel
// on a single Redis server; one per channel on a cluster, where each
// channel lives on the node of its slot.
type shardSubscriber struct {
	client  redis.UniversalClient
	cluster bool
	wg      *sync.WaitGroup
	handle  func(*redis.Message)

	mu     sync.Mutex
	closed bool
	single *redis.PubSub
	per    map[string]*redis.PubSub
	chans  map[string]struct{}
	// unsubscribed holds, for each connection, a channel closed when Redis
	// has confirmed that it has no subscription left.
	unsubscribed map[*redis.PubSub]chan struct{}
}

func newShardSubscriber(client redis.UniversalClient, wg *sync.WaitGroup, handle func(*redis.Message)) *shardSubscriber {
	_, cluster := client.(*redis.ClusterClient)
	return &shardSubscriber{client: client, cluster: cluster, wg: wg, handle: handle,
		per: map[string]*redis.PubSub{}, chans: map[string]struct{}{},
		unsubscribed: map[*redis.PubSub]chan struct{}{}}
}

func (s *shardSubscriber) start(ps *redis.PubSub, buffered []*redis.Message) {
	// With subscriptions: close waits for Redis to confirm the unsubscribe.
	ch := ps.ChannelWithSubscriptions(redis.WithChannelSize(1024))
	unsubscribed := make(chan struct{})
	s.unsubscribed[ps] = unsubscribed
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		for _, m := range buffered {
			s.handle(m)
		}
		confirmed := false
		for v := range ch {
			switch m := v.(type) {
			case *redis.Message:
				s.handle(m)
			case *redis.Subscription:
				if m.Kind == "sunsubscribe" && m.Count == 0 && !confirmed {
					confirmed = true
					close(unsubscribed)
				}
			}
		}
	}()
}

func (s *shardSubscriber) subscribe(ctx context.Context, channels ...string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return ErrClosed
	}
	var fresh []string
	for _, c := range channels {
		if _, ok := s.chans[c]; !ok {
			s.chans[c] = struct{}{}
			fresh = append(fresh, c)
		}
	}
	if len(fresh) == 0 {
		return nil
	}
	if !s.cluster {
		if s.single == nil {
			s.single = s.client.SSubscribe(ctx)
			buffered, err := subscribeAndConfirm(ctx, s.single, func(ps *redis.PubSub) error {
				return ps.SSubscribe(ctx, fresh...)
			}, len(fresh))
			s.start(s.single, buffered)
			return err
		}
		return s.single.SSubscribe(ctx, fresh...)
	}
	var firstErr error
	for _, c := range fresh {
		ps := s.client.SSubscribe(ctx)
		buffered, err := subscribeAndConfirm(ctx, ps, func(ps *redis.PubSub) error {
			return ps.SSubscribe(ctx, c)
		}, 1)
		if err != nil && firstErr == nil {
			firstErr = err
		}
		s.per[c] = ps
		s.start(ps, buffered)
	}
	return firstErr
}

func (s *shardSubscriber) unsubscribe(ctx context.Context, channels ...string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	var gone []string
	for _, c := range channels {
		if _, ok := s.chans[c]; ok {
			delete(s.chans, c)
			gone = append(gone, c)
		}
	}
	if len(gone) == 0 || s.closed {
		return nil
	}
	if !s.cluster {
		return s.single.SUnsubscribe(ctx, gone...)
	}
	var firstErr error
	for _, c := range gone {
		if ps := s.per[c]; ps != nil {
			delete(s.per, c)
			delete(s.unsubscribed, ps)
			if err := ps.Close(); err != nil && firstErr == nil {
				firstErr = err
			}
		}
	}
	return firstErr
}

func (s *shardSubscriber) close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
	var firstErr error
	if s.single != nil {
		firstErr = s.closeConfirmed(s.single)
	}
	for c, ps := range s.per {
		if err := s.closeConfirmed(ps); err != nil && firstErr == nil {
			firstErr = err
		}
		delete(s.per, c)
	}
	return firstErr
}

// closeConfirmed unsubscribes ps and closes it once Redis has confirmed
// (or after a second): until then SHARDNUMSUB still counts this server.
func (s *shardSubscriber) closeConfirmed(ps *redis.PubSub) error {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if ps.SUnsubscribe(ctx) == nil {
		select {
		case <-s.unsubscribed[ps]:
		case <-ctx.Done():
		}
	}
	delete(s.unsubscribed, ps)
	return ps.Close()
}
