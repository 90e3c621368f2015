// Command clusternode is the Go side of the cluster interop suite
// (interop/cluster): a gosio server on a cluster adapter (Redis Pub/Sub,
// sharded Pub/Sub, Redis Streams, PostgreSQL), to run next to a Node.js
// socket.io server on the same store. It is not meant for production use.
//
// It prints exactly one line "LISTENING <port>" on stdout once it accepts
// connections, and shuts down on SIGINT/SIGTERM.
//
// Flags: -addr (default 127.0.0.1:0), -adapter (the cluster adapter: "redis",
// the default, "sharded", "streams", "postgres": each adapter_*.go file
// registers one, with its own flags), -redis (default 127.0.0.1:6379),
// -key (default socket.io), -sharded (use redisadapter.NewSharded), -mode
// (the sharded subscription mode, default dynamic), -admin ID (instrument
// for the Admin UI, without authentication, as server ID), -recovery
// (connection state recovery on; see recovery.go), -v (log to stderr).
//
// Each socket of "/" gets data {runtime: "go", tag: <query tag>} (none with
// ?nodata=1) and joins
// the rooms of its query (?rooms=a,b). The server answers these control
// events, each with an acknowledgement (the Node test server implements
// the same ones, so the suite drives both alike):
//
//	"set-data" {...}                          → SetData({...}); ack("ok")
//	"broadcast" {rooms?, except?, event, data} → io.To(rooms).Except(except).Emit(event, data); ack("ok"),
//	                                            or ack(the error) when the cluster part failed
//	"fetch" {rooms?}                          → ack([{id, rooms, data, query, local}]) of io.In(rooms).FetchSockets()
//	"remote" {id, op, event?, data?, room?}   → on the fetched socket id: op "emit" (event, data),
//	                                            "join" room, "leave" room, "disconnect"; ack("ok")
//	"sockets-join" {rooms?, room}             → io.In(rooms).SocketsJoin(ctx, room); ack("ok")
//	"sockets-leave" {rooms?, room}            → io.In(rooms).SocketsLeave(ctx, room); ack("ok")
//	"disconnect-sockets" {rooms?}             → io.In(rooms).DisconnectSockets(ctx, false); ack("ok")
//	"sse" {event, data}                       → io.ServerSideEmit(ctx, event, data); ack("ok")
//	"sse-ack" {event, data}                   → ack({ok, responses | error}) of ServerSideEmitWithAck (3s)
//	"emit-ack" {rooms?, event, data}          → ack({ok, responses | error}) of To(rooms).EmitWithAck (3s)
//	"server-count"                            → ack(n)
//	"all-rooms"                               → ack(rooms of the whole cluster)
//	"emitter" {op, rooms?, except?, event?, data?, room?}
//	                                          → the same through the adapter's emitter (op "emit",
//	                                            "join", "leave", "disconnect", "sse"); ack("ok")
//	"socket-emit" {id, event, data, ack?, timeout?}
//	                                          → on this server's socket id, connected or not (see
//	                                            socketemit.go): Emit, or with ack Timeout(ms).EmitWithAck;
//	                                            ack({ok, response | error})
//
// Server-side events it listens to: "ping-server" data ack → ack({from:
// "go", data}); "note" data → io.Local().Emit("note-received", {by: "go",
// data}).
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/gosio/gosio/interop/internal/testserver"
	"github.com/gosio/gosio/socketio"
	"github.com/gosio/gosio/socketio/admin"
)

type target struct {
	Rooms  []string `json:"rooms"`
	Except []string `json:"except"`
	Event  string   `json:"event"`
	Data   any      `json:"data"`
	Room   string   `json:"room"`
	ID     string   `json:"id"`
	Op     string   `json:"op"`
}

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "listen address")
	redisAddr := flag.String("redis", "127.0.0.1:6379", "Redis address")
	redisCluster := flag.String("redis-cluster", "", "comma-separated seed addresses of a Redis Cluster (instead of -redis)")
	key := flag.String("key", "socket.io", "channel prefix")
	sharded := flag.Bool("sharded", false, "use the sharded adapter")
	mode := flag.String("mode", "dynamic", "sharded subscription mode")
	verbose := flag.Bool("v", false, "log to stderr")
	adminID := flag.String("admin", "", "instrument for the Admin UI (no authentication) with this server id")
	adapterName := flag.String("adapter", "redis", "cluster adapter (see adapters.go)")
	flag.Parse()

	logger := slog.New(slog.DiscardHandler)
	if *verbose {
		logger = slog.New(slog.NewTextHandler(os.Stderr, nil))
	}
	be, err := newBackend(*adapterName, config{redis: *redisAddr, cluster: splitList(*redisCluster), key: *key, mode: *mode, logger: logger, sharded: *sharded})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	defer be.close()
	opts := &socketio.Options{Adapter: be.factory, Logger: logger}
	for _, f := range optionHooks {
		f(opts)
	}
	io := socketio.NewServer(opts)
	setup(io, be.emitter)
	if *adminID != "" {
		a, err := admin.Instrument(io, admin.Options{NoAuth: true, ServerID: *adminID})
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		defer func() { _ = a.Close() }()
	}

	testserver.Run("clusternode", *addr, io, 3*time.Second, func(context.Context) { _ = io.Close() })
}

func op(io *socketio.Server, t target) *socketio.BroadcastOperator {
	return io.To(t.Rooms...).Except(t.Except...)
}

func result(rs []socketio.Response, err error) map[string]any {
	if err != nil {
		return map[string]any{"ok": false, "error": err.Error()}
	}
	vals := []any{}
	for _, r := range rs {
		v, err := r.Values()
		if err != nil || len(v) == 0 {
			vals = append(vals, nil)
			continue
		}
		vals = append(vals, v[0])
	}
	return map[string]any{"ok": true, "responses": vals}
}

func setup(io *socketio.Server, em emitterOp) {
	nsp := io.Of("/")
	nsp.On("ping-server", func(data any, ack socketio.Ack) { _ = ack(map[string]any{"from": "go", "data": data}) })
	nsp.On("note", func(data any) {
		_ = io.Local().Emit("note-received", map[string]any{"by": "go", "data": data})
	})
	io.OnConnection(func(s *socketio.Socket) {
		q := s.Handshake().Query
		// A recovered socket has its rooms and data back (-recovery).
		if rooms := q.Get("rooms"); rooms != "" && !s.Recovered() {
			s.Join(strings.Split(rooms, ",")...)
		}
		if q.Get("nodata") == "" && !s.Recovered() { // ?nodata=1 leaves the socket's data unset
			s.SetData(map[string]any{"runtime": "go", "tag": q.Get("tag")})
		}
		ctx := context.Background()
		for _, h := range socketHooks {
			h(s)
		}

		// Read as a map: binary data stays []byte (a struct's `any` field
		// would get it as base64 text).
		s.On("set-data", func(v map[string]any, ack socketio.Ack) { s.SetData(v); _ = ack("ok") })
		s.On("broadcast", func(m map[string]any, ack socketio.Ack) {
			t := target{Rooms: strings1(m["rooms"]), Except: strings1(m["except"]), Data: m["data"]}
			t.Event, _ = m["event"].(string)
			if err := op(io, t).Emit(t.Event, t.Data); err != nil {
				_ = ack(err.Error()) // delivered locally; the cluster part failed
				return
			}
			_ = ack("ok")
		})
		s.On("fetch", func(t target, ack socketio.Ack) {
			socks, err := op(io, t).FetchSockets(ctx)
			if err != nil {
				_ = ack(map[string]any{"error": err.Error()})
				return
			}
			out := []any{}
			for _, r := range socks {
				query := map[string]any{}
				if r.Handshake != nil {
					for k := range r.Handshake.Query {
						query[k] = r.Handshake.Query.Get(k)
					}
				}
				out = append(out, map[string]any{
					"id": r.ID, "rooms": r.Rooms, "data": r.Data, "query": query, "local": r.Local() != nil,
				})
			}
			_ = ack(out)
		})
		s.On("remote", func(t target, ack socketio.Ack) {
			socks, err := io.FetchSockets(ctx)
			if err != nil {
				_ = ack(err.Error())
				return
			}
			for _, r := range socks {
				if r.ID != t.ID {
					continue
				}
				switch t.Op {
				case "emit":
					err = r.Emit(ctx, t.Event, t.Data)
				case "join":
					err = r.Join(ctx, t.Room)
				case "leave":
					err = r.Leave(ctx, t.Room)
				case "disconnect":
					err = r.Disconnect(ctx, false)
				}
				if err != nil {
					_ = ack(err.Error())
				} else {
					_ = ack("ok")
				}
				return
			}
			_ = ack("not found")
		})
		s.On("sockets-join", func(t target, ack socketio.Ack) {
			_ = io.In(t.Rooms...).SocketsJoin(ctx, t.Room)
			_ = ack("ok")
		})
		s.On("sockets-leave", func(t target, ack socketio.Ack) {
			_ = io.In(t.Rooms...).SocketsLeave(ctx, t.Room)
			_ = ack("ok")
		})
		s.On("disconnect-sockets", func(t target, ack socketio.Ack) {
			_ = io.In(t.Rooms...).DisconnectSockets(ctx, false)
			_ = ack("ok")
		})
		s.On("sse", func(t target, ack socketio.Ack) {
			_ = io.ServerSideEmit(ctx, t.Event, t.Data)
			_ = ack("ok")
		})
		s.On("sse-ack", func(t target, ack socketio.Ack) {
			ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
			defer cancel()
			_ = ack(result(io.ServerSideEmitWithAck(ctx, t.Event, t.Data)))
		})
		s.On("emit-ack", func(t target, ack socketio.Ack) {
			_ = ack(result(op(io, t).Timeout(3*time.Second).EmitWithAck(ctx, t.Event, t.Data)))
		})
		s.On("server-count", func(ack socketio.Ack) {
			n, err := nsp.Adapter().ServerCount(ctx)
			if err != nil {
				_ = ack(err.Error())
				return
			}
			_ = ack(n)
		})
		s.On("all-rooms", func(ack socketio.Ack) {
			rooms, err := nsp.Adapter().AllRooms(ctx)
			if err != nil {
				_ = ack(err.Error())
				return
			}
			_ = ack(rooms)
		})
		s.On("emitter", func(t target, ack socketio.Ack) {
			if err := em(t); err != nil {
				_ = ack(err.Error())
				return
			}
			_ = ack("ok")
		})
	})
}

// strings1 reads a JSON array of strings.
func strings1(v any) []string {
	arr, _ := v.([]any)
	out := make([]string, 0, len(arr))
	for _, e := range arr {
		if s, ok := e.(string); ok {
			out = append(out, s)
		}
	}
	return out
}
