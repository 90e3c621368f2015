package clusterwire

import (
	"context"
	"log/slog"

	"github.com/gosio/gosio/internal/msgpack"
	"github.com/gosio/gosio/socketio"
)

// Message types of socket.io-adapter's ClusterAdapter (which the sharded
// Redis adapter and the PostgreSQL adapter speak, and Node's postgres
// emitter numbers alike).
const (
	MsgInitialHeartbeat = iota + 1
	MsgHeartbeat
	MsgBroadcast
	MsgSocketsJoin
	MsgSocketsLeave
	MsgDisconnectSockets
	MsgFetchSockets
	MsgFetchSocketsResponse
	MsgServerSideEmit
	MsgServerSideEmitResponse
	MsgBroadcastClientCount
	MsgBroadcastAck
	MsgAdapterClose
)

// Local is what a ClusterAdapter-style adapter gives Serve to answer the
// other servers' requests with its local sockets.
type Local struct {
	Ctx      context.Context         // the adapter's life
	Memory   *socketio.MemoryAdapter // the local rooms and delivery
	Nsp      *socketio.Namespace
	Log      *slog.Logger
	Name     string                     // the adapter's package, in log messages
	Spawn    func(f func()) bool        // runs f on a goroutine the adapter's Close waits for
	WarnData func(id string, err error) // a socket whose data cannot be sent
}

// Serve handles a request of another server (or of an emitter) as
// ClusterAdapter.onMessage does: a broadcast (with acknowledgements when
// id, its requestId, is not ""), socketsJoin, socketsLeave,
// disconnectSockets, fetchSockets or serverSideEmit, run on the local
// sockets; respond sends an answer to the requester. It reports false for
// the other message types, which it leaves alone.
func (l *Local) Serve(typ int, id string, data map[string]any, respond func(typ int, data msgpack.Map)) bool {
	switch typ {
	case MsgBroadcast:
		l.broadcast(id, data, respond)
	case MsgSocketsJoin:
		_ = l.Memory.AddSockets(l.Ctx, ReadOpts(data["opts"]), RoomsArg(data["rooms"]))
	case MsgSocketsLeave:
		_ = l.Memory.DelSockets(l.Ctx, ReadOpts(data["opts"]), RoomsArg(data["rooms"]))
	case MsgDisconnectSockets:
		_ = l.Memory.DisconnectSockets(l.Ctx, ReadOpts(data["opts"]), Truthy(data["close"]))
	case MsgFetchSockets:
		local, _ := l.Memory.FetchSockets(l.Ctx, ReadOpts(data["opts"]))
		respond(MsgFetchSocketsResponse, msgpack.Object("requestId", id, "sockets", Sockets(local, l.WarnData)))
	case MsgServerSideEmit:
		packet, _ := data["packet"].([]any)
		var ack func([]any)
		if id != "" {
			ack = func(args []any) {
				v, err := msgpack.NormalizeValue(FirstArg(args))
				if err != nil {
					l.Log.Warn(l.Name+": cannot encode serverSideEmit answer", "err", err)
					return
				}
				respond(MsgServerSideEmitResponse, msgpack.Object("requestId", id, "packet", v))
			}
		}
		l.Spawn(func() { l.Nsp.ReceiveServerSideEmit(packet, ack) })
	default:
		return false
	}
	return true
}

// broadcast delivers another server's broadcast to the local sockets; with
// a requestId it answers the number of local clients, then each client's
// first answer argument.
func (l *Local) broadcast(id string, data map[string]any, respond func(typ int, data msgpack.Map)) {
	pkt := ReadPacket(data["packet"], l.Nsp.Name())
	if pkt == nil {
		return
	}
	opts := ReadOpts(data["opts"])
	if id == "" {
		if err := l.Memory.Broadcast(l.Ctx, pkt, opts); err != nil {
			l.Log.Warn(l.Name+": cannot deliver broadcast", "err", err)
		}
		return
	}
	pkt.ID, pkt.HasID = l.Nsp.NextAckID(), true
	err := l.Memory.BroadcastWithAck(l.Ctx, pkt, opts,
		func(n int) {
			respond(MsgBroadcastClientCount, msgpack.Object("requestId", id, "clientCount", n))
		},
		func(r socketio.Response) {
			respond(MsgBroadcastAck, msgpack.Object("requestId", id, "packet", ResponseValue(r)))
		})
	if err != nil {
		l.Log.Warn(l.Name+": cannot deliver broadcast", "err", err)
	}
}

// RoomsArg reads the rooms of a join or leave: an array, or one room.
func RoomsArg(v any) []string {
	if s, ok := v.(string); ok {
		return []string{s}
	}
	return StringList(v)
}
