package socketio_test

import (
	"context"
	"fmt"
	"log"
	"net/http"
	"os/signal"
	"syscall"
	"time"

	"github.com/gosio/gosio/engineio"
	"github.com/gosio/gosio/socketio"
)

type Post struct {
	ID    string `json:"_id"`
	Title string `json:"title"`
}

// A chat: every message reaches everyone else; acknowledgements answer the
// sender.
func Example() {
	io := socketio.NewServer(nil)
	io.On("connection", func(s *socketio.Socket) {
		s.On("chat", func(text string) {
			s.Broadcast().Emit("chat", s.ID(), text)
		})
		s.On("echo", func(v any, ack socketio.Ack) { _ = ack(v) })
	})
	http.Handle("/socket.io/", io)
	// Not http.ListenAndServe: its zero values let a client hold a
	// connection forever with up to 1 MB of unfinished headers. These bound
	// them as Node does (16 KB, timed out).
	srv := &http.Server{
		Addr:              ":3000",
		ReadHeaderTimeout: 10 * time.Second,
		MaxHeaderBytes:    16 << 10,
		IdleTimeout:       60 * time.Second,
	}
	_ = srv // log.Fatal(srv.ListenAndServe())
}

// A REST handler saves a post, then tells every connected page.
func ExampleServer_Emit() {
	io := socketio.NewServer(nil)
	http.HandleFunc("POST /posts", func(w http.ResponseWriter, r *http.Request) {
		post := Post{ID: "1", Title: "Hello"} // saved somewhere
		if err := io.Emit("posts", map[string]any{"action": "create", "post": post}); err != nil {
			log.Print(err)
		}
		w.WriteHeader(http.StatusCreated)
	})
}

// Connect middleware authenticates; its error reaches the client as a
// connect_error with message and data.
func ExampleNamespace_Use() {
	io := socketio.NewServer(nil)
	io.Of("/admin").Use(func(s *socketio.Socket) error {
		if s.Handshake().Auth["token"] != "secret" {
			return &socketio.ConnectError{Message: "not authorized", Data: map[string]any{"code": 401}}
		}
		s.SetData("admin")
		return nil
	})
}

// Rooms: join on request, then target a room, leaving one socket out.
func ExampleBroadcastOperator() {
	io := socketio.NewServer(nil)
	io.On("connection", func(s *socketio.Socket) {
		s.On("join", func(room string) { s.Join(room) })
		s.On("say", func(room, text string) {
			s.To(room).Emit("said", text) // everyone in room but s
		})
	})
	_ = io.To("lobby").Except("muted").Emit("announcement", "maintenance at noon")
}

// Ask every client and gather the answers, as they arrive.
func ExampleBroadcastOperator_EmitWithAckSeq() {
	io := socketio.NewServer(nil)
	ctx := context.Background()
	for resp, err := range io.Timeout(2*time.Second).EmitWithAckSeq(ctx, "status?") {
		if err != nil {
			fmt.Println("some clients did not answer:", err)
			break
		}
		var status string
		_ = resp.Decode(&status)
		fmt.Println(resp.SocketID, status)
	}
	// Output:
}

// Ask one client and wait for its answer.
func ExampleSocket_EmitWithAck() {
	io := socketio.NewServer(nil)
	io.On("connection", func(s *socketio.Socket) {
		go func() {
			resp, err := s.Timeout(5*time.Second).EmitWithAck(s.Context(), "confirm", "delete everything?")
			if err != nil {
				return // timed out or disconnected
			}
			var yes bool
			_ = resp.Decode(&yes)
		}()
	})
}

// Graceful shutdown: stop the HTTP server, then drain the sockets.
func ExampleServer_Shutdown() {
	io := socketio.NewServer(&socketio.Options{
		Engine: engineio.Options{AllowEIO3: true}, // socket.io-client 2.x too
	})
	srv := &http.Server{
		Addr:    ":3000",
		Handler: io,
		// Bounded headers, as in Example.
		ReadHeaderTimeout: 10 * time.Second,
		MaxHeaderBytes:    16 << 10,
		IdleTimeout:       60 * time.Second,
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	go func() {
		<-ctx.Done()
		shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = io.Shutdown(shutdownCtx) // hijacked WebSockets are not seen by srv.Shutdown
		_ = srv.Shutdown(shutdownCtx)
	}()
	// log.Fatal(srv.ListenAndServe())
}
