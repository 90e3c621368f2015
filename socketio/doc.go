// Package socketio is a Socket.IO server: namespaces, rooms, broadcasting,
// acknowledgements and middleware, wire-compatible with the official
// JavaScript clients — socket.io-client 4.x and 3.x (protocol 5) and, with
// engineio.Options.AllowEIO3, 2.x (protocol 4).
//
// # Getting started
//
// A [Server] is an [net/http.Handler]. Mount it, register a connection
// handler, and register each socket's event listeners in it:
//
//	io := socketio.NewServer(nil) // Node's defaults, path "/socket.io/"
//	io.On("connection", func(s *socketio.Socket) {
//		s.On("chat", func(msg Chat) { s.Broadcast().Emit("chat", msg) })
//		s.On("echo", func(v any, ack socketio.Ack) { ack(v) })
//	})
//	http.Handle("/socket.io/", io)
//	srv := &http.Server{
//		Addr:              ":3000",
//		ReadHeaderTimeout: 10 * time.Second,
//		MaxHeaderBytes:    16 << 10,
//		IdleTimeout:       60 * time.Second,
//	}
//	log.Fatal(srv.ListenAndServe())
//
// Serve it with an [net/http.Server] that bounds headers as above rather
// than with [net/http.ListenAndServe]: with net/http's zero values a client
// holds a connection forever by never finishing its headers, up to 1 MB of
// them. Node caps headers at 16 KB and times them out; so do these fields.
// A WriteTimeout, if set, must exceed the ping interval (25 s by default),
// which a long-polling GET may wait.
//
// Emitting works from any goroutine, for example from a REST handler:
//
//	io.Emit("posts", map[string]any{"action": "create", "post": post})
//
// # Listeners
//
// [Socket.On] takes a func whose parameters receive the event's arguments
// decoded from JSON: structs, maps, slices, strings, numbers, []byte for
// binary attachments, or any for a generic value; optionally a final [Ack]
// to answer the client; returning nothing or an error. The signature is
// inspected once, at registration: a func that cannot work panics there
// with a [*ListenerError], which is never turned into a disconnection.
// Arguments that do not decode do not reach the listener: the socket's
// "error" listeners get a [*DecodeError] and the connection stays up.
//
// [OnRequest] registers a typed request/response listener,
// func(*Socket, Req) (Resp, error), whose return answers the client's
// acknowledgement as {"data": resp} or, on any failure (an undecodable
// request, an error, a panic), {"error": {"code", "message", "data"}}
// ([RequestError]), so the client never waits for its own timeout.
//
// A json.RawMessage parameter gets the argument's JSON text without a copy:
// it shares the received message's bytes, which stay valid after the call,
// and must not be modified, as the event's other listeners see the same.
// With another parser (Options.Parser) the arguments decode the same way,
// from its format; see parser/msgpackparser for the msgpack one.
//
// # Arguments as sent, and relays
//
// A [RawArg] parameter keeps an argument exactly as the client sent it:
// its JSON text (key order, big integers, number spelling; Raw, Unmarshal
// into a json.Number) and its binary attachments. Emitted again, a RawArg
// goes out as a Node server relaying it would send it, byte for byte
// (JSON.stringify(JSON.parse(text)), attachments still binary). A listener
// func(*RawEvent), or OnAnyRaw for every event, receives every argument
// and the [Ack], for relays and gateways of events of any arity:
//
//	s.OnAnyRaw(func(ev *socketio.RawEvent) {
//		_ = s.Broadcast().Emit(ev.Name, ev.Forward()...)
//	})
//
// [Handshake].AuthRaw keeps the auth payload's text the same way.
//
// # Concurrency and ordering
//
//   - One socket's listeners (its connection handlers, events, and the
//     "disconnecting"/"disconnect" listeners) run one at a time, in the
//     order the client sent the events, on a goroutine that exists only
//     while the socket has work. A slow listener delays its own socket only;
//     other sockets, even on the same connection, go on.
//   - On WebSocket, an event for a socket with nothing queued runs on the
//     goroutine that read it, which saves a hand-off per event. A listener
//     may still block: before EmitWithAck waits, and once a listener has
//     run for 5 to 10 ms, reading moves to a new goroutine, so the answer it
//     waits for, heartbeats and the connection's other namespaces still get
//     through, and the socket's next events queue behind it.
//   - Events a client sends while its namespace connection is being set up
//     (middlewares, connection handlers) wait, so listeners registered in
//     the connection handler never miss an event.
//   - The events waiting for one socket's listeners are bounded
//     (Limits.MaxPendingEvents, MaxPendingEventBytes, and
//     MaxPendingEventBytesTotal for the server). Over a socket's bounds,
//     its client is slowed down while its listeners work; once they have
//     made no progress for 250 ms (a stuck listener), the event is refused
//     and the socket disconnected ("server namespace disconnect", logged),
//     so the connection's other namespaces go on and its client's leaving
//     is seen.
//   - The client learns it is connected (CONNECT) when the connection
//     handlers return, with what they emitted right behind it and the rooms
//     they joined in place. A connection handler that calls EmitWithAck
//     sends CONNECT then, so the client can answer.
//   - Emit, broadcasting, Join/Leave and every other method are safe for
//     concurrent use. Emit queues the packet and returns: it never waits for
//     the network. Packets emitted by one goroutine reach a client in the
//     order they were emitted. Emit encodes before it returns (copying
//     []byte attachments): the caller owns its arguments again at once.
//   - A broadcast is encoded once and the same bytes are queued for every
//     recipient; each connection has a single writer that sends all its
//     queued frames in one vectored write.
//   - An [Ack] may be called from any goroutine, once. [Socket.EmitWithAck]
//     blocks until the answer, the context's end or the disconnection; inside
//     a listener that holds up the socket's next events meanwhile, so call it
//     from a goroutine of your own when they must not wait.
//   - A listener that panics is recovered: the panic is logged through
//     Options.Logger (slog.Default() unless set) and the socket is
//     disconnected; the server goes on.
//
// # Failures are visible
//
// Diagnostics go to Options.Logger, which is slog.Default() unless set.
// Records name what they are about with the same attributes, engineio's
// and socketio's alike: "sid" (the Engine.IO session), "socket" (the
// socket id), "nsp", "transport", "address" (the connection's remote
// address), "reason" (a close or disconnect reason) and "err". Sessions
// opening, upgrading and closing, and sockets connecting and
// disconnecting, are logged at Debug; what needs a look (a refused
// connection, a listener's error, a client disconnected by a limit) at
// Warn, once per socket at most; panics and failures of the server itself
// at Error. Nothing is logged per message at Info or above.
// Packets the server drops — a broadcast that finds a slow client's queue
// full, a volatile packet, an event over the rate limit — are counted
// ([Server.Drops]) and reported one by one to Options.OnDrop.
//
// # Disconnection
//
// The reserved events "disconnecting" (rooms still readable) and
// "disconnect" receive a [DisconnectReason] with Node's strings.
//
// A socket ends at once when it disconnects (its client leaves, its
// connection ends, or the server disconnects it), whatever its listeners
// are doing: [Socket.Context] is cancelled, pending EmitWithAck calls
// return [ErrNotConnected], the events queued for it are dropped and it
// leaves its rooms. With connection state recovery, its state is saved
// then, before its "disconnecting" listeners run. A listener may therefore wait for the Context's end to learn of
// the disconnection. The "disconnecting" listeners ([Socket.Rooms] shows
// the rooms it was in) and then the "disconnect" ones run afterwards, once
// the listener running at that moment, if any, has returned. A client that
// leaves a namespace while it is still connecting (its middlewares or
// connection handlers run) is not left connected: the socket never
// connects, or, if the connection handlers had started, gets its
// "disconnect" once they return.
//
// [Server.Shutdown] drains and disconnects every socket with "server
// shutting down".
//
// # Clusters
//
// Rooms and broadcasts go through an [Adapter]. The default keeps them in
// memory; cluster adapters (Redis) forward operations to other servers.
// With connection state recovery on, an adapter that is a
// [SessionAdapter] keeps the sessions and the events in the cluster's
// store, so that a client recovers on any server; a server that shuts
// down saves its sockets' sessions there before it closes the adapters,
// and sends them no DISCONNECT, so that they come back. As in Node, a
// socket's own emits are then broadcasts to its room, stored there: those
// asking an answer too (replayed without their ack id), and those made
// while the socket is away.
//
// # Observing
//
// [Server.Stats] and [engineio.Server.Stats] (through [Server.Engine])
// count connections, messages, bytes, broadcasts and what each limit
// refused, with an atomic add, from their first call on; [Server.Observe]
// and [engineio.Server.Observe] report sockets and sessions opening,
// upgrading and closing. Nothing is paid until they are asked for. The
// packages socketio/admin (the Socket.IO Admin UI) and socketio/metrics
// (Prometheus) are built on them.
package socketio
