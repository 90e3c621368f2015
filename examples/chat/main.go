// Command chat is the classic Socket.IO chat served by gosio: nicknames,
// rooms, "joined"/"left" notices, a typing indicator and a per-room list of
// the people online.
//
//	examples/run.sh chat                 # http://localhost:3000, this machine only
//	examples/run.sh chat -addr :3000     # every network interface
//
// Events (client → server): "join" (name, room), "chat" (text), "typing",
// "stop typing". Events (server → client): "chat" (message), "joined" and
// "left" (name), "typing" and "stop typing" (name), "users" ([]name). All of
// them are scoped to the sender's current room.
package main

import (
	"context"
	"embed"
	"flag"
	"fmt"
	"io/fs"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/gosio/gosio/examples/internal/clientjs"
	"github.com/gosio/gosio/examples/internal/ops"
	"github.com/gosio/gosio/socketio"
)

//go:embed static
var static embed.FS

// rooms are the rooms a user can switch between; the first is the default.
var rooms = []string{"general", "random", "go"}

// user is what the server remembers about each socket (see Socket.SetData).
type user struct {
	Name string
	Room string
}

// message is a chat message as the clients receive it.
type message struct {
	Name string    `json:"name"`
	Text string    `json:"text"`
	Time time.Time `json:"time"`
}

func main() {
	addr := flag.String("addr", "localhost:3000", "listen address; the default accepts connections from this machine only, :3000 from every network interface (port 0 picks a free port)")
	clientDir := flag.String("client-dir", "", "directory holding socket.io.min.js (default: examples/node_modules/socket.io-client/dist)")
	opsFlags := ops.Define() // -admin, -admin-password, -admin-ui-dir, -metrics: off by default
	flag.Parse()
	log.SetPrefix("chat: ")

	dir, err := clientjs.Dir(*clientDir)
	if err != nil {
		log.Fatal(err)
	}

	io := socketio.NewServer(nil)
	io.On("connection", func(s *socketio.Socket) {
		s.On("join", func(name, room string) {
			name = strings.TrimSpace(name)
			if name == "" || !slices.Contains(rooms, room) {
				return
			}
			if old, ok := s.Data().(user); ok { // switching rooms
				s.Leave(old.Room)
				s.To(old.Room).Emit("left", old.Name)
				sendUsers(io, old.Room)
			}
			s.SetData(user{Name: name, Room: room})
			s.Join(room)
			s.To(room).Emit("joined", name)
			sendUsers(io, room)
		})
		s.On("chat", func(text string) {
			u, ok := s.Data().(user)
			if text = strings.TrimSpace(text); !ok || text == "" {
				return
			}
			// Everyone in the room, sender included, gets the message.
			io.To(u.Room).Emit("chat", message{Name: u.Name, Text: text, Time: time.Now()})
		})
		s.On("typing", func() {
			if u, ok := s.Data().(user); ok {
				s.To(u.Room).Emit("typing", u.Name)
			}
		})
		s.On("stop typing", func() {
			if u, ok := s.Data().(user); ok {
				s.To(u.Room).Emit("stop typing", u.Name)
			}
		})
		s.On("disconnect", func(reason socketio.DisconnectReason) {
			if u, ok := s.Data().(user); ok {
				io.To(u.Room).Emit("left", u.Name)
				sendUsers(io, u.Room)
			}
		})
	})

	mux := http.NewServeMux()
	mux.Handle("/socket.io/", io)
	clientjs.Register(mux, dir)
	stopOps, err := opsFlags.Mount(mux, io)
	if err != nil {
		log.Fatal(err)
	}
	defer stopOps()
	files, _ := fs.Sub(static, "static")
	mux.Handle("GET /{$}", http.FileServerFS(files))
	mux.Handle("GET /static/", http.StripPrefix("/static/", http.FileServerFS(files)))
	// The pages name their icon, but other clients still ask for
	// /favicon.ico: answer with the icon rather than a 404.
	mux.HandleFunc("GET /favicon.ico", func(w http.ResponseWriter, r *http.Request) {
		http.ServeFileFS(w, r, files, "favicon.svg")
	})

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	fmt.Printf("LISTENING %d\n", port) // read by the e2e tests
	log.Printf("open http://localhost:%d (listening on %s)", port, ln.Addr())

	// Header limits set explicitly, because the zero values leave a server
	// open to header floods: without ReadHeaderTimeout a client that trickles
	// header bytes holds its connection (and goroutine) forever, and
	// MaxHeaderBytes would be 1 MB; 16 KB is Node's limit. IdleTimeout ends
	// idle keep-alive connections. No WriteTimeout: a long-polling GET waits
	// up to pingInterval (25 s) for data. See docs/ROBUSTNESS.md, "What the
	// application must set".
	srv := &http.Server{
		Handler:           mux,
		ReadHeaderTimeout: 10 * time.Second,
		MaxHeaderBytes:    16 << 10,
		IdleTimeout:       60 * time.Second,
	}
	go func() {
		if err := srv.Serve(ln); err != http.ErrServerClosed {
			log.Fatal(err)
		}
	}()

	// Graceful shutdown on Ctrl-C or SIGTERM. It takes half a second at
	// most, so more signals meanwhile are ignored rather than cutting it short.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	<-ctx.Done()
	log.Print("shutting down")
	// A short deadline: the pages reconnect by themselves once the chat is
	// back, and a process manager waits for the port to be free.
	shutdown, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	io.Shutdown(shutdown) // ends the long-polling requests first...
	if srv.Shutdown(shutdown) != nil {
		srv.Close() // ...so the HTTP server finds its connections idle, or closes them
	}
}

// sendUsers tells everyone in room who is there.
func sendUsers(io *socketio.Server, room string) {
	sockets, err := io.In(room).FetchSockets(context.Background())
	if err != nil {
		return
	}
	names := []string{}
	for _, s := range sockets {
		if u, ok := s.Data.(user); ok {
			names = append(names, u.Name)
		}
	}
	slices.Sort(names)
	io.To(room).Emit("users", names)
}
