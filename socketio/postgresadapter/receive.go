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
	case clusterwire.MsgInitialHeartbeat:
		a.publishAsync(clusterwire.MsgHeartbeat, nil)
	case clusterwire.MsgHeartbeat:
	case clusterwire.MsgAdapterClose:
		a.removeNode(uid)
	case clusterwire.MsgBroadcastClientCount, clusterwire.MsgBroadcastAck, clusterwire.MsgFetchSocketsResponse, clusterwire.MsgServerSideEmitResponse:
		a.onResponse(uid, typ, id, data)
	default:
		a.local.Serve(typ, id, data, a.respond)
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

func (a *Adapter) onResponse(uid string, typ int, id string, data map[string]any) {
	if id == "" {
		return
	}
	switch typ {
	case clusterwire.MsgBroadcastClientCount:
		if ar := a.ackRequest(id); ar != nil {
			n, _ := clusterwire.ToInt(data["clientCount"])
			ar.expect(n)
		}
	case clusterwire.MsgBroadcastAck:
		if ar := a.ackRequest(id); ar != nil {
			if r, err := socketio.NewResponse("", []any{data["packet"]}); err == nil {
				ar.onAck(r)
			}
		}
	case clusterwire.MsgFetchSocketsResponse:
		sockets := clusterwire.ReadSockets(a.nsp, data["sockets"])
		a.answer(uid, id, clusterwire.MsgFetchSockets, func(r *request) { r.sockets = append(r.sockets, sockets...) })
	case clusterwire.MsgServerSideEmitResponse:
		resp, err := socketio.NewResponse("", []any{data["packet"]})
		if err != nil {
			return
		}
		var onAck func(socketio.Response)
		a.answer(uid, id, clusterwire.MsgServerSideEmit, func(r *request) { onAck = r.onAck })
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
