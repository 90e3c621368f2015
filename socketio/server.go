package socketio

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gosio/gosio/engineio"
	"github.com/gosio/gosio/internal/observe"
)

// Server is a Socket.IO server. It is an [http.Handler]: mount it at
// Options.Path ("/socket.io/" by default) on any mux or router.
//
// The methods that emit or select sockets (Emit, To, ...) act on the main
// namespace "/"; use [Server.Of] for others.
type Server struct {
	opts     Options
	engine   *engineio.Server
	recovery *recoveryStore

	mu          sync.RWMutex
	nsps        map[string]*Namespace
	parents     []*ParentNamespace
	onNamespace []func(*Namespace)

	// running counts the socket inbox goroutines.
	running tracked
	closed  atomic.Bool

	stalls stallWatch                   // handlers running long on their reader (inline.go)
	obs    observe.Hub[Stats, Observer] // counters and observers (stats.go)
	// listenersRunning counts the listeners running now, for Shutdown's
	// report of what is left.
	listenersRunning atomic.Int64

	drops dropCounters // see Drops

	// pendingBytes is the bytes of the received events waiting in the
	// sockets' inboxes, bounded by Limits.MaxPendingEventBytesTotal.
	pendingBytes atomic.Int64
}

// NewServer returns a server with the given options; nil means Node's
// defaults.
func NewServer(opts *Options) *Server {
	srv := &Server{opts: opts.withDefaults(), nsps: make(map[string]*Namespace)}
	srv.recovery = newRecoveryStore(srv.opts.ConnectionStateRecovery)
	srv.engine = engineio.NewServer(engineHandler{srv}, &srv.opts.Engine)
	srv.Of("/")
	return srv
}

// ServeHTTP handles the Socket.IO (Engine.IO) requests.
func (srv *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	srv.engine.ServeHTTP(w, r)
}

// Logger returns the server's logger (Options.Logger, or slog.Default()).
func (srv *Server) Logger() *slog.Logger { return srv.opts.Logger }

// Engine returns the underlying Engine.IO server.
func (srv *Server) Engine() *engineio.Server { return srv.engine }

// Of returns the namespace called name, creating it on first use. A name
// without a leading slash gets one.
//
// A name that a dynamic namespace accepts (see [Server.OfRegexp] and
// [Server.OfFunc]) is always that dynamic namespace's child, however the
// namespace comes to exist: its middlewares and connection handlers run
// for every client, so calling Of to emit to a tenant's namespace never
// lets a client in past the parent's authentication. See
// [ParentNamespace] for the rule.
func (srv *Server) Of(name string) *Namespace {
	if name == "" || name[0] != '/' {
		name = "/" + name
	}
	srv.mu.RLock()
	n := srv.nsps[name]
	srv.mu.RUnlock()
	if n != nil {
		return n
	}
	// As Node, a name a dynamic namespace accepts makes a child of it; a
	// function is asked with an empty auth, as for a client that sent none.
	return srv.install(name, srv.parentFor(name, map[string]any{}))
}

// OfRegexp declares dynamic namespaces: a client may connect to any name the
// expression matches, and the namespace is created then. Namespaces that
// exist already and whose name matches become its children.
func (srv *Server) OfRegexp(re *regexp.Regexp) *ParentNamespace {
	return srv.OfFunc(func(name string, _ map[string]any) bool { return re.MatchString(name) })
}

// OfFunc declares dynamic namespaces decided by fn, which receives the name
// and the client's auth payload. Namespaces that exist already and that fn
// accepts (with an empty auth) become its children.
func (srv *Server) OfFunc(fn func(name string, auth map[string]any) bool) *ParentNamespace {
	p := &ParentNamespace{srv: srv, match: fn, children: make(map[string]*Namespace)}
	srv.mu.Lock()
	srv.parents = append(srv.parents, p)
	existing := make([]*Namespace, 0, len(srv.nsps))
	for _, n := range srv.nsps {
		existing = append(existing, n)
	}
	srv.mu.Unlock()
	// fn is the user's: it runs with no lock held.
	for _, n := range existing {
		if adoptable(n) && fn(n.name, map[string]any{}) {
			p.adopt(n)
		}
	}
	return p
}

// namespaceFor finds the namespace a client asks for, nil if there is none.
// A namespace without a parent that a dynamic namespace accepts for this
// client is adopted by it first, so that its middlewares run: the app may
// have made it with Of before any client came.
func (srv *Server) namespaceFor(name string, auth map[string]any) *Namespace {
	srv.mu.RLock()
	n := srv.nsps[name]
	hasParents := len(srv.parents) > 0
	srv.mu.RUnlock()
	if n != nil && (!hasParents || !adoptable(n)) {
		return n
	}
	if auth == nil {
		auth = map[string]any{} // as Node: an absent auth is an empty object
	}
	p := srv.parentFor(name, auth)
	switch {
	case n != nil:
		if p != nil {
			p.adopt(n)
		}
		return n
	case p != nil:
		return srv.install(name, p)
	}
	return nil
}

// parentFor returns the first dynamic namespace that accepts name with
// auth, or nil. The match functions are the user's: no lock is held.
func (srv *Server) parentFor(name string, auth map[string]any) *ParentNamespace {
	srv.mu.RLock()
	parents := srv.parents
	srv.mu.RUnlock()
	for _, p := range parents {
		if p.match(name, auth) {
			return p
		}
	}
	return nil
}

// adoptable reports whether n may become a dynamic namespace's child: it
// has no parent yet and is not the main namespace, which is the server's
// own (as in Node, where "/" exists before any dynamic namespace).
func adoptable(n *Namespace) bool { return n.name != "/" && n.Parent() == nil }

// install returns the namespace called name, creating and registering it,
// as a child of p when p is not nil. One made meanwhile by another
// goroutine is returned instead, adopted by p when it has no parent.
func (srv *Server) install(name string, p *ParentNamespace) *Namespace {
	srv.mu.Lock()
	n := srv.nsps[name]
	created := n == nil
	if created {
		n = newNamespace(srv, name)
		srv.nsps[name] = n
	}
	// Adopted before the lock is released, so that no client ever finds
	// the namespace without its parent's middlewares.
	if p != nil {
		p.adopt(n)
	}
	handlers := srv.onNamespace
	srv.mu.Unlock()
	if created {
		for _, h := range handlers {
			h(n)
		}
	}
	return n
}

func (srv *Server) removeChild(n *Namespace) {
	srv.mu.Lock()
	if srv.nsps[n.name] == n {
		delete(srv.nsps, n.name)
	}
	srv.mu.Unlock()
	if p := n.Parent(); p != nil {
		p.forget(n)
	}
	if n.sessions != nil {
		// Its last sockets' sessions go through the adapter: saved first.
		srv.recovery.waitPersisted(context.Background())
	}
	_ = n.adapter.Close()
}

// On registers a server event listener: "connection" (alias "connect") with a
// func(*Socket) for the main namespace, "new_namespace" with a
// func(*Namespace), or any other name for server-side events of the main
// namespace (see [Namespace.On]). A listener that cannot work panics, as a
// programming error.
func (srv *Server) On(event string, fn any) {
	if event == "new_namespace" {
		f, ok := fn.(func(*Namespace))
		if !ok {
			panic(`socketio: Server.On("new_namespace") wants a func(*socketio.Namespace)`)
		}
		srv.OnNewNamespace(f)
		return
	}
	srv.Of("/").On(event, fn)
}

// OnConnection registers fn for sockets connecting to the main namespace.
func (srv *Server) OnConnection(fn func(*Socket)) { srv.Of("/").OnConnection(fn) }

// OnNewNamespace registers fn for each namespace created from now on.
func (srv *Server) OnNewNamespace(fn func(*Namespace)) {
	srv.mu.Lock()
	srv.onNamespace = append(srv.onNamespace, fn)
	srv.mu.Unlock()
}

// Use adds a connect middleware to the main namespace.
func (srv *Server) Use(mw Middleware) *Server { srv.Of("/").Use(mw); return srv }

// Emit sends an event to every socket of the main namespace.
func (srv *Server) Emit(event string, args ...any) error { return srv.Of("/").Emit(event, args...) }

// To targets sockets of the main namespace in rooms.
func (srv *Server) To(rooms ...string) *BroadcastOperator { return srv.Of("/").To(rooms...) }

// In is the same as To.
func (srv *Server) In(rooms ...string) *BroadcastOperator { return srv.Of("/").To(rooms...) }

// Except targets sockets of the main namespace outside rooms.
func (srv *Server) Except(rooms ...string) *BroadcastOperator { return srv.Of("/").Except(rooms...) }

// Volatile marks packets droppable for clients that cannot take them at once.
func (srv *Server) Volatile() *BroadcastOperator { return srv.Of("/").Volatile() }

// Compress sets whether packets may be compressed.
func (srv *Server) Compress(compress bool) *BroadcastOperator { return srv.Of("/").Compress(compress) }

// Local keeps the operation on this server.
func (srv *Server) Local() *BroadcastOperator { return srv.Of("/").Local() }

// Timeout sets how long EmitWithAck waits.
func (srv *Server) Timeout(d time.Duration) *BroadcastOperator { return srv.Of("/").Timeout(d) }

// EmitWithAck sends an event to every socket of the main namespace and
// collects the answers.
func (srv *Server) EmitWithAck(ctx context.Context, event string, args ...any) ([]Response, error) {
	return srv.Of("/").EmitWithAck(ctx, event, args...)
}

// FetchSockets returns the sockets of the main namespace.
func (srv *Server) FetchSockets(ctx context.Context) ([]*RemoteSocket, error) {
	return srv.Of("/").FetchSockets(ctx)
}

// SocketsJoin makes every socket of the main namespace join rooms.
func (srv *Server) SocketsJoin(ctx context.Context, rooms ...string) error {
	return srv.Of("/").SocketsJoin(ctx, rooms...)
}

// SocketsLeave makes every socket of the main namespace leave rooms.
func (srv *Server) SocketsLeave(ctx context.Context, rooms ...string) error {
	return srv.Of("/").SocketsLeave(ctx, rooms...)
}

// DisconnectSockets disconnects every socket of the main namespace.
func (srv *Server) DisconnectSockets(ctx context.Context, close bool) error {
	return srv.Of("/").DisconnectSockets(ctx, close)
}

// ServerSideEmit sends an event to the other servers of the cluster.
func (srv *Server) ServerSideEmit(ctx context.Context, event string, args ...any) error {
	return srv.Of("/").ServerSideEmit(ctx, event, args...)
}

// ServerSideEmitWithAck sends an event to the other servers and collects
// their answers.
func (srv *Server) ServerSideEmitWithAck(ctx context.Context, event string, args ...any) ([]Response, error) {
	return srv.Of("/").ServerSideEmitWithAck(ctx, event, args...)
}

// goTracked runs f on a goroutine that Close and Shutdown wait for.
func (srv *Server) goTracked(f func()) {
	srv.running.add()
	go func() {
		defer srv.running.done()
		f()
	}()
}

// Close disconnects every socket at once ("server shutting down"), closes
// the adapters and waits for the server's goroutines.
func (srv *Server) Close() error {
	if !srv.closed.CompareAndSwap(false, true) {
		return ErrServerClosed
	}
	err := srv.engine.Close()
	srv.running.wait()
	// Sessions a SessionAdapter keeps are saved before it closes, each
	// within RecoveryOptions.StoreTimeout.
	srv.recovery.waitPersisted(context.Background())
	srv.closeAdapters()
	// A cluster adapter may have disconnected a socket for another server
	// before it closed: that socket's runner is waited for too.
	srv.running.wait()
	srv.recovery.endPersisting()
	if errors.Is(err, engineio.ErrServerClosed) {
		err = nil
	}
	return err
}

// Shutdown refuses new connections, disconnects every socket with reason
// "server shutting down" after the packets already queued for it are sent,
// and waits for the server's goroutines, or for ctx to end. Then the rest is
// closed at once and Shutdown returns by ctx's deadline, even while
// listeners are still running (they cannot be stopped): the error is a
// [*ShutdownError] that says how many, and matches ctx's error with
// errors.Is. Their goroutines end when they return.
func (srv *Server) Shutdown(ctx context.Context) error {
	if !srv.closed.CompareAndSwap(false, true) {
		return ErrServerClosed
	}
	err := srv.engine.Shutdown(ctx)
	done := srv.running.idle() // closed with the last inbox's end
	select {
	case <-done:
	case <-ctx.Done():
	}
	// Past the deadline, only running listeners may be waited for no
	// longer: an inbox with none ends within its linger.
	if ctx.Err() != nil {
		if n := srv.listenersRunning.Load(); n > 0 {
			err = &ShutdownError{Running: int(n), Err: ctx.Err()}
		} else {
			<-done
		}
	}
	srv.recovery.waitPersisted(ctx) // as in Close, within ctx
	srv.closeAdapters()
	if ctx.Err() == nil {
		// As in Close: a socket a cluster adapter disconnected meanwhile.
		select {
		case <-srv.running.idle():
		case <-ctx.Done():
		}
	}
	srv.recovery.endPersisting()
	return err
}

func (srv *Server) closeAdapters() {
	srv.mu.RLock()
	nsps := make([]*Namespace, 0, len(srv.nsps))
	for _, n := range srv.nsps {
		nsps = append(nsps, n)
	}
	srv.mu.RUnlock()
	for _, n := range nsps {
		_ = n.adapter.Close()
	}
}

func parseQuery(q string) (url.Values, error) { return url.ParseQuery(q) }
