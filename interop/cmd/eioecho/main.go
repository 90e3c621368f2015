// Command eioecho is a small Engine.IO echo server used by the interop test
// suite in interop/test. It is not meant for production use.
//
// It prints exactly one line "LISTENING <port>" on stdout once it accepts
// connections, and shuts down gracefully on SIGINT/SIGTERM.
//
// Behaviour per received message:
//
//	text "close"     -> the server closes the session
//	text "big:N"     -> the server sends one text message of N 'x' characters
//	text "burst:N"   -> the server sends N text messages "0".."N-1" in order
//	anything else    -> echoed back unchanged (text as text, binary as binary)
//
// For the tests it also serves a small debug API next to the engine:
//
//	GET /debug/session?sid=ID                 -> {"state":"open"|"closed"|"unknown", ...}
//	GET /debug/wait-close?sid=ID&timeout=2s   -> same, but blocks until the session
//	                                             closed or the timeout passed
//
// The JSON carries the protocol, the current transport, and once closed the
// CloseReason and error the handler's OnClose received.
package main

import (
	"bytes"
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
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/gosio/gosio/engineio"
)

type sessionInfo struct {
	sess   *engineio.Session
	closed chan struct{}
	reason engineio.CloseReason
	err    error
}

type echoHandler struct {
	verbose bool

	mu       sync.Mutex
	sessions map[string]*sessionInfo
}

func (h *echoHandler) OnOpen(s *engineio.Session) {
	h.mu.Lock()
	h.sessions[s.ID()] = &sessionInfo{sess: s, closed: make(chan struct{})}
	h.mu.Unlock()
	if h.verbose {
		log.Printf("open %s protocol=%d transport=%s", s.ID(), s.Protocol(), s.Transport())
	}
}

func (h *echoHandler) OnMessage(s *engineio.Session, binary bool, data []byte) {
	if binary {
		if err := s.Send(engineio.BinaryMessage(data)); err != nil && h.verbose {
			log.Printf("send %s: %v", s.ID(), err)
		}
		return
	}
	text := string(data)
	switch {
	case text == "close":
		_ = s.Close()
		return
	case strings.HasPrefix(text, "big:"):
		n, err := strconv.Atoi(strings.TrimPrefix(text, "big:"))
		if err == nil && n >= 0 {
			_ = s.Send(engineio.TextMessage(bytes.Repeat([]byte{'x'}, n)))
			return
		}
	case strings.HasPrefix(text, "burst:"):
		n, err := strconv.Atoi(strings.TrimPrefix(text, "burst:"))
		if err == nil && n >= 0 {
			msgs := make([]*engineio.Message, n)
			for i := range msgs {
				msgs[i] = engineio.TextMessage([]byte(strconv.Itoa(i)))
			}
			_ = s.Send(msgs...)
			return
		}
	}
	if err := s.Send(engineio.TextMessage(data)); err != nil && h.verbose {
		log.Printf("send %s: %v", s.ID(), err)
	}
}

func (h *echoHandler) OnClose(s *engineio.Session, reason engineio.CloseReason, err error) {
	h.mu.Lock()
	info := h.sessions[s.ID()]
	if info == nil { // OnClose without OnOpen: record it anyway
		info = &sessionInfo{sess: s, closed: make(chan struct{})}
		h.sessions[s.ID()] = info
	}
	select {
	case <-info.closed:
		info.reason = info.reason + "+DUPLICATE_ONCLOSE:" + reason // must never happen
	default:
		info.reason, info.err = reason, err
		close(info.closed)
	}
	h.mu.Unlock()
	if h.verbose {
		log.Printf("close %s reason=%q err=%v", s.ID(), reason, err)
	}
}

type sessionState struct {
	State     string `json:"state"`
	Protocol  int    `json:"protocol,omitempty"`
	Transport string `json:"transport,omitempty"`
	Reason    string `json:"reason,omitempty"`
	Error     string `json:"error,omitempty"`
}

func (h *echoHandler) state(sid string) (sessionState, chan struct{}) {
	h.mu.Lock()
	defer h.mu.Unlock()
	info := h.sessions[sid]
	if info == nil {
		return sessionState{State: "unknown"}, nil
	}
	st := sessionState{State: "open", Protocol: info.sess.Protocol(), Transport: info.sess.Transport()}
	select {
	case <-info.closed:
		st.State = "closed"
		st.Reason = string(info.reason)
		if info.err != nil {
			st.Error = info.err.Error()
		}
	default:
	}
	return st, info.closed
}

func (h *echoHandler) debugSession(w http.ResponseWriter, r *http.Request) {
	st, _ := h.state(r.URL.Query().Get("sid"))
	writeJSON(w, st)
}

func (h *echoHandler) debugWaitClose(w http.ResponseWriter, r *http.Request) {
	sid := r.URL.Query().Get("sid")
	timeout := 2 * time.Second
	if v := r.URL.Query().Get("timeout"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		timeout = d
	}
	_, closed := h.state(sid)
	if closed != nil {
		t := time.NewTimer(timeout)
		defer t.Stop()
		select {
		case <-closed:
		case <-t.C:
		case <-r.Context().Done():
			return
		}
	}
	st, _ := h.state(sid)
	writeJSON(w, st)
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	_ = json.NewEncoder(w).Encode(v)
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func main() {
	var (
		addr         = flag.String("addr", "127.0.0.1:0", "listen address")
		pingInterval = flag.Duration("ping-interval", 0, "ping interval (0 = engine default)")
		pingTimeout  = flag.Duration("ping-timeout", 0, "ping timeout (0 = engine default)")
		upgradeTO    = flag.Duration("upgrade-timeout", 0, "upgrade timeout (0 = engine default)")
		maxBuffer    = flag.Int64("max-buffer", 0, "max HTTP buffer size / max payload in bytes (0 = engine default)")
		eio3         = flag.Bool("eio3", false, "allow Engine.IO protocol v3 clients")
		corsOrigin   = flag.String("cors-origin", "", "comma separated list of allowed CORS origins (enables CORS with credentials)")
		transports   = flag.String("transports", "", "comma separated list of allowed transports (empty = engine default)")
		noUpgrades   = flag.Bool("no-upgrades", false, "disable transport upgrades")
		compress     = flag.Bool("compress", false, "enable per-message deflate")
		shutdownTO   = flag.Duration("shutdown-timeout", 500*time.Millisecond, "graceful shutdown timeout on SIGINT/SIGTERM")
		verbose      = flag.Bool("v", false, "log session events to stderr")
		// Short by default, so that the tests' pauses park connections and
		// the real clients exercise parked and resumed readers throughout.
		idleRelease = flag.Duration("idle-read-release", 5*time.Millisecond, "engine IdleReadRelease")
	)
	flag.Parse()

	opts := &engineio.Options{
		Path:              "/engine.io/",
		PingInterval:      *pingInterval,
		PingTimeout:       *pingTimeout,
		UpgradeTimeout:    *upgradeTO,
		MaxHTTPBufferSize: *maxBuffer,
		Transports:        splitList(*transports),
		DisableUpgrades:   *noUpgrades,
		AllowEIO3:         *eio3,
		IdleReadRelease:   *idleRelease,
	}
	if origins := splitList(*corsOrigin); len(origins) > 0 {
		opts.CORS = &engineio.CORSOptions{
			AllowedOrigins:   origins,
			AllowCredentials: true,
		}
	}
	if *compress {
		opts.PerMessageDeflate = &engineio.DeflateOptions{}
	}

	handler := &echoHandler{verbose: *verbose, sessions: make(map[string]*sessionInfo)}
	engine := engineio.NewServer(handler, opts)

	mux := http.NewServeMux()
	mux.Handle("/engine.io/", engine)
	mux.HandleFunc("/debug/session", handler.debugSession)
	mux.HandleFunc("/debug/wait-close", handler.debugWaitClose)

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatalf("listen: %v", err)
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}

	serveErr := make(chan error, 1)
	go func() { serveErr <- srv.Serve(ln) }()

	fmt.Fprintf(os.Stdout, "LISTENING %d\n", ln.Addr().(*net.TCPAddr).Port)
	_ = os.Stdout.Sync()

	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGINT, syscall.SIGTERM)

	select {
	case err := <-serveErr:
		if err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Fatalf("serve: %v", err)
		}
	case <-sig:
		ctx, cancel := context.WithTimeout(context.Background(), *shutdownTO)
		defer cancel()
		_ = engine.Shutdown(ctx)
		_ = srv.Shutdown(ctx)
	}
}
