// Command hostiletarget is the server the adversarial runner
// (interop/cmd/hostile, internal/hostile) attacks. It is configured like the
// README's minimal server — default options plus AllowEIO3, an http.Server
// with ReadHeaderTimeout, MaxHeaderBytes 16 KB and IdleTimeout — and runs in
// a process of its own, so that the memory measured is the server's alone.
// It is not meant for production use.
//
// It prints "LISTENING <port>" (the Socket.IO server) and "STATS <port>" (a
// second listener, out of the attackers' way) on stdout once both accept
// connections, and exits on SIGINT/SIGTERM or when stdin closes.
//
// Listeners on "/":
//
//	"echo" v ack       → ack(v)
//	"join" room ack    → ack(true) if Join succeeded, else ack(false)
//	"stuck"            → blocks for the life of the process
//	"sink" ...         → nothing (events to queue behind "stuck")
//	"wait-done"        → blocks until s.Context() is done
//	"panic"            → panics
//	"flood" n size     → emits n "blob" events of size bytes to the socket
//	                     without waiting (the outbound queue bounds them)
//
// GET /stats on the stats port answers, after a GC, with the JSON of
// [hostile.Stats]: heap, goroutines, engine sessions, sockets and rooms of
// "/", and the counters of connections, disconnects, "wait-done" listeners
// waiting and released, and "flood" emits refused. GET /stats?free=1
// returns freed memory to the OS first, so that RSS shows what is live.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"runtime"
	"runtime/debug"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/gosio/gosio/engineio"
	"github.com/gosio/gosio/internal/hostile"
	"github.com/gosio/gosio/socketio"
)

type counters struct {
	connections, disconnects atomic.Int64
	waiting, released        atomic.Int64
	refused, floods          atomic.Int64
}

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "Socket.IO listen address")
	statsAddr := flag.String("stats-addr", "127.0.0.1:0", "stats listen address")
	headerTimeout := flag.Duration("read-header-timeout", 10*time.Second, "http.Server.ReadHeaderTimeout")
	verbose := flag.Bool("v", false, "log to stderr")
	plainHTTP := flag.Bool("plain-http-server", false, "serve with net/http's zero values, as http.ListenAndServe does")
	flag.Parse()

	logger, errorLog := slog.New(slog.DiscardHandler), io.Discard
	if *verbose {
		logger, errorLog = slog.New(slog.NewTextHandler(os.Stderr, nil)), os.Stderr
	}
	sio := socketio.NewServer(&socketio.Options{
		Engine: engineio.Options{AllowEIO3: true},
		Logger: logger,
	})
	var c counters
	never := make(chan struct{}) // "stuck" listeners wait on it for good
	sio.On("connection", func(s *socketio.Socket) {
		c.connections.Add(1)
		s.On("disconnect", func(string) { c.disconnects.Add(1) })
		s.On("echo", func(v any, ack socketio.Ack) { _ = ack(v) })
		s.On("join", func(room string, ack socketio.Ack) { _ = ack(s.Join(room) == nil) })
		s.On("stuck", func() { <-never })
		s.On("sink", func(...any) {})
		s.On("wait-done", func() {
			c.waiting.Add(1)
			<-s.Context().Done()
			c.released.Add(1)
		})
		s.On("panic", func() { panic("hostile: a listener panics") })
		s.On("flood", func(n, size int) {
			blob := strings.Repeat("x", size)
			for range n {
				if s.Emit("blob", blob) != nil {
					c.refused.Add(1)
				}
			}
			c.floods.Add(1)
		})
	})

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatalf("hostiletarget: %v", err)
	}
	sln, err := net.Listen("tcp", *statsAddr)
	if err != nil {
		log.Fatalf("hostiletarget: %v", err)
	}
	// The README's minimal server, with the header timeout a flag so that
	// a short run need not wait 10 s for the server to drop a header flood.
	srv := &http.Server{
		Handler:           sio,
		ReadHeaderTimeout: *headerTimeout,
		MaxHeaderBytes:    16 << 10,
		IdleTimeout:       60 * time.Second,
		ErrorLog:          log.New(errorLog, "", 0),
	}
	if *plainHTTP {
		// http.ListenAndServe's server, to measure what the fields save.
		srv = &http.Server{Handler: sio, ErrorLog: srv.ErrorLog}
	}
	go func() { _ = srv.Serve(ln) }()
	go func() { _ = http.Serve(sln, statsHandler(sio, &c)) }()
	fmt.Printf("LISTENING %d\nSTATS %d\n", ln.Addr().(*net.TCPAddr).Port, sln.Addr().(*net.TCPAddr).Port)

	// The runner ends the process with a signal, or by going away.
	gone := make(chan struct{})
	go func() {
		_, _ = io.Copy(io.Discard, os.Stdin)
		close(gone)
	}()
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGINT, syscall.SIGTERM)
	select {
	case <-sig:
	case <-gone:
	}
	// Listeners are stuck on purpose: no graceful shutdown to wait for.
	os.Exit(0)
}

func statsHandler(sio *socketio.Server, c *counters) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("free") != "" {
			debug.FreeOSMemory()
		} else {
			runtime.GC()
		}
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		nsp := sio.Of("/")
		rooms, _ := nsp.Adapter().AllRooms(context.Background())
		st := hostile.Stats{
			Heap:        ms.HeapAlloc,
			Goroutines:  runtime.NumGoroutine(),
			Sessions:    sio.Engine().SessionCount(),
			Sockets:     len(nsp.Sockets()),
			Rooms:       len(rooms),
			Connections: c.connections.Load(),
			Disconnects: c.disconnects.Load(),
			Waiting:     c.waiting.Load(),
			Released:    c.released.Load(),
			Refused:     c.refused.Load(),
			Floods:      c.floods.Load(),
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(st)
	})
}
