// Command siosuite is the Socket.IO server that the protocol checks in
// interop/test/protocol-sio.test.mjs drive: it behaves as the reference
// server the Socket.IO protocol's test suite describes, so that the
// official suite can be run against gosio too. It is not meant for
// production use.
//
// It prints exactly one line "LISTENING <port>" on stdout once it accepts
// connections, and shuts down on SIGINT/SIGTERM.
//
// Namespaces "/" and "/custom" exist. On connection a socket is sent
// "auth" with the auth payload of its CONNECT packet. On "/" it answers
//
//	"message" ...args          → emit "message-back" ...args
//	"message-with-ack" ...args → ack(...args)
//
// Flags: -addr, -ping-interval, -ping-timeout, -max-payload,
// -connect-timeout (defaults: the suite's 300 ms, 200 ms, 1,000,000 bytes
// and 1 s), -v.
package main

import (
	"context"
	"flag"
	"log/slog"
	"os"
	"time"

	"github.com/gosio/gosio/engineio"
	"github.com/gosio/gosio/interop/internal/testserver"
	"github.com/gosio/gosio/socketio"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "listen address")
	pingInterval := flag.Duration("ping-interval", 300*time.Millisecond, "Engine.IO ping interval")
	pingTimeout := flag.Duration("ping-timeout", 200*time.Millisecond, "Engine.IO ping timeout")
	maxPayload := flag.Int64("max-payload", 1_000_000, "Engine.IO maxPayload in bytes")
	connectTimeout := flag.Duration("connect-timeout", time.Second, "Socket.IO connect timeout")
	verbose := flag.Bool("v", false, "log to stderr")
	flag.Parse()

	opts := &socketio.Options{
		Engine: engineio.Options{
			PingInterval:      *pingInterval,
			PingTimeout:       *pingTimeout,
			MaxHTTPBufferSize: *maxPayload,
			CORS:              &engineio.CORSOptions{AllowedOrigins: []string{"*"}},
		},
		ConnectTimeout: *connectTimeout,
	}
	if *verbose {
		opts.Logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	io := socketio.NewServer(opts)
	io.Of("/").OnConnection(func(s *socketio.Socket) {
		_ = s.Emit("auth", authOf(s))
		// OnAny runs before the event's own listener and hands it the
		// arguments, so the listener only needs the Ack.
		var args []any
		s.OnAny(func(event string, a ...any) {
			switch event {
			case "message":
				_ = s.Emit("message-back", a...)
			case "message-with-ack":
				args = a
			}
		})
		s.On("message-with-ack", func(ack socketio.Ack) {
			a := args
			args = nil
			_ = ack(a...)
		})
	})
	io.Of("/custom").OnConnection(func(s *socketio.Socket) {
		_ = s.Emit("auth", authOf(s))
	})

	testserver.Run("siosuite", *addr, io, 2*time.Second, func(context.Context) { _ = io.Close() })
}

// authOf is the CONNECT packet's auth payload, {} when it had none.
func authOf(s *socketio.Socket) map[string]any {
	if a := s.Handshake().Auth; a != nil {
		return a
	}
	return map[string]any{}
}
