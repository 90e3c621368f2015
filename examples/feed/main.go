// Command feed is a small REST API for posts whose every change is pushed
// live to the browsers over Socket.IO — the Express + MongoDB + socket.io
// tutorial pattern, in Go with gosio and bbolt.
//
//	npm ci --prefix examples      # once: installs the browser client
//	go run ./examples/feed -addr :4000 -db feed.db -cors-origin http://localhost:5173
//
// REST: GET /posts?page=1&perPage=2, GET /posts/{id}, POST /posts,
// PUT /posts/{id}, DELETE /posts/{id}. Socket.IO event "posts":
// {action: "create"|"update", post} or {action: "delete", post: id}.
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

	"github.com/gosio/gosio/engineio"
	"github.com/gosio/gosio/examples/internal/clientjs"
	"github.com/gosio/gosio/socketio"
)

//go:embed static
var static embed.FS

func main() {
	addr := flag.String("addr", ":4000", "listen address (port 0 picks a free port)")
	dbPath := flag.String("db", "feed.db", "bbolt database file (empty: keep posts in memory)")
	corsOrigin := flag.String("cors-origin", "", "comma-separated origins allowed to call the API and connect cross-origin")
	clientDir := flag.String("client-dir", "", "directory holding socket.io.min.js (default: examples/node_modules/socket.io-client/dist)")
	flag.Parse()

	dir, err := clientjs.Dir(*clientDir)
	if err != nil {
		log.Fatal(err)
	}
	var store Store = NewMemoryStore()
	if *dbPath != "" {
		if store, err = OpenBoltStore(*dbPath); err != nil {
			log.Fatalf("open %s: %v", *dbPath, err)
		}
	}
	var origins []string
	for _, o := range strings.Split(*corsOrigin, ",") {
		if o = strings.TrimSpace(o); o != "" {
			origins = append(origins, o)
		}
	}

	handler, io := newServer(store, origins, dir)

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	fmt.Printf("LISTENING %d\n", port) // read by the e2e tests
	log.Printf("feed: open http://localhost:%d (database %q)", port, *dbPath)

	srv := &http.Server{Handler: handler}
	go func() {
		if err := srv.Serve(ln); err != http.ErrServerClosed {
			log.Fatal(err)
		}
	}()

	// Graceful shutdown on Ctrl-C or SIGTERM.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	<-ctx.Done()
	log.Print("feed: shutting down")
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	io.Shutdown(shutdown)  // ends the long-polling requests first...
	srv.Shutdown(shutdown) // ...so the HTTP server finds its connections idle
	if err := store.Close(); err != nil {
		log.Print(err)
	}
}

// newServer wires the REST API, Socket.IO, the page and CORS together.
// clientDir may be empty (tests): then /socket.io.min.js is not served.
func newServer(store Store, origins []string, clientDir string) (http.Handler, *socketio.Server) {
	io := socketio.NewServer(&socketio.Options{Engine: engineio.Options{
		AllowEIO3: true, // socket.io-client 2.x frontends can connect too
		CORS:      &engineio.CORSOptions{AllowedOrigins: origins, AllowCredentials: true},
	}})
	io.On("connection", func(s *socketio.Socket) {
		log.Printf("feed: client %s connected", s.ID())
		s.On("disconnect", func(reason socketio.DisconnectReason) {
			log.Printf("feed: client %s disconnected (%s)", s.ID(), reason)
		})
	})

	mux := http.NewServeMux()
	mux.Handle("/socket.io/", io)
	(&API{Store: store, IO: io}).Register(mux)
	if clientDir != "" {
		clientjs.Register(mux, clientDir)
	}
	files, _ := fs.Sub(static, "static")
	mux.Handle("GET /{$}", http.FileServerFS(files))
	mux.Handle("GET /static/", http.StripPrefix("/static/", http.FileServerFS(files)))
	return withCORS(origins, mux), io
}

// withCORS adds CORS headers for the allowed origins and answers preflight
// requests. /socket.io/ is left alone: the engine has its own CORS options.
func withCORS(origins []string, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/socket.io/") {
			next.ServeHTTP(w, r)
			return
		}
		h := w.Header()
		h.Add("Vary", "Origin")
		origin := r.Header.Get("Origin")
		allowed := origin != "" && slices.Contains(origins, origin)
		if allowed {
			h.Set("Access-Control-Allow-Origin", origin)
			h.Set("Access-Control-Allow-Credentials", "true")
		}
		if r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != "" {
			if allowed {
				h.Set("Access-Control-Allow-Methods", "GET, POST, PUT, DELETE, OPTIONS")
				h.Set("Access-Control-Allow-Headers", "Content-Type, Authorization")
				h.Set("Access-Control-Max-Age", "600")
			}
			w.WriteHeader(http.StatusNoContent)
			return
		}
		next.ServeHTTP(w, r)
	})
}
