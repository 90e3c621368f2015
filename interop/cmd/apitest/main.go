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
//	"panic"                      → the listener panics
//	"emit-while-offline" ack     → ack("ok"), emit "armed"; when the socket disconnects, its
//	                               "disconnecting" listener broadcasts "missed"
//	                               ({v: "before"}, bytes "before") to its room, then
//	                               changes both (to replay with -recovery)
//	"tick"                       → emit "ticked"
//	"flood" {n, volatile} ack    → ack("flooding"), then n broadcasts "flood" i to the
//	                               socket's own room (volatile or not); GET
//	                               /ctl/flood-result then answers {queueFull, volatile,
//	                               hookQueueFull, hookVolatile}: Server.Drops and the
//	                               Options.OnDrop calls so far
//
//	"add" {a, b} ack             → a request listener (socketio.OnRequest): answers
//	                               {data: {sum}}; a < 0: a RequestError "negative"
//	                               (wrapped); a == 13: a plain error naming an internal
//	                               address; a == 666: a panic
//	"ask-ended" {cancel} ack     → EmitWithAck "question" (never answered) to the
//	                               socket, then to its room, each with a context
//	                               cancelled after 100 ms (cancel) or with a 100 ms
//	                               deadline; ack({socket, broadcast}), each
//	                               {timeout, deadline, canceled}: what the error matches
//
// Requests go through an HTTP middleware that puts the X-User header's user
// in the request's context; engineio.Options.ClientIP reads X-Real-IP.
// Namespace "/ident" refuses a socket whose handshake context has no user,
// and answers "whoami" ack → ack({user, address}) (Handshake.Address).
//
// Namespace "/own": the connection handler emits "owned", volatile
// "owned-volatile" and broadcasts to the socket's room "owned-broadcast",
// each with ({v: "before"}, bytes "before"), then changes the map and the
// bytes it passed to "after" and "AFTER!".
//
// Namespaces "/wrapped" (a middleware refuses with a wrapped ConnectError
// "unauthorized", data {code: 401}) and "/internal" (a middleware fails with
// a plain error naming an internal address).
//
// An event dropped by the rate limit (-event-rate) makes the server emit
// "dropped" event to its socket, from Options.OnDrop.
//
// HTTP control endpoints:
//
//	GET /ctl/shutdown?ms=N → runs Server.Shutdown with an N ms deadline and
//	                         answers {elapsedMs, error, running, deadline}
//	GET /ctl/release       → releases the "stuck" listeners
//
// Flags: -addr, -recovery (connection state recovery), -bad-listener (the connection handler registers a listener
// for "bad" whose signature cannot work), -max-queued (engine
// MaxQueuedMessages), -event-rate (Limits.EventRate.PerSecond, Burst and
// Policy left zero).
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gosio/gosio/engineio"
	"github.com/gosio/gosio/interop/internal/testserver"
	"github.com/gosio/gosio/socketio"
)

type app struct {
	io          *socketio.Server
	badListener bool
	hooked      map[socketio.DropReason]*atomic.Uint64 // OnDrop calls by reason
	floods      chan map[string]any                    // the counts after each "flood"

	releaseOnce sync.Once
	release     chan struct{}
}

func (a *app) setup(s *socketio.Socket) {
	if a.badListener {
		s.On("bad", func(string) int { return 0 }) // cannot work: a listener returns nothing or an error
	}
	s.On("ping", func(ack socketio.Ack) { _ = ack("pong") })
	var offline atomic.Bool
	s.On("emit-while-offline", func(ack socketio.Ack) {
		offline.Store(true)
		_ = ack("ok")
		_ = s.Emit("armed") // an event with an offset: the client can now recover
	})
	s.On("disconnecting", func() {
		if !offline.Load() {
			return
		}
		// Logged for connection state recovery, replayed on reconnection:
		// the log must not keep what the caller changes afterwards.
		m := map[string]any{"v": "before"}
		b := []byte("before")
		_ = a.io.To(s.ID()).Emit("missed", m, b)
		m["v"] = "after"
		copy(b, "AFTER!")
	})
	s.On("panic", func() { panic("listener bug") })
	s.On("tick", func() { _ = s.Emit("ticked") })
	socketio.OnRequest(s, "add", func(s *socketio.Socket, req addRequest) (addResponse, error) {
		switch {
		case req.A < 0:
			return addResponse{}, fmt.Errorf("checking a: %w", &socketio.RequestError{Code: "negative", Message: "a must not be negative", Data: map[string]any{"a": req.A}})
		case req.A == 13:
			return addResponse{}, errors.New("dial tcp 10.1.2.3:5432: connect: connection refused")
		case req.A == 666:
			panic("listener bug")
		}
		return addResponse{Sum: req.A + req.B}, nil
	})
	s.On("ask-ended", func(req struct {
		Cancel bool `json:"cancel"`
	}, ack socketio.Ack) {
		// The client never answers "question": the wait ends with ctx,
		// cancelled or past its deadline.
		kind := func(err error) map[string]any {
			return map[string]any{
				"timeout":  errors.Is(err, socketio.ErrAckTimeout),
				"deadline": errors.Is(err, context.DeadlineExceeded),
				"canceled": errors.Is(err, context.Canceled),
			}
		}
		ended := func() (context.Context, context.CancelFunc) {
			if req.Cancel {
				ctx, cancel := context.WithCancel(context.Background())
				time.AfterFunc(100*time.Millisecond, cancel)
				return ctx, cancel
			}
			return context.WithTimeout(context.Background(), 100*time.Millisecond)
		}
		go func() {
			ctx, cancel := ended()
			_, err1 := s.EmitWithAck(ctx, "question")
			cancel()
			ctx, cancel = ended()
			_, err2 := a.io.To(s.ID()).EmitWithAck(ctx, "question")
			cancel()
			_ = ack(map[string]any{"socket": kind(err1), "broadcast": kind(err2)})
		}()
	})
	s.On("flood", func(req struct {
		N        int  `json:"n"`
		Volatile bool `json:"volatile"`
	}, ack socketio.Ack) {
		_ = ack("flooding") // before: the flood fills the queue
		op := a.io.To(s.ID())
		if req.Volatile {
			op = op.Volatile()
		}
		for i := range req.N {
			_ = op.Emit("flood", i)
		}
		d := a.io.Drops()
		a.floods <- map[string]any{
			"queueFull": d.QueueFull, "volatile": d.Volatile,
			"hookQueueFull": a.hooked[socketio.DropQueueFull].Load(),
			"hookVolatile":  a.hooked[socketio.DropVolatile].Load(),
		}
	})
	s.On("stuck", func(ack socketio.Ack) {
		_ = ack("stuck")
		select {
		case <-a.release:
		case <-time.After(10 * time.Second):
		}
	})
}

type addRequest struct {
	A int `json:"a"`
	B int `json:"b"`
}

type addResponse struct {
	Sum int `json:"sum"`
}

// userKey is the context key of the user identify found.
type userKey struct{}

// identify is an application's HTTP authentication middleware: the user
// named by the X-User header is put in the request's context.
func identify(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if u := r.Header.Get("X-User"); u != "" {
			r = r.WithContext(context.WithValue(r.Context(), userKey{}, u))
		}
		next.ServeHTTP(w, r)
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
	badListener := flag.Bool("bad-listener", false, `the connection handler registers a listener for "bad" that cannot work`)
	maxQueued := flag.Int("max-queued", 0, "engine MaxQueuedMessages (0: default)")
	recovery := flag.Bool("recovery", false, "enable connection state recovery")
	eventRate := flag.Float64("event-rate", 0, "Limits.EventRate.PerSecond, with the zero Burst and Policy (0: no limit)")
	flag.Parse()

	a := &app{
		badListener: *badListener, release: make(chan struct{}),
		hooked: map[socketio.DropReason]*atomic.Uint64{}, floods: make(chan map[string]any, 16),
	}
	for _, r := range []socketio.DropReason{socketio.DropQueueFull, socketio.DropVolatile, socketio.DropRateLimited} {
		a.hooked[r] = new(atomic.Uint64)
	}
	opts := &socketio.Options{Engine: engineio.Options{
		MaxQueuedMessages: *maxQueued,
		// Behind a proxy: the client's address is in X-Real-IP.
		ClientIP: func(r *http.Request) string {
			if ip := r.Header.Get("X-Real-IP"); ip != "" {
				return ip
			}
			host, _, _ := net.SplitHostPort(r.RemoteAddr)
			return host
		},
	}}
	if *recovery {
		opts.ConnectionStateRecovery = &socketio.RecoveryOptions{}
	}
	if *eventRate > 0 {
		opts.Limits.EventRate = &socketio.EventRateLimit{PerSecond: *eventRate}
	}
	opts.OnDrop = func(d socketio.Drop) {
		a.hooked[d.Reason].Add(1)
		if d.Reason == socketio.DropRateLimited {
			_ = a.io.Of(d.Namespace).To(d.SocketID).Emit("dropped", d.Event)
		}
	}
	io := socketio.NewServer(opts)
	a.io = io
	io.OnConnection(a.setup)
	ident := io.Of("/ident")
	ident.Use(func(s *socketio.Socket) error {
		// The identity the HTTP middleware established (identify, below).
		if _, ok := s.Handshake().Context().Value(userKey{}).(string); !ok {
			return &socketio.ConnectError{Message: "no identity in the handshake's context"}
		}
		return nil
	})
	ident.OnConnection(func(s *socketio.Socket) {
		s.On("whoami", func(ack socketio.Ack) {
			user, _ := s.Handshake().Context().Value(userKey{}).(string)
			_ = ack(map[string]any{"user": user, "address": s.Handshake().Address})
		})
	})
	// "/own": the connection handler emits, then changes what it passed;
	// the client must get what was passed.
	io.Of("/own").OnConnection(func(s *socketio.Socket) {
		m := map[string]any{"v": "before"}
		b := []byte("before")
		_ = s.Emit("owned", m, b)
		_ = s.Volatile().Emit("owned-volatile", m, b)
		_ = a.io.Of("/own").To(s.ID()).Emit("owned-broadcast", m, b)
		m["v"] = "after"
		copy(b, "AFTER!")
	})
	io.Of("/wrapped").Use(func(s *socketio.Socket) error {
		return fmt.Errorf("checking the token: %w", &socketio.ConnectError{Message: "unauthorized", Data: map[string]any{"code": 401}})
	})
	io.Of("/internal").Use(func(s *socketio.Socket) error {
		return errors.New("dial tcp 10.1.2.3:5432: connect: connection refused")
	})

	mux := http.NewServeMux()
	mux.Handle("/socket.io/", identify(io))
	mux.HandleFunc("/ctl/shutdown", a.shutdown)
	mux.HandleFunc("/ctl/flood-result", func(w http.ResponseWriter, r *http.Request) {
		select {
		case res := <-a.floods:
			writeJSON(w, res)
		case <-time.After(10 * time.Second):
			writeJSON(w, nil)
		}
	})
	mux.HandleFunc("/ctl/release", func(w http.ResponseWriter, r *http.Request) {
		a.releaseOnce.Do(func() { close(a.release) })
		writeJSON(w, "ok")
	})

	testserver.Run("apitest", *addr, mux, 2*time.Second, func(context.Context) {
		a.releaseOnce.Do(func() { close(a.release) })
		_ = io.Close()
	})
}
