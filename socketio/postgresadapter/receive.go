package postgresadapter

import (
	"time"

	"github.com/gosio/gosio/internal/clusterwire"
	"github.com/gosio/gosio/internal/msgpack"
	"github.com/gosio/gosio/socketio"
)

// onMessage handles a message of another server or an emitter, as
// ClusterAdapterWithHeartbeat's onMessage does. It runs on the listening
// goroutine and must not block: slow work is spawned.
func (a *Adapter) onMessage(m map[string]any) {
	uid, _ := m["uid"].(string)
	if uid == a.uid {
		return
	}
	if nsp, _ := m["nsp"].(string); nsp != a.nsp.Name() {
		return
	}
	a.mu.Lock()
	if a.closed {
		a.mu.Unlock()
		return
	}
	if uid != "" && uid != emitterUID {
		a.nodes[uid] = time.Now()
	}
	a.mu.Unlock()

	typ, _ := clusterwire.ToInt(m["type"])
	data, _ := m["data"].(map[string]any)
	id, _ := data["requestId"].(string)
	switch typ {
	case msgInitialHeartbeat:
		a.publishAsync(msgHeartbeat, nil)
	case msgHeartbeat:
	case msgAdapterClose:
		a.removeNode(uid)
	case msgBroadcast:
		a.onBroadcast(uid, id, data)
	case msgSocketsJoin:
		_ = a.MemoryAdapter.AddSockets(a.ctx, clusterwire.ReadOpts(data["opts"]), roomsArg(data["rooms"]))
	case msgSocketsLeave:
		_ = a.MemoryAdapter.DelSockets(a.ctx, clusterwire.ReadOpts(data["opts"]), roomsArg(data["rooms"]))
	case msgDisconnectSockets:
		_ = a.MemoryAdapter.DisconnectSockets(a.ctx, clusterwire.ReadOpts(data["opts"]), clusterwire.Truthy(data["close"]))
	case msgFetchSockets:
		local, _ := a.MemoryAdapter.FetchSockets(a.ctx, clusterwire.ReadOpts(data["opts"]))
		a.respond(msgFetchSocketsResponse, msgpack.Object("requestId", id, "sockets", clusterwire.Sockets(local, a.warnData)))
	case msgServerSideEmit:
		packet, _ := data["packet"].([]any)
		var ack func([]any)
		if id != "" {
			ack = func(args []any) {
				v, err := msgpack.NormalizeValue(clusterwire.FirstArg(args))
				if err != nil {
					a.log.Warn("postgresadapter: cannot encode serverSideEmit answer", "err", err)
					return
				}
				a.respond(msgServerSideEmitResponse, msgpack.Object("requestId", id, "packet", v))
			}
		}
		a.spawn(func() { a.nsp.ReceiveServerSideEmit(packet, ack) })
	case msgBroadcastClientCount, msgBroadcastAck, msgFetchSocketsResponse, msgServerSideEmitResponse:
		a.onResponse(uid, typ, id, data)
	}
}

func (a *Adapter) warnData(id string, err error) {
	a.log.Warn("postgresadapter: socket data cannot be sent; left out", "socket", id, "err", err)
}

// respond publishes an answer; every server receives it (one channel per
// namespace) and those without the request id ignore it.
func (a *Adapter) respond(typ int, data msgpack.Map) {
	a.publishAsync(typ, data)
}

func (a *Adapter) onBroadcast(uid, id string, data map[string]any) {
	pkt := clusterwire.ReadPacket(data["packet"], a.nsp.Name())
	if pkt == nil {
		return
	}
	opts := clusterwire.ReadOpts(data["opts"])
	if id == "" {
		if err := a.MemoryAdapter.Broadcast(a.ctx, pkt, opts); err != nil {
			a.log.Warn("postgresadapter: cannot deliver broadcast", "err", err)
		}
		return
	}
	pkt.ID, pkt.HasID = a.nsp.NextAckID(), true
	err := a.MemoryAdapter.BroadcastWithAck(a.ctx, pkt, opts,
		func(n int) {
			a.respond(msgBroadcastClientCount, msgpack.Object("requestId", id, "clientCount", n))
		},
		func(r socketio.Response) {
			a.respond(msgBroadcastAck, msgpack.Object("requestId", id, "packet", clusterwire.ResponseValue(r)))
		})
	if err != nil {
		a.log.Warn("postgresadapter: cannot deliver broadcast", "err", err)
	}
}

// roomsArg reads the rooms of a join or leave: an array, or one room.
func roomsArg(v any) []string {
	if s, ok := v.(string); ok {
		return []string{s}
	}
	return clusterwire.StringList(v)
}

func (a *Adapter) onResponse(uid string, typ int, id string, data map[string]any) {
	if id == "" {
		return
	}
	switch typ {
	case msgBroadcastClientCount:
		if ar := a.ackRequest(id); ar != nil {
			n, _ := clusterwire.ToInt(data["clientCount"])
			ar.expect(n)
		}
	case msgBroadcastAck:
		if ar := a.ackRequest(id); ar != nil {
			if r, err := socketio.NewResponse("", []any{data["packet"]}); err == nil {
				ar.onAck(r)
			}
		}
	case msgFetchSocketsResponse:
		sockets := clusterwire.ReadSockets(a.nsp, data["sockets"])
		a.answer(uid, id, msgFetchSockets, func(r *request) { r.sockets = append(r.sockets, sockets...) })
	case msgServerSideEmitResponse:
		resp, err := socketio.NewResponse("", []any{data["packet"]})
		if err != nil {
			return
		}
		var onAck func(socketio.Response)
		a.answer(uid, id, msgServerSideEmit, func(r *request) { onAck = r.onAck })
		if onAck != nil {
			onAck(resp)
		}
	}
}

// answer applies the answer of server uid to request id of kind: apply
// runs under the lock; the request ends when no server is missing.
func (a *Adapter) answer(uid, id string, kind int, apply func(*request)) {
	a.mu.Lock()
	r := a.requests[id]
	if r == nil || r.kind != kind {
		a.mu.Unlock()
		return
	}
	if _, ok := r.missing[uid]; !ok {
		a.mu.Unlock()
		return // a server that joined after the request, or a repeat
	}
	delete(r.missing, uid)
	r.answers++
	apply(r)
	done := len(r.missing) == 0
	if done {
		delete(a.requests, id)
	}
	a.mu.Unlock()
	if done {
		a.finish(r)
	}
}

func (a *Adapter) ackRequest(id string) *ackRequest {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.acks[id]
}
