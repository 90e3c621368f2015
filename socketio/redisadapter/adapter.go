// Package redisadapter lets several gosio servers (and Node.js Socket.IO
// servers) form a cluster over Redis Pub/Sub, wire-compatible with Node's
// @socket.io/redis-adapter 8.x: New is createAdapter, NewSharded is
// createShardedAdapter (Redis 7 sharded Pub/Sub).
//
//	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:6379"})
//	io := socketio.NewServer(&socketio.Options{Adapter: redisadapter.New(rdb, nil)})
//
// On a Redis Cluster, pass a *redis.ClusterClient: classic Pub/Sub
// messages cross the cluster bus, sharded ones go to the master of their
// channel's slot, and the server count is summed over the masters.
//
// Each namespace's adapter holds one Pub/Sub connection of the client,
// which go-redis re-establishes (and resubscribes) after a Redis outage.
// While Redis is unreachable, local delivery goes on and the operations
// that need the other servers return errors; messages published meanwhile
// are lost, as Pub/Sub does not store them.
package redisadapter

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/gosio/gosio/internal/clusterreq"
	"github.com/gosio/gosio/internal/clusterwire"
	"github.com/gosio/gosio/internal/msgpack"
	"github.com/gosio/gosio/internal/redisutil"
	"github.com/gosio/gosio/parser"
	"github.com/gosio/gosio/socketio"
)

// Request types of the classic adapter, numbered as in Node.
const (
	reqSockets = iota
	reqAllRooms
	reqRemoteJoin
	reqRemoteLeave
	reqRemoteDisconnect
	reqRemoteFetch
	reqServerSideEmit
	reqBroadcast
	reqBroadcastClientCount
	reqBroadcastAck
)

// Adapter is the classic Redis adapter of one namespace. Obtain it through
// New; it implements socketio.Adapter.
type Adapter struct {
	*base
	channel                 string // <key>#<nsp>#
	requestChannel          string // <key>-request#<nsp>#
	responseChannel         string // <key>-response#<nsp>#
	specificResponseChannel string // <key>-response#<nsp>#<uid>#
	pubsub                  *redis.PubSub
	unsubscribed            chan struct{} // closed when Redis confirms the unsubscribe of Close
}

var _ socketio.Adapter = (*Adapter)(nil)

// New returns an adapter factory for socketio.Options.Adapter. client
// publishes and issues PUBSUB NUMSUB; each namespace also opens a Pub/Sub
// connection from it.
func New(client redis.UniversalClient, opts *Options) func(*socketio.Namespace) socketio.Adapter {
	o := opts.withDefaults()
	return func(nsp *socketio.Namespace) socketio.Adapter { return newAdapter(nsp, client, o) }
}

func newAdapter(nsp *socketio.Namespace, client redis.UniversalClient, o Options) *Adapter {
	a := &Adapter{base: newBase(nsp, client, o, clusterwire.UID(6))}
	a.channel = o.Key + "#" + nsp.Name() + "#"
	a.requestChannel = o.Key + "-request#" + nsp.Name() + "#"
	a.responseChannel = o.Key + "-response#" + nsp.Name() + "#"
	a.specificResponseChannel = a.responseChannel + a.uid + "#"

	ctx, cancel := context.WithTimeout(a.ctx, o.RequestsTimeout)
	defer cancel()
	a.pubsub = client.Subscribe(ctx)
	buffered, err := subscribeAndConfirm(ctx, a.pubsub, func(ps *redis.PubSub) error {
		if err := ps.Subscribe(ctx, a.requestChannel, a.responseChannel, a.specificResponseChannel); err != nil {
			return err
		}
		return ps.PSubscribe(ctx, a.channel+"*")
	}, 4)
	if err != nil {
		a.log.Warn("redisadapter: subscribe failed; go-redis retries in the background", "err", err)
	}
	// With subscriptions: Close waits for Redis to confirm the unsubscribe.
	ch := a.pubsub.ChannelWithSubscriptions(redis.WithChannelSize(1024))
	a.unsubscribed = make(chan struct{})
	a.req.WG.Add(1)
	go func() {
		defer a.req.WG.Done()
		for _, m := range buffered {
			a.onMessage(m)
		}
		confirmed := false
		for v := range ch {
			switch m := v.(type) {
			case *redis.Message:
				a.onMessage(m)
			case *redis.Subscription:
				// The last unsubscribe reply counts no subscription left.
				if m.Count == 0 && !confirmed && (m.Kind == "unsubscribe" || m.Kind == "punsubscribe") {
					confirmed = true
					close(a.unsubscribed)
				}
			}
		}
	}()
	return a
}

// subscribeAndConfirm runs subscribe and waits for n subscription
// confirmations, so that the adapter receives what is published once its
// constructor has returned. Messages that arrive meanwhile are returned.
func subscribeAndConfirm(ctx context.Context, ps *redis.PubSub, subscribe func(*redis.PubSub) error, n int) ([]*redis.Message, error) {
	if err := subscribe(ps); err != nil {
		return nil, err
	}
	var buffered []*redis.Message
	for n > 0 {
		msg, err := ps.Receive(ctx)
		if err != nil {
			return buffered, err
		}
		switch m := msg.(type) {
		case *redis.Subscription:
			n--
		case *redis.Message:
			buffered = append(buffered, m)
		}
	}
	return buffered, nil
}

func (b *base) warnData(id string, err error) {
	b.log.Warn("redisadapter: socket data cannot be sent", "socket", id, "err", err)
}

// UID returns the id this server uses on the wire.
func (a *Adapter) UID() string { return a.uid }

// RequestsTimeout returns how long requests wait for other servers.
func (a *Adapter) RequestsTimeout() time.Duration { return a.opts.RequestsTimeout }

func (a *Adapter) publish(ctx context.Context, channel string, payload []byte) error {
	ctx, cancel := a.bounded(ctx)
	defer cancel()
	if err := redisutil.Publish(ctx, a.client, a.channel, channel, payload); err != nil {
		a.log.Warn("redisadapter: publish failed", "channel", channel, "err", err)
		return fmt.Errorf("redisadapter: publish: %w", err)
	}
	return nil
}

// publishAsync publishes from a goroutine (from the subscriber loop, which
// must not wait on Redis).
func (a *Adapter) publishAsync(channel string, payload []byte) {
	a.req.Spawn(func() { _ = a.publish(a.ctx, channel, payload) })
}

func (a *Adapter) publishJSON(ctx context.Context, channel string, v any) error {
	payload, err := msgpack.MarshalJSON(msgpack.ToNodeBuffers(v))
	if err != nil {
		return fmt.Errorf("redisadapter: encode: %w", err)
	}
	return a.publish(ctx, channel, payload)
}

// publishResponse answers requester (by uid) on the shared response channel
// or on its own one.
func (a *Adapter) publishResponse(requester string, payload []byte) {
	channel := a.responseChannel
	if a.opts.PublishOnSpecificResponseChannel && requester != "" {
		channel = a.responseChannel + requester + "#"
	}
	a.publishAsync(channel, payload)
}

func (a *Adapter) respondJSON(requester string, v any) {
	payload, err := msgpack.MarshalJSON(msgpack.ToNodeBuffers(v))
	if err != nil {
		a.log.Warn("redisadapter: cannot encode response", "err", err)
		return
	}
	a.publishResponse(requester, payload)
}

// --- receiving ---

func (a *Adapter) onMessage(m *redis.Message) {
	payload := []byte(m.Payload)
	switch {
	case m.Pattern != "":
		a.onBroadcast(m.Channel, payload)
	case m.Channel == a.requestChannel:
		a.onRequest(payload)
	case strings.HasPrefix(m.Channel, a.responseChannel):
		a.onResponse(payload)
	}
}

func (a *Adapter) onBroadcast(channel string, payload []byte) {
	if !strings.HasPrefix(channel, a.channel) {
		return
	}
	if room := channel[len(a.channel):]; room != "" {
		room = room[:len(room)-1] // the trailing '#'
		if room != "" && len(a.MemoryAdapter.Sockets([]string{room})) == 0 {
			return // no local socket in the room
		}
	}
	v, err := msgpack.Unmarshal(payload)
	if err != nil {
		a.log.Warn("redisadapter: malformed broadcast", "err", err)
		return
	}
	arr, _ := v.([]any)
	if len(arr) < 3 {
		a.log.Warn("redisadapter: malformed broadcast", "len", len(arr))
		return
	}
	if uid, _ := arr[0].(string); uid == a.uid {
		return
	}
	pkt := clusterwire.ReadPacket(arr[1], a.nsp.Name())
	if pkt == nil {
		return
	}
	if err := a.MemoryAdapter.Broadcast(a.ctx, pkt, clusterwire.ReadOpts(arr[2])); err != nil {
		a.log.Warn("redisadapter: cannot deliver broadcast", "err", err)
	}
}

func (a *Adapter) onRequest(payload []byte) {
	req, err := clusterwire.DecodeMessage(payload)
	if err != nil {
		a.log.Warn("redisadapter: malformed request", "err", err)
		return
	}
	typ, _ := clusterwire.ToInt(req["type"])
	id, _ := req["requestId"].(string)
	uid, _ := req["uid"].(string)
	self := uid == a.uid
	switch typ {
	case reqSockets:
		if self || a.req.Has(id) {
			return
		}
		ids := a.MemoryAdapter.Sockets(clusterwire.StringList(req["rooms"]))
		if ids == nil {
			ids = []string{}
		}
		a.respondJSON(uid, msgpack.Object("requestId", id, "sockets", ids))

	case reqAllRooms:
		if self || a.req.Has(id) {
			return
		}
		rooms, _ := a.MemoryAdapter.AllRooms(a.ctx)
		a.respondJSON(uid, msgpack.Object("requestId", id, "rooms", clusterwire.Strs(rooms)))

	case reqRemoteJoin, reqRemoteLeave, reqRemoteDisconnect:
		if self {
			return // applied locally when sent
		}
		a.onRemoteRoomOp(typ, id, uid, req)

	case reqRemoteFetch:
		if self || a.req.Has(id) {
			return
		}
		local, _ := a.MemoryAdapter.FetchSockets(a.ctx, clusterwire.ReadOpts(req["opts"]))
		a.respondJSON(uid, msgpack.Object("requestId", id, "sockets", clusterwire.Sockets(local, a.warnData)))

	case reqServerSideEmit:
		if self {
			return
		}
		data, _ := req["data"].([]any)
		var ack func([]any)
		if id != "" {
			ack = func(args []any) {
				// Node always answers on the shared channel.
				payload, err := msgpack.MarshalJSON(msgpack.ToNodeBuffers(msgpack.Object(
					"type", reqServerSideEmit, "requestId", id, "data", clusterwire.FirstArg(args),
				)))
				if err != nil {
					a.log.Warn("redisadapter: cannot encode serverSideEmit answer", "err", err)
					return
				}
				a.publishAsync(a.responseChannel, payload)
			}
		}
		a.req.Spawn(func() { a.nsp.ReceiveServerSideEmit(data, ack) })

	case reqBroadcast:
		if self || a.req.Ack(id) != nil {
			return
		}
		pkt := clusterwire.ReadPacket(req["packet"], a.nsp.Name())
		if pkt == nil {
			return
		}
		pkt.ID, pkt.HasID = a.nextAckID(), true
		err := a.MemoryAdapter.BroadcastWithAck(a.ctx, pkt, clusterwire.ReadOpts(req["opts"]),
			func(n int) {
				a.respondJSON(uid, msgpack.Object(
					"type", reqBroadcastClientCount, "requestId", id, "clientCount", n,
				))
			},
			func(r socketio.Response) {
				payload, err := msgpack.Marshal(msgpack.Object(
					"type", reqBroadcastAck, "requestId", id, "packet", clusterwire.ResponseValue(r),
				))
				if err != nil {
					a.log.Warn("redisadapter: cannot encode ack", "err", err)
					return
				}
				a.publishResponse(uid, payload)
			})
		if err != nil {
			a.log.Warn("redisadapter: cannot deliver broadcast", "err", err)
		}
	}
}

// onRemoteRoomOp applies a join, leave or disconnect request: to the
// sockets opts selects (the current form) or to one socket by id (the
// older form, which is answered).
func (a *Adapter) onRemoteRoomOp(typ int, id, uid string, req map[string]any) {
	if o, ok := req["opts"]; ok && o != nil {
		opts := clusterwire.ReadOpts(o)
		switch typ {
		case reqRemoteJoin:
			_ = a.MemoryAdapter.AddSockets(a.ctx, opts, clusterwire.StringList(req["rooms"]))
		case reqRemoteLeave:
			_ = a.MemoryAdapter.DelSockets(a.ctx, opts, clusterwire.StringList(req["rooms"]))
		default:
			_ = a.MemoryAdapter.DisconnectSockets(a.ctx, opts, clusterwire.Truthy(req["close"]))
		}
		return
	}
	sid, _ := req["sid"].(string)
	s := a.nsp.Socket(sid)
	if s == nil {
		return
	}
	room, _ := req["room"].(string)
	switch typ {
	case reqRemoteJoin:
		s.Join(room)
	case reqRemoteLeave:
		s.Leave(room)
	default:
		s.Disconnect(clusterwire.Truthy(req["close"]))
	}
	a.respondJSON(uid, msgpack.Object("requestId", id))
}

func (a *Adapter) onResponse(payload []byte) {
	res, err := clusterwire.DecodeMessage(payload)
	if err != nil {
		a.log.Warn("redisadapter: malformed response", "err", err)
		return
	}
	id, _ := res["requestId"].(string)
	if id == "" {
		return
	}
	if ar := a.req.Ack(id); ar != nil {
		typ, _ := clusterwire.ToInt(res["type"])
		switch typ {
		case reqBroadcastClientCount:
			n, _ := clusterwire.ToInt(res["clientCount"])
			ar.Expect(n)
		case reqBroadcastAck:
			if r, err := socketio.NewResponse("", []any{res["packet"]}); err == nil {
				ar.OnAck(r)
			}
		}
		return
	}
	var onAck func(socketio.Response)
	var resp socketio.Response
	a.req.Answer(id, func(r *clusterreq.Request) bool {
		switch r.Kind {
		case reqSockets:
			for _, s := range clusterwire.StringList(res["sockets"]) {
				r.IDs[s] = struct{}{}
			}
		case reqRemoteFetch:
			if _, ok := res["sockets"].([]any); !ok {
				return false
			}
			r.Sockets = append(r.Sockets, clusterwire.ReadSockets(a.nsp, res["sockets"])...)
		case reqAllRooms:
			if _, ok := res["rooms"].([]any); !ok {
				return false
			}
			for _, room := range clusterwire.StringList(res["rooms"]) {
				r.Rooms[room] = struct{}{}
			}
		case reqServerSideEmit:
			rr, err := socketio.NewResponse("", []any{res["data"]})
			if err != nil {
				return false
			}
			onAck, resp = r.OnAck, rr
		}
		return true
	})
	if onAck != nil {
		onAck(resp)
	}
}

// --- sending: socketio.Adapter ---

// Broadcast implements socketio.Adapter: local sockets first, then the
// other servers. A publish error is returned after local delivery.
func (a *Adapter) Broadcast(ctx context.Context, pkt *parser.Packet, opts *socketio.BroadcastOptions) error {
	if err := a.MemoryAdapter.Broadcast(ctx, pkt, opts); err != nil {
		return err
	}
	if opts.Flags.Local {
		return nil
	}
	wp, err := clusterwire.BroadcastPacket(pkt, true)
	if err != nil {
		return fmt.Errorf("redisadapter: encode: %w", err)
	}
	msg, err := msgpack.Marshal([]any{a.uid, wp, clusterwire.Opts(opts, true, opts.Flags.Timeout)})
	if err != nil {
		return fmt.Errorf("redisadapter: encode: %w", err)
	}
	channel := a.channel
	if rooms := clusterwire.Unique(opts.Rooms); len(rooms) == 1 {
		channel += rooms[0] + "#"
	}
	return a.publish(ctx, channel, msg)
}

// BroadcastWithAck implements socketio.Adapter. The other servers report
// their client counts and forward each client's first answer argument.
func (a *Adapter) BroadcastWithAck(ctx context.Context, pkt *parser.Packet, opts *socketio.BroadcastOptions,
	expect func(int), onAck func(socketio.Response)) error {
	if !opts.Flags.Local {
		wp, err := clusterwire.Packet(pkt, true)
		if err != nil {
			return fmt.Errorf("redisadapter: encode: %w", err)
		}
		id := clusterwire.UID(6)
		msg, err := msgpack.Marshal(msgpack.Object(
			"uid", a.uid, "requestId", id, "type", reqBroadcast,
			"packet", wp, "opts", clusterwire.Opts(opts, true, clusterwire.AckTimeout(ctx, opts)),
		))
		if err != nil {
			return fmt.Errorf("redisadapter: encode: %w", err)
		}
		if err := a.req.SendAck(ctx, id, expect, onAck, func() error { return a.publish(ctx, a.requestChannel, msg) }); err != nil {
			return err
		}
	}
	return a.MemoryAdapter.BroadcastWithAck(ctx, pkt, opts, expect, onAck)
}

// requestOpts renders opts for join, leave, disconnect and fetch requests.
func requestOpts(opts *socketio.BroadcastOptions) msgpack.Map {
	return msgpack.Object("rooms", clusterwire.Strs(opts.Rooms), "except", clusterwire.Strs(opts.Except))
}

// FetchSockets implements socketio.Adapter. On error it returns the local
// sockets (and those already received) with the error.
func (a *Adapter) FetchSockets(ctx context.Context, opts *socketio.BroadcastOptions) ([]*socketio.RemoteSocket, error) {
	local, _ := a.MemoryAdapter.FetchSockets(ctx, opts)
	if opts.Flags.Local {
		return local, nil
	}
	id := clusterwire.UID(6)
	return a.req.FetchSockets(ctx, local, a.ServerCount, reqRemoteFetch, id, func() error {
		return a.publishJSON(ctx, a.requestChannel, msgpack.Object(
			"uid", a.uid, "requestId", id, "type", reqRemoteFetch, "opts", requestOpts(opts),
		))
	})
}

// AllRooms implements socketio.Adapter: the rooms of every server.
func (a *Adapter) AllRooms(ctx context.Context) ([]string, error) {
	local, _ := a.MemoryAdapter.AllRooms(ctx)
	n, err := a.ServerCount(ctx)
	if err != nil {
		return local, err
	}
	if n <= 1 {
		return local, nil
	}
	id := clusterwire.UID(6)
	r := clusterreq.NewRequest(reqAllRooms, n-1)
	r.Rooms = map[string]struct{}{}
	for _, room := range local {
		r.Rooms[room] = struct{}{}
	}
	err = a.req.RoundTrip(ctx, id, r, "allRooms", func() error {
		return a.publishJSON(ctx, a.requestChannel, msgpack.Object("uid", a.uid, "requestId", id, "type", reqAllRooms))
	})
	var out []string
	a.req.Locked(func() {
		out = make([]string, 0, len(r.Rooms))
		for room := range r.Rooms {
			out = append(out, room)
		}
	})
	return out, err
}

// AllSockets returns the ids of the sockets in any of rooms (all when
// empty) on every server, like Node's io.allSockets().
func (a *Adapter) AllSockets(ctx context.Context, rooms []string) ([]string, error) {
	local := a.MemoryAdapter.Sockets(rooms)
	n, err := a.ServerCount(ctx)
	if err != nil || n <= 1 {
		return local, err
	}
	id := clusterwire.UID(6)
	r := clusterreq.NewRequest(reqSockets, n-1)
	r.IDs = map[string]struct{}{}
	for _, s := range local {
		r.IDs[s] = struct{}{}
	}
	err = a.req.RoundTrip(ctx, id, r, "sockets", func() error {
		return a.publishJSON(ctx, a.requestChannel, msgpack.Object(
			"uid", a.uid, "requestId", id, "type", reqSockets, "rooms", clusterwire.Strs(rooms),
		))
	})
	var out []string
	a.req.Locked(func() {
		out = make([]string, 0, len(r.IDs))
		for s := range r.IDs {
			out = append(out, s)
		}
	})
	return out, err
}

// AddSockets implements socketio.Adapter.
func (a *Adapter) AddSockets(ctx context.Context, opts *socketio.BroadcastOptions, rooms []string) error {
	_ = a.MemoryAdapter.AddSockets(ctx, opts, rooms)
	if opts.Flags.Local {
		return nil
	}
	return a.publishJSON(ctx, a.requestChannel, msgpack.Object(
		"uid", a.uid, "type", reqRemoteJoin, "opts", requestOpts(opts), "rooms", clusterwire.Strs(rooms),
	))
}

// DelSockets implements socketio.Adapter.
func (a *Adapter) DelSockets(ctx context.Context, opts *socketio.BroadcastOptions, rooms []string) error {
	_ = a.MemoryAdapter.DelSockets(ctx, opts, rooms)
	if opts.Flags.Local {
		return nil
	}
	return a.publishJSON(ctx, a.requestChannel, msgpack.Object(
		"uid", a.uid, "type", reqRemoteLeave, "opts", requestOpts(opts), "rooms", clusterwire.Strs(rooms),
	))
}

// DisconnectSockets implements socketio.Adapter.
func (a *Adapter) DisconnectSockets(ctx context.Context, opts *socketio.BroadcastOptions, close bool) error {
	_ = a.MemoryAdapter.DisconnectSockets(ctx, opts, close)
	if opts.Flags.Local {
		return nil
	}
	return a.publishJSON(ctx, a.requestChannel, msgpack.Object(
		"uid", a.uid, "type", reqRemoteDisconnect, "opts", requestOpts(opts), "close", close,
	))
}

// ServerSideEmit implements socketio.Adapter. With onAck, the servers are
// counted once (PUBSUB NUMSUB), and each other server's answer (its first
// argument) is reported until RequestsTimeout.
func (a *Adapter) ServerSideEmit(ctx context.Context, args []any, expect func(int), onAck func(socketio.Response)) error {
	if onAck == nil {
		return a.publishJSON(ctx, a.requestChannel, msgpack.Object(
			"uid", a.uid, "type", reqServerSideEmit, "data", args,
		))
	}
	id := clusterwire.UID(6)
	return a.req.ServerSideEmit(ctx, a.ServerCount, reqServerSideEmit, id, expect, onAck, func() error {
		return a.publishJSON(ctx, a.requestChannel, msgpack.Object(
			"uid", a.uid, "requestId", id, "type", reqServerSideEmit, "data", args,
		))
	})
}

// ServerCount implements socketio.Adapter: the subscribers of the request
// channel (PUBSUB NUMSUB), as in Node.
func (a *Adapter) ServerCount(ctx context.Context) (int, error) {
	return a.serverCount(ctx, false, a.requestChannel)
}

// Close implements socketio.Adapter: it unsubscribes, fails the pending
// requests with ErrClosed and waits for the adapter's goroutines. It
// returns once Redis has confirmed the unsubscribe (or after
// RequestsTimeout): until then Redis still counts this server, and the
// others would wait for its answers to their requests.
func (a *Adapter) Close() error {
	if !a.shutdown() {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), a.opts.RequestsTimeout)
	errU := a.pubsub.Unsubscribe(ctx)
	errP := a.pubsub.PUnsubscribe(ctx)
	if errU == nil && errP == nil {
		select {
		case <-a.unsubscribed:
		case <-ctx.Done():
			a.log.Warn("redisadapter: Redis did not confirm the unsubscribe in time")
		}
	}
	cancel()
	err := a.pubsub.Close()
	a.req.WG.Wait()
	return err
}
