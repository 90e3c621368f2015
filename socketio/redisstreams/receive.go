package redisstreams

import (
	"github.com/redis/go-redis/v9"

	"github.com/gosio/gosio/internal/clusterreq"
	"github.com/gosio/gosio/internal/clusterwire"
	"github.com/gosio/gosio/internal/msgpack"
	"github.com/gosio/gosio/internal/streamwire"
	"github.com/gosio/gosio/parser"
	"github.com/gosio/gosio/socketio"
)

// onPubSub handles a request or an answer received over Pub/Sub.
func (a *Adapter) onPubSub(m *redis.Message) {
	msg, err := streamwire.DecodePubSub([]byte(m.Payload))
	if err != nil {
		a.log.Warn("redisstreams: malformed message", "channel", m.Channel, "err", err)
		return
	}
	a.onMessage(msg, "")
}

// onMessage handles a message of another server (or an emitter); offset is
// the stream entry id of messages read from the stream, "" for Pub/Sub.
func (a *Adapter) onMessage(m *streamwire.Message, offset string) {
	if m.UID == a.uid || m.Nsp != a.nsp.Name() {
		return
	}
	d := m.Data
	switch m.Type {
	case streamwire.Broadcast:
		if _, withAck := d["requestId"]; withAck {
			pkt := clusterwire.ReadPacket(d["packet"], a.nsp.Name())
			if pkt == nil {
				a.log.Warn("redisstreams: malformed broadcast", "from", m.UID)
				return
			}
			a.onBroadcastWithAck(m, pkt, clusterwire.ReadOpts(d["opts"]))
			return
		}
		a.applyLocal(m, offset)
	case streamwire.SocketsJoin, streamwire.SocketsLeave, streamwire.DisconnectSockets:
		a.applyLocal(m, offset)

	case streamwire.FetchSockets:
		local, _ := a.MemoryAdapter.FetchSockets(a.ctx, clusterwire.ReadOpts(d["opts"]))
		a.respond(m.UID, streamwire.FetchSocketsResponse, msgpack.Object(
			"requestId", d["requestId"], "sockets", clusterwire.Sockets(local, a.warnData)))

	case streamwire.ServerSideEmit:
		args, _ := d["packet"].([]any)
		var ack func([]any)
		if id, withAck := d["requestId"]; withAck {
			from := m.UID
			ack = func(res []any) {
				v, err := msgpack.NormalizeValue(clusterwire.FirstArg(res))
				if err != nil {
					a.log.Warn("redisstreams: cannot encode serverSideEmit answer", "err", err)
					return
				}
				a.respond(from, streamwire.ServerSideEmitResponse, msgpack.Object("requestId", id, "packet", v))
			}
		}
		a.req.Spawn(func() { a.nsp.ReceiveServerSideEmit(args, ack) })

	case streamwire.FetchSocketsResponse, streamwire.ServerSideEmitResponse,
		streamwire.BroadcastClientCount, streamwire.BroadcastAck:
		a.onResponse(m)
	}
}

// onBroadcastWithAck delivers another server's broadcast with
// acknowledgements and answers it: the number of local clients, then each
// client's first answer argument.
func (a *Adapter) onBroadcastWithAck(m *streamwire.Message, pkt *parser.Packet, opts *socketio.BroadcastOptions) {
	id, from := m.Data["requestId"], m.UID
	pkt.ID, pkt.HasID = a.nsp.NextAckID(), true
	err := a.MemoryAdapter.BroadcastWithAck(a.ctx, pkt, opts,
		func(n int) {
			a.respond(from, streamwire.BroadcastClientCount, msgpack.Object("requestId", id, "clientCount", n))
		},
		func(r socketio.Response) {
			v, err := msgpack.NormalizeValue(clusterwire.ResponseValue(r))
			if err != nil {
				a.log.Warn("redisstreams: cannot encode an acknowledgement", "err", err)
				return
			}
			a.respond(from, streamwire.BroadcastAck, msgpack.Object("requestId", id, "packet", v))
		})
	if err != nil {
		a.log.Warn("redisstreams: cannot deliver broadcast", "err", err)
	}
}

func (a *Adapter) warnData(id string, err error) {
	a.log.Warn("redisstreams: socket data cannot be sent", "socket", id, "err", err)
}

// onResponse handles an answer to one of this server's requests.
func (a *Adapter) onResponse(m *streamwire.Message) {
	d := m.Data
	id, _ := d["requestId"].(string)
	if id == "" {
		return
	}
	switch m.Type {
	case streamwire.BroadcastClientCount:
		if ar := a.req.Ack(id); ar != nil {
			n, _ := clusterwire.ToInt(d["clientCount"])
			ar.Expect(n)
		}
	case streamwire.BroadcastAck:
		if ar := a.req.Ack(id); ar != nil {
			if r, err := socketio.NewResponse("", []any{d["packet"]}); err == nil {
				ar.OnAck(r)
			}
		}
	case streamwire.FetchSocketsResponse:
		if _, ok := d["sockets"].([]any); !ok {
			return
		}
		remote := clusterwire.ReadSockets(a.nsp, d["sockets"])
		a.req.Answer(id, func(r *clusterreq.Request) bool {
			if r.Kind != streamwire.FetchSockets {
				return false
			}
			r.Sockets = append(r.Sockets, remote...)
			return true
		})
	case streamwire.ServerSideEmitResponse:
		resp, err := socketio.NewResponse("", []any{d["packet"]})
		if err != nil {
			return
		}
		var onAck func(socketio.Response)
		a.req.Answer(id, func(r *clusterreq.Request) bool {
			if r.Kind != streamwire.ServerSideEmit {
				return false
			}
			onAck = r.OnAck
			return true
		})
		if onAck != nil {
			onAck(resp)
		}
	}
}

// applyLocal gives a stream entry (a broadcast without acknowledgement,
// socketsJoin, socketsLeave or disconnectSockets) its effect on this
// server's sockets, with offset (its entry id; "" when it has none) as the
// offset of a broadcast. Entries read from the stream and this server's
// own held entries, once appended (see outbox), go through here alike.
func (a *Adapter) applyLocal(m *streamwire.Message, offset string) {
	d := m.Data
	switch m.Type {
	case streamwire.Broadcast:
		pkt := clusterwire.ReadPacket(d["packet"], a.nsp.Name())
		if pkt == nil {
			a.log.Warn("redisstreams: malformed broadcast", "from", m.UID)
			return
		}
		opts := clusterwire.ReadOpts(d["opts"])
		if err := a.MemoryAdapter.Broadcast(a.ctx, a.withOffset(pkt, opts, offset), opts); err != nil {
			a.log.Warn("redisstreams: cannot deliver broadcast", "err", err)
		}
	case streamwire.SocketsJoin:
		_ = a.MemoryAdapter.AddSockets(a.ctx, clusterwire.ReadOpts(d["opts"]), clusterwire.StringList(d["rooms"]))
	case streamwire.SocketsLeave:
		_ = a.MemoryAdapter.DelSockets(a.ctx, clusterwire.ReadOpts(d["opts"]), clusterwire.StringList(d["rooms"]))
	case streamwire.DisconnectSockets:
		_ = a.MemoryAdapter.DisconnectSockets(a.ctx, clusterwire.ReadOpts(d["opts"]), clusterwire.Truthy(d["close"]))
	}
}
