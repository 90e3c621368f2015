// Command apitest is the Socket.IO test server of the API suite,
// interop/test/socketio-api.test.mjs: what an application sees of the
// server's API (shutdown deadlines, logging, dropped packets, errors,
// request/response listeners, emit ownership, the handshake's request). It
// is not meant for production use.
//
// It prints exactly one line "LISTENING <port>" on stdout once it accepts
// connections, and shuts down on SIGINT/SIGTERM. The library logs through
// slog.Default(), which writes to stderr: the suite reads it there.
//
// Events of the main namespace (ack = the client's acknowledgement
// callback):
//
//	"stuck" ack                  → ack("stuck"), then blocks until GET /ctl/release
//	"ping" ack                   → ack("pong")
//
// HTTP control endpoints:
//
//	GET /ctl/shutdown?ms=N → runs Server.Shutdown with an N ms deadline and
//	                         answers {elapsedMs, error, running, deadline}
//	GET /ctl/release       → releases the "stuck" listeners
//
// Flags: -addr.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/gosio/gosio/socketio"
)

type app struct {
	io *socketio.Server

	releaseOnce sync.Once
	release     chan struct{}
}

func (a *app) setup(s *socketio.Socket) {
	s.On("ping", func(ack socketio.Ack) { _ = ack("pong") })
	s.On("stuck", func(ack socketio.Ack) {
		_ = ack("stuck")
		select {
		case <-a.release:
		case <-time.After(10 * time.Second):
		}
	})
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

func (a *app) shutdown(w http.ResponseWriter, r *http.Request) {
	ms, _ := strconv.Atoi(r.URL.Query().Get("ms"))
	ctx, cancel := context.WithTimeout(context.Background(), time.Duration(ms)*time.Millisecond)
	defer cancel()
	start := time.Now()
	err := a.io.Shutdown(ctx)
	out := map[string]any{"elapsedMs": time.Since(start).Milliseconds(), "error": nil}
	if err != nil {
		out["error"] = err.Error()
		out["deadline"] = errors.Is(err, context.DeadlineExceeded)
		var se *socketio.ShutdownError
		if errors.As(err, &se) {
			out["running"] = se.Running
		}
	}
	writeJSON(w, out)
}

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "listen address")
	flag.Parse()

	io := socketio.NewServer(nil)
	a := &app{io: io, release: make(chan struct{})}
	io.OnConnection(a.setup)

	mux := http.NewServeMux()
	mux.Handle("/socket.io/", io)
	mux.HandleFunc("/ctl/shutdown", a.shutdown)
	mux.HandleFunc("/ctl/release", func(w http.ResponseWriter, r *http.Request) {
		a.releaseOnce.Do(func() { close(a.release) })
		writeJSON(w, "ok")
	})

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatalf("apitest: %v", err)
	}
	hs := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		if err := hs.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Fatalf("apitest: %v", err)
		}
	}()
	fmt.Printf("LISTENING %d\n", ln.Addr().(*net.TCPAddr).Port)

	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGINT, syscall.SIGTERM)
	<-sig
	a.releaseOnce.Do(func() { close(a.release) })
	_ = io.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	_ = hs.Shutdown(ctx)
}
