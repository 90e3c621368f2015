package engineio

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gosio/gosio/engineio/internal/codec"
	"github.com/gosio/gosio/internal/observe"
)

// Handler receives the events of a server's sessions. The Socket.IO layer is
// one; any program that wants raw Engine.IO messages can be another.
type Handler interface {
	// OnOpen is called once for each new session, before any message of it
	// is delivered.
	OnOpen(s *Session)
	// OnMessage is called for each message from the client, one at a time per
	// session and in order. data belongs to the handler. The session's
	// transport stops reading while OnMessage runs, so long work belongs on
	// another goroutine, or after a call to [Session.ReleaseReader], from
	// which on the next messages may be delivered concurrently.
	OnMessage(s *Session, binary bool, data []byte)
	// OnClose is called once when the session has ended, after its last
	// OnMessage. err, if not nil, tells more about the reason.
	OnClose(s *Session, reason CloseReason, err error)
}

// Server is an Engine.IO server. It is an [http.Handler]: mount it at
// Options.Path on any mux.
type Server struct {
	opts    Options
	handler Handler
	limiter *ipLimiter // nil when no per-IP limit is set

	mu       sync.RWMutex
	sessions map[string]*Session
	closed   atomic.Bool
	// emptied is closed when the last session is forgotten after Shutdown began.
	emptied chan struct{}

	// wg counts the goroutines the server starts (WebSocket readers and
	// writers, OnClose calls), so Close and Shutdown can wait for them.
	wg sync.WaitGroup

	// pollerMu guards the idle-connection poller, started by the first
	// connection that parks and stopped once the server has closed.
	pollerMu      sync.Mutex
	poll          *poller
	pollerStopped bool

	heartbeats *heartbeatWheel
	obs        observe.Hub[Stats, Observer] // counters and observers (stats.go)
	flush      *flusher                     // writes for WebSockets that were idle (flusher.go)
}

// NewServer returns a server that reports to h. opts may be nil for defaults.
func NewServer(h Handler, opts *Options) *Server {
	srv := &Server{
		opts:     opts.withDefaults(),
		handler:  h,
		sessions: make(map[string]*Session),
		emptied:  make(chan struct{}),
	}
	srv.limiter = newIPLimiter(&srv.opts)
	srv.heartbeats = newHeartbeatWheel(&srv.opts)
	srv.flush = newFlusher(srv)
	return srv
}

// Options returns the server's options with defaults applied.
func (srv *Server) Options() Options { return srv.opts }

// SessionCount returns the number of open sessions.
func (srv *Server) SessionCount() int {
	srv.mu.RLock()
	defer srv.mu.RUnlock()
	return len(srv.sessions)
}

// Session returns the open session with the given id, or nil.
func (srv *Server) Session(id string) *Session {
	srv.mu.RLock()
	defer srv.mu.RUnlock()
	return srv.sessions[id]
}

// ServeHTTP handles Engine.IO requests: handshakes, polling GETs and POSTs,
// and WebSocket connections and upgrades.
func (srv *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !strings.HasPrefix(r.URL.Path, srv.opts.Path) && r.URL.Path+"/" != srv.opts.Path {
		http.NotFound(w, r)
		return
	}
	if srv.opts.CORS.apply(w, r) {
		return // preflight answered
	}
	if srv.opts.Headers != nil {
		srv.opts.Headers(w.Header(), r)
	}
	q := parseEngineQuery(r.URL.RawQuery)
	transport := q.transport
	if !srv.opts.allows(transport) {
		writeError(w, ErrUnknownTransport)
		return
	}
	protocol := 0
	switch q.eio {
	case "4":
		protocol = 4
	case "3":
		if srv.opts.AllowEIO3 {
			protocol = 3
		}
	}
	if protocol == 0 {
		writeError(w, ErrUnsupportedProtocol)
		return
	}
	if sid := q.sid; sid != "" {
		srv.serveSession(w, r, sid, transport)
		return
	}
	if r.Method != http.MethodGet {
		writeError(w, ErrBadHandshakeMethod)
		return
	}
	if srv.opts.AllowRequest != nil {
		if err := srv.opts.AllowRequest(r); err != nil {
			writeError(w, ErrForbidden)
			return
		}
	}
	if srv.closed.Load() {
		w.Header().Set("Connection", "close")
		writeError(w, errShuttingDown)
		return
	}
	ip := ""
	if srv.limiter != nil {
		ip = srv.clientIP(r)
		if !srv.limiter.acquire(ip, time.Now()) {
			srv.count(func(st *Stats) *atomic.Uint64 { return &st.HandshakesRefused })
			writeError(w, ErrTooManyRequests)
			return
		}
	}
	if !srv.handshake(w, r, protocol, transport, ip) && srv.limiter != nil {
		srv.limiter.release(ip)
	}
}

// serveSession routes a request for an existing session.
func (srv *Server) serveSession(w http.ResponseWriter, r *http.Request, sid, transport string) {
	s := srv.Session(sid)
	if s == nil {
		writeError(w, ErrUnknownSID)
		return
	}
	// A session that has ended, or whose heartbeat is overdue, is as
	// unknown as one forgotten already: finish may still be forgetting it.
	if s.closed.Load() || s.heartbeatOverdue(time.Now()) {
		s.finish(ReasonPingTimeout, nil) // nothing if it has ended
		writeError(w, ErrUnknownSID)
		return
	}
	if transport == TransportWebSocket {
		if srv.opts.AllowRequest != nil && srv.opts.AllowRequest(r) != nil {
			writeError(w, ErrForbidden)
			return
		}
		srv.serveUpgrade(s, w, r)
		return
	}
	switch r.Method {
	case http.MethodGet:
		s.servePoll(w, r)
	case http.MethodPost:
		s.servePost(w, r)
	default:
		writeError(w, ErrBadRequest)
	}
}

// handshake opens a session on the requested transport; it reports whether
// one was opened.
func (srv *Server) handshake(w http.ResponseWriter, r *http.Request, protocol int, transport, ip string) bool {
	jsonp := ""
	if transport == TransportPolling && protocol == 3 {
		if j, ok := r.URL.Query()["j"]; ok {
			if len(j) != 1 || !codec.ValidJSONPIndex(j[0]) {
				writeError(w, ErrBadRequest)
				return false
			}
			jsonp = j[0]
		}
	}
	if transport == TransportWebSocket && !isWebSocketRequest(r) {
		writeError(w, ErrBadRequest)
		return false
	}
	gen := srv.opts.GenerateID
	if gen == nil {
		gen = newSessionID
	}
	id, err := gen(r)
	if err != nil || id == "" {
		srv.opts.Logger.Error("engineio: generating session id", "err", err)
		writeError(w, ErrBadRequest)
		return false
	}
	s := &Session{
		srv:            srv,
		id:             id,
		protocol:       protocol,
		req:            newHandshakeRequest(r),
		supportsBinary: protocol == 3 && !hasValue(r.URL.RawQuery, "b64") && jsonp == "",
		jsonp:          jsonp,
		websocket:      transport == TransportWebSocket,
		ip:             ip,
	}
	if transport == TransportPolling {
		// A WebSocket session never polls.
		s.pollWake = make(chan struct{}, 1)
		s.done = make(chan struct{})
	}
	header := w.Header()
	if srv.opts.InitialHeaders != nil {
		srv.opts.InitialHeaders(header, r)
	}
	if ck := srv.opts.Cookie; ck != nil {
		http.SetCookie(w, &http.Cookie{
			Name: ck.Name, Value: id, Path: ck.Path, HttpOnly: !ck.ScriptReadable,
			SameSite: ck.SameSite, Secure: ck.Secure,
		})
	}
	s.queue = append(s.queue, outPacket{typ: codec.Open, data: srv.openPayload(s)})

	var ws *wsConn
	if transport == TransportWebSocket {
		if ws = srv.acceptWebSocket(w, r, header); ws == nil {
			return false
		}
	}
	srv.mu.Lock()
	_, dup := srv.sessions[id]
	if dup || srv.closed.Load() {
		srv.mu.Unlock()
		if dup {
			srv.opts.Logger.Error("engineio: duplicate session id", "sid", id)
		}
		switch {
		case ws != nil:
			ws.close()
		case dup:
			writeError(w, ErrBadRequest)
		default:
			writeError(w, errShuttingDown)
		}
		return false
	}
	srv.sessions[id] = s
	if ws != nil {
		// The reader is counted while the server cannot be closing yet:
		// Close takes srv.mu after it marks itself closed, so its Wait
		// always sees this Add.
		srv.wg.Add(1)
	}
	srv.mu.Unlock()

	s.startHeartbeat()
	s.recvMu.Lock()
	srv.notifyOpened(s)
	srv.handler.OnOpen(s)
	s.recvMu.Unlock()

	if ws != nil {
		// The open packet goes in a write of its own, a moment after the
		// 101 response, as it does from Node: a client that reads both at
		// once may deliver the packet before its code that waits for the
		// connection's open event has registered for messages. A timer
		// starts the connection then, so no goroutine waits meanwhile.
		time.AfterFunc(openPacketPause, func() { srv.startWebSocket(s, ws) })
		return true
	}
	s.servePoll(w, r)
	return true
}

// startWebSocket makes ws the transport of the new session s, which sends
// its open packet, and runs its reader; the reader was counted in srv.wg.
func (srv *Server) startWebSocket(s *Session, ws *wsConn) {
	defer srv.wg.Done()
	s.mu.Lock()
	if s.state == stateClosed {
		// The session ended before it had its WebSocket (in OnOpen, or
		// during the pause), when finish had none to close.
		s.mu.Unlock()
		ws.close()
		return
	}
	s.ws = ws
	s.wakeLocked()
	s.mu.Unlock()
	ws.readLoop(s)
}

// openPacketPause is how long a WebSocket handshake waits between the 101
// response and the open packet: long enough for a client on the same host
// to have read the response alone (Go's timers make it at least that, and
// 300 µs kept the two apart in 100 of 100 local handshakes, against about
// 3 in 4 without it), short against a connection's set-up.
const openPacketPause = 300 * time.Microsecond

// openPayload is the JSON of the OPEN packet.
func (srv *Server) openPayload(s *Session) []byte {
	upgrades := []string{}
	if !s.websocket && !srv.opts.DisableUpgrades && srv.opts.allows(TransportWebSocket) {
		upgrades = append(upgrades, TransportWebSocket)
	}
	open := struct {
		SID          string   `json:"sid"`
		Upgrades     []string `json:"upgrades"`
		PingInterval int64    `json:"pingInterval"`
		PingTimeout  int64    `json:"pingTimeout"`
		MaxPayload   int64    `json:"maxPayload,omitempty"`
	}{
		SID:          s.id,
		Upgrades:     upgrades,
		PingInterval: srv.opts.PingInterval.Milliseconds(),
		PingTimeout:  srv.opts.PingTimeout.Milliseconds(),
	}
	if s.protocol == 4 {
		open.MaxPayload = srv.opts.MaxHTTPBufferSize
	}
	b, _ := json.Marshal(open)
	return b
}

// forget removes a finished session.
func (srv *Server) forget(s *Session) {
	if srv.limiter != nil {
		srv.limiter.release(s.ip)
	}
	srv.mu.Lock()
	if srv.sessions[s.id] == s {
		delete(srv.sessions, s.id)
	}
	srv.signalEmptyLocked()
	srv.mu.Unlock()
}

// signalEmptyLocked closes emptied once the server is closed and holds no
// session. srv.mu must be held.
func (srv *Server) signalEmptyLocked() {
	if srv.closed.Load() && len(srv.sessions) == 0 {
		select {
		case <-srv.emptied:
		default:
			close(srv.emptied)
		}
	}
}

func (srv *Server) snapshot() []*Session {
	srv.mu.RLock()
	defer srv.mu.RUnlock()
	out := make([]*Session, 0, len(srv.sessions))
	for _, s := range srv.sessions {
		out = append(out, s)
	}
	return out
}

// Close ends every session at once, with reason "server shutting down", and
// waits for the server's goroutines to end. New handshakes are refused.
func (srv *Server) Close() error {
	if !srv.closed.CompareAndSwap(false, true) {
		srv.wg.Wait()
		return ErrServerClosed
	}
	for _, s := range srv.snapshot() {
		s.finish(ReasonServerShutdown, nil)
	}
	srv.stopBackground()
	srv.wg.Wait()
	return nil
}

// poller returns the idle-connection poller, starting it on first use, or
// nil when parking is off, unsupported or over.
func (srv *Server) poller() *poller {
	if srv.opts.IdleReadRelease < 0 {
		return nil
	}
	srv.pollerMu.Lock()
	defer srv.pollerMu.Unlock()
	if srv.poll == nil && !srv.pollerStopped {
		p, err := newPoller(srv)
		if err != nil {
			srv.opts.Logger.Debug("engineio: idle connections keep their reader", "err", err)
			srv.pollerStopped = true
			return nil
		}
		srv.poll = p
	}
	return srv.poll
}

// startedPoller returns the poller if it runs, without starting it.
func (srv *Server) startedPoller() *poller {
	srv.pollerMu.Lock()
	defer srv.pollerMu.Unlock()
	return srv.poll
}

// stopBackground stops the poller and the heartbeat wheel for good; every
// session has ended by then.
func (srv *Server) stopBackground() {
	srv.heartbeats.stop()
	srv.pollerMu.Lock()
	p := srv.poll
	srv.poll, srv.pollerStopped = nil, true
	srv.pollerMu.Unlock()
	if p != nil {
		p.stop()
	}
}

// drain sends every session its close packet, spread over DrainWindow. If
// ctx ends meanwhile, the rest are told at once.
func (srv *Server) drain(ctx context.Context, sessions []*Session) {
	window := srv.opts.DrainWindow
	if dl, ok := ctx.Deadline(); ok {
		window = min(window, time.Until(dl)/2)
	}
	start := time.Now()
	for i, s := range sessions {
		if window > 0 && i > 0 {
			at := start.Add(window * time.Duration(i) / time.Duration(len(sessions)))
			if wait := time.Until(at); wait > 0 {
				t := time.NewTimer(wait)
				select {
				case <-t.C:
				case <-ctx.Done():
					window = 0 // no time left: the others now
				}
				t.Stop()
			}
		}
		s.closeGracefully(ReasonServerShutdown)
	}
}

// waitGoroutines waits for the server's goroutines until ctx ends; it
// reports whether they all returned.
func (srv *Server) waitGoroutines(ctx context.Context) bool {
	done := make(chan struct{})
	go func() { srv.wg.Wait(); close(done) }() // ends with the last of them
	select {
	case <-done:
		return true
	case <-ctx.Done():
		return false
	}
}

// Shutdown refuses new handshakes, sends every session a close packet behind
// what is already queued, and waits until all sessions have ended and the
// server's goroutines have returned, or ctx is done. When ctx ends first, the
// remaining sessions are closed at once and ctx's error is returned, without
// waiting for a handler still running on a connection's reader (its
// goroutine ends when the handler returns; Close waits for it).
func (srv *Server) Shutdown(ctx context.Context) error {
	if !srv.closed.CompareAndSwap(false, true) {
		return ErrServerClosed
	}
	srv.drain(ctx, srv.snapshot())
	srv.mu.Lock()
	srv.signalEmptyLocked()
	srv.mu.Unlock()
	select {
	case <-srv.emptied:
		srv.stopBackground()
		if srv.waitGoroutines(ctx) {
			return nil
		}
		return ctx.Err()
	case <-ctx.Done():
		for _, s := range srv.snapshot() {
			s.finish(ReasonServerShutdown, ctx.Err())
		}
		srv.stopBackground()
		// A handler that does not return would hold Shutdown past its
		// deadline: the sessions are finished, so the readers exit as soon
		// as their handlers return.
		return ctx.Err()
	}
}
