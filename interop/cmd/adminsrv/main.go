// Command adminsrv is the server the Admin UI interop suites
// (interop/test/admin*.test.mjs) drive: a Socket.IO server instrumented
// with socketio/admin. It is not meant for production use.
//
// It prints exactly one line "LISTENING <port>" on stdout once it accepts
// connections, and shuts down on SIGINT/SIGTERM.
//
// Application namespaces "/" and "/chat": every socket answers
//
//	"echo" arg ack        → ack(arg)
//	"shout" ...args        → emit "shout" ...args back to the socket
//	"join" room ack        → join room, ack(sorted rooms)
//	"set-data" value ack   → SetData(value), ack("ok")
//	"broadcast" room v ack → broadcast "news" v to room, ack("ok")
//
// and a middleware of "/chat" sets the socket's data to {"user": auth.user}.
//
// Flags: -addr; -user and -password (basic authentication, the password
// hashed with bcrypt at start-up, as Node's users hash theirs beforehand);
// -readonly; -production; -admin-nsp; -server-id; -ui DIR serves the Admin
// UI's files (the npm package's ui/dist) at /admin-ui/.
package main

import (
	"context"
	"flag"
	"log"
	"log/slog"
	"net/http"
	"os"
	"slices"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/gosio/gosio/interop/internal/testserver"
	"github.com/gosio/gosio/socketio"
	"github.com/gosio/gosio/socketio/admin"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "listen address")
	user := flag.String("user", "", "admin user name (basic authentication when set)")
	password := flag.String("password", "", "admin password")
	readonly := flag.Bool("readonly", false, "read-only admin")
	production := flag.Bool("production", false, "production mode")
	adminNsp := flag.String("admin-nsp", "", "admin namespace (default /admin)")
	serverID := flag.String("server-id", "", "server id shown in the UI")
	ui := flag.String("ui", "", "directory of the Admin UI's files, served at /admin-ui/")
	verbose := flag.Bool("v", false, "log to stderr")
	flag.Parse()

	opts := &socketio.Options{}
	if *verbose {
		opts.Logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	io := socketio.NewServer(opts)
	setup := func(s *socketio.Socket) {
		s.On("echo", func(v any, ack socketio.Ack) { _ = ack(v) })
		s.On("shout", func(args ...any) { _ = s.Emit("shout", args...) })
		s.On("join", func(room string, ack socketio.Ack) {
			_ = s.Join(room)
			rooms := s.Rooms()
			slices.Sort(rooms)
			_ = ack(rooms)
		})
		s.On("set-data", func(v any, ack socketio.Ack) { s.SetData(v); _ = ack("ok") })
		s.On("broadcast", func(room string, v any, ack socketio.Ack) {
			_ = s.Namespace().To(room).Emit("news", v)
			_ = ack("ok")
		})
	}
	io.OnConnection(setup)
	chat := io.Of("/chat")
	chat.Use(func(s *socketio.Socket) error {
		s.SetData(map[string]any{"user": s.Handshake().Auth["user"]})
		return nil
	})
	chat.OnConnection(setup)

	aopts := admin.Options{Namespace: *adminNsp, ReadOnly: *readonly, ServerID: *serverID, NoAuth: *user == ""}
	if *production {
		aopts.Mode = admin.Production
	}
	if *user != "" {
		hash, err := bcrypt.GenerateFromPassword([]byte(*password), bcrypt.MinCost)
		if err != nil {
			log.Fatal(err)
		}
		aopts.Auth = &admin.BasicAuth{Username: *user, PasswordHash: string(hash)}
	}
	adm, err := admin.Instrument(io, aopts)
	if err != nil {
		log.Fatal(err)
	}

	mux := http.NewServeMux()
	mux.Handle("/socket.io/", io)
	if *ui != "" {
		mux.Handle("/admin-ui/", http.StripPrefix("/admin-ui/", http.FileServer(http.Dir(*ui))))
	}
	testserver.Run("adminsrv", *addr, mux, 3*time.Second, func(ctx context.Context) {
		_ = adm.Close()
		_ = io.Shutdown(ctx)
	})
}
