// Command feed is a small REST API for posts whose every change is pushed
// live to the browsers over Socket.IO — the Express + MongoDB + socket.io
// tutorial pattern, in Go with gosio and bbolt. See README.md next to this
// file for the flags, the API and the cross-origin setup.
//
//	examples/run.sh feed -cors-origin http://localhost:5173
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
	"path/filepath"
	"runtime"
	"syscall"
	"time"

	"github.com/gosio/gosio/engineio"
	"github.com/gosio/gosio/examples/internal/clientjs"
	"github.com/gosio/gosio/socketio"
)

//go:embed static
var static embed.FS

func main() {
	addr := flag.String("addr", "localhost:4000", "listen address; the default accepts connections from this machine only, :4000 from every network interface (port 0 picks a free port)")
	dbPath := flag.String("db", defaultDBPath(), "bbolt database file (empty: keep posts in memory)")
	corsOrigin := flag.String("cors-origin", "", "comma-separated origins whose pages may use the REST API and Socket.IO, with credentials; or * for any origin, without credentials")
	clientDir := flag.String("client-dir", "", "directory holding socket.io.min.js (default: examples/node_modules/socket.io-client/dist)")
	flag.Parse()
	log.SetPrefix("feed: ")

	dir, err := clientjs.Dir(*clientDir)
	if err != nil {
		log.Fatal(err)
	}
	var store Store = NewMemoryStore()
	if *dbPath != "" {
		path, err := filepath.Abs(*dbPath)
		if err == nil {
			err = os.MkdirAll(filepath.Dir(path), 0o700)
		}
		if err == nil {
			store, err = OpenBoltStore(path)
		}
		if err != nil {
			log.Fatal(err)
		}
		log.Printf("posts are stored in %s", path)
	} else {
		log.Print("posts are kept in memory (-db \"\"): they go when the feed stops")
	}

	handler, io := newServer(store, corsPolicy(*corsOrigin), dir)

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
		Handler:           handler,
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
	// A short deadline: the pages reconnect by themselves once the feed is
	// back, and a process manager waits for the port to be free.
	shutdown, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	io.Shutdown(shutdown) // ends the long-polling requests first...
	if srv.Shutdown(shutdown) != nil {
		srv.Close() // ...so the HTTP server finds its connections idle, or closes them
	}
	if err := store.Close(); err != nil {
		log.Print(err)
	}
}

// defaultDBPath is where the posts are kept unless -db says otherwise: a
// file in the user's data directory, so the feed finds its posts again
// whichever directory it is started from.
func defaultDBPath() string {
	dir := os.Getenv("XDG_DATA_HOME")
	if dir == "" {
		switch runtime.GOOS {
		case "darwin", "ios", "windows":
			dir, _ = os.UserConfigDir() // Application Support, AppData: their place for app data too
		default:
			if home, err := os.UserHomeDir(); err == nil {
				dir = filepath.Join(home, ".local", "share")
			}
		}
	}
	if dir == "" {
		return "feed.db"
	}
	return filepath.Join(dir, "gosio-feed", "feed.db")
}

// newServer wires the REST API, Socket.IO, the page and CORS together.
// cors may be nil (same-origin pages only); clientDir may be empty (tests):
// then /socket.io.min.js is not served.
func newServer(store Store, cors *engineio.CORSOptions, clientDir string) (http.Handler, *socketio.Server) {
	io := socketio.NewServer(&socketio.Options{Engine: engineio.Options{
		AllowEIO3: true, // socket.io-client 2.x frontends can connect too
		CORS:      cors,
	}})
	io.On("connection", func(s *socketio.Socket) {
		log.Printf("client %s connected", s.ID())
		s.On("disconnect", func(reason socketio.DisconnectReason) {
			log.Printf("client %s disconnected (%s)", s.ID(), reason)
		})
	})

	app := http.NewServeMux() // the REST API and the page
	(&API{Store: store, IO: io}).Register(app)
	if clientDir != "" {
		clientjs.Register(app, clientDir)
	}
	files, _ := fs.Sub(static, "static")
	app.Handle("GET /{$}", http.FileServerFS(files))
	app.Handle("GET /static/", http.StripPrefix("/static/", http.FileServerFS(files)))
	// The pages name their icon, but other clients still ask for
	// /favicon.ico: answer with the icon rather than a 404.
	app.HandleFunc("GET /favicon.ico", func(w http.ResponseWriter, r *http.Request) {
		http.ServeFileFS(w, r, files, "favicon.svg")
	})
	// One CORS policy covers both: the engine applies it to /socket.io/,
	// and CORSOptions.Handler, the same code, to the rest.
	mux := http.NewServeMux()
	mux.Handle("/socket.io/", io)
	mux.Handle("/", cors.Handler(app))
	return mux, io
}
