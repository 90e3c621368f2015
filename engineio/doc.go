// Package engineio is an Engine.IO server: the transport layer under
// Socket.IO. It speaks protocol 4 (engine.io-client 4+ / socket.io-client
// 3+) and, with Options.AllowEIO3, protocol 3 (socket.io-client 2.x), over
// HTTP long-polling (XHR, binary payloads, base64, JSONP) and WebSocket,
// including the upgrade from one to the other. It knows nothing of
// Socket.IO: a [Handler] receives each session's messages.
//
// A [Server] is an [net/http.Handler]; mount it at Options.Path
// ("/engine.io/" by default), and serve it with an [net/http.Server] whose
// ReadHeaderTimeout, MaxHeaderBytes (16 KB, as Node) and IdleTimeout are
// set: with net/http's zero values a client holds a connection forever by
// never finishing up to 1 MB of headers, which the engine never sees.
//
// # Sessions and the write path
//
// A [Session] outlives the requests and transports that carry it. Its
// outbound queue is bounded (Options.MaxQueuedMessages) and is drained by a
// single writer at a time: the waiting polling GET, or for a WebSocket one
// of the server's few flusher goroutines, which sends everything queued in
// one non-blocking vectored write (writev) and hands what the socket did not
// take to a writer goroutine of the connection's own, which exists only
// until its queue is empty. [Session.Send] only appends to the
// queue, so senders never block on the network and never hold a lock while
// writing. A [Message] caches its WebSocket frame bytes, so sending one
// Message to many sessions encodes it once.
//
// # Concurrency
//
// Handler.OnMessage is called one message at a time per session, in the
// order the client sent them, whichever transport carried them; while it
// runs, that session's transport does not read. OnClose is called once,
// after the last OnMessage. Session methods are safe for concurrent use.
// Heartbeats use timers, not goroutines: an idle WebSocket session has one
// goroutine (its reader), an idle polling session none.
//
// # Errors
//
// Bad requests get the protocol's JSON error ({"code":N,"message":...})
// with HTTP 400 (403 for Forbidden); oversized POST bodies get 413. A
// client that breaks the protocol loses its own session, never another's.
package engineio
