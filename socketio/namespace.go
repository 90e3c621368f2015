package socketio

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// Middleware runs when a socket connects to a namespace, before the
// connection handlers. A non-nil error refuses the connection: the client
// gets a connect_error. Return a [*ConnectError] (possibly wrapped) to choose
// its message and data; any other error is logged and the client gets
// "Internal server error".
type Middleware func(s *Socket) error

// Namespace is a communication channel that splits an application's logic
// over one shared connection ("/" is the main namespace, "/admin" another).
// Its methods are safe for concurrent use.
type Namespace struct {
	name    string
	server  *Server
	adapter Adapter
	// sessions is adapter as a SessionAdapter when recovery is on and it is
	// one: then the adapter, not the server, keeps the namespace's
	// sessions and event log.
	sessions SessionAdapter

	mu sync.RWMutex
	// parent is the dynamic namespace this one is a child of, or nil. Set
	// once, at creation or adoption, under the server's, the parent's and
	// this mutex (in that order).
	parent      *ParentNamespace
	sockets     map[string]*Socket
	middlewares []Middleware
	onConnect   []func(*Socket)
	roomEvents  []*roomListener
	// serverListeners receive ServerSideEmit events from other servers.
	serverListeners map[string][]handlerFunc
	// leaving holds, by socket id, the sockets still leaving their rooms
	// whose id may come back: see markLeaving.
	leaving map[string]chan struct{}

	ackIDs atomic.Uint64
}

func newNamespace(srv *Server, name string) *Namespace {
	n := &Namespace{name: name, server: srv, sockets: make(map[string]*Socket)}
	n.adapter = srv.opts.Adapter(n)
	n.sessions = sessionAdapterOf(srv, n.adapter)
	return n
}

// Name returns the namespace name, e.g. "/admin".
func (n *Namespace) Name() string { return n.name }

// Server returns the namespace's server.
func (n *Namespace) Server() *Server { return n.server }

// Parent returns the dynamic namespace this namespace is a child of, or nil
// for a static one.
func (n *Namespace) Parent() *ParentNamespace {
	n.mu.RLock()
	defer n.mu.RUnlock()
	return n.parent
}

// Adapter returns the namespace's adapter.
func (n *Namespace) Adapter() Adapter { return n.adapter }

// Use adds a connect middleware. Middlewares run in order; the first error
// stops the connection.
func (n *Namespace) Use(mw Middleware) *Namespace {
	n.mu.Lock()
	n.middlewares = append(n.middlewares, mw)
	n.mu.Unlock()
	return n
}

// OnConnection registers fn to run for each socket that connects. Register
// the socket's event listeners there: events the client sends are held until
// the connection handlers have returned.
func (n *Namespace) OnConnection(fn func(s *Socket)) {
	n.mu.Lock()
	n.onConnect = append(n.onConnect, fn)
	n.mu.Unlock()
}

// On registers a namespace event listener. "connection" (alias "connect")
// takes a func(*Socket). Any other event is a server-side event sent by
// another server of the cluster with ServerSideEmit; its listener takes the
// same forms as [Socket.On], and its [Ack] answers the sending server.
// A listener that cannot work panics, as a programming error.
func (n *Namespace) On(event string, fn any) {
	if event == "connection" || event == "connect" {
		f, ok := fn.(func(*Socket))
		if !ok {
			panic(`socketio: Namespace.On("connection") wants a func(*socketio.Socket)`)
		}
		n.OnConnection(f)
		return
	}
	h := mustHandler(event, fn)
	n.mu.Lock()
	if n.serverListeners == nil {
		n.serverListeners = make(map[string][]handlerFunc)
	}
	n.serverListeners[event] = append(n.serverListeners[event], h)
	n.mu.Unlock()
}

// ReceiveServerSideEmit delivers an event another server sent with
// ServerSideEmit (args[0] is the event name) to this namespace's listeners.
// ack, if not nil, carries the answer back. Cluster adapters call it.
func (n *Namespace) ReceiveServerSideEmit(args []any, ack func(args []any)) {
	if len(args) == 0 {
		return
	}
	event, _ := args[0].(string)
	n.mu.RLock()
	ls := n.serverListeners[event]
	n.mu.RUnlock()
	if len(ls) == 0 {
		return
	}
	raw, err := rawValues(args[1:])
	if err != nil {
		n.server.opts.Logger.Warn("socketio: undecodable server-side event", "event", event, "err", err)
		return
	}
	reply := Ack(func(...any) error { return nil })
	if ack != nil {
		var once sync.Once
		reply = func(a ...any) error {
			once.Do(func() { ack(a) })
			return nil
		}
	}
	for _, h := range ls {
		if err := h.callRemote(raw, reply); err != nil {
			n.server.opts.Logger.Warn("socketio: server-side event listener", "event", event, "err", err)
		}
	}
}

// OnRoomEvent registers fn for room changes: created, deleted, joined, left.
// fn runs on the goroutine that changed the rooms and must not block. The
// returned function unregisters it.
func (n *Namespace) OnRoomEvent(fn func(RoomEvent)) (unregister func()) {
	l := &roomListener{fn: fn}
	n.mu.Lock()
	n.roomEvents = append(n.roomEvents, l)
	n.mu.Unlock()
	return func() {
		n.mu.Lock()
		defer n.mu.Unlock()
		n.roomEvents = slices.DeleteFunc(slices.Clone(n.roomEvents), func(x *roomListener) bool { return x == l })
	}
}

type roomListener struct{ fn func(RoomEvent) }

func (n *Namespace) emitRoomEvents(events []RoomEvent) {
	if len(events) == 0 {
		return
	}
	n.mu.RLock()
	fns := n.roomEvents
	n.mu.RUnlock()
	for _, e := range events {
		for _, l := range fns {
			l.fn(e)
		}
	}
}

// Sockets returns the sockets connected to this namespace on this server.
func (n *Namespace) Sockets() []*Socket { return n.allSockets(nil) }

// Socket returns the local socket with the given id, or nil.
func (n *Namespace) Socket(id string) *Socket {
	n.mu.RLock()
	defer n.mu.RUnlock()
	return n.sockets[id]
}

func (n *Namespace) allSockets(except map[string]struct{}) []*Socket {
	n.mu.RLock()
	defer n.mu.RUnlock()
	out := make([]*Socket, 0, len(n.sockets))
	for id, s := range n.sockets {
		if _, skip := except[id]; !skip {
			out = append(out, s)
		}
	}
	return out
}

func (n *Namespace) socketsByID(ids []string) []*Socket {
	n.mu.RLock()
	defer n.mu.RUnlock()
	out := make([]*Socket, 0, len(ids))
	for _, id := range ids {
		if s := n.sockets[id]; s != nil {
			out = append(out, s)
		}
	}
	return out
}

// NextAckID returns a fresh acknowledgement id, unique within the namespace
// on this server. Cluster adapters use it for broadcasts they deliver on
// behalf of other servers.
func (n *Namespace) NextAckID() uint64 { return n.ackIDs.Add(1) - 1 }

// newSocket creates a socket for client c; it is not connected yet.
func (n *Namespace) newSocket(c *client, auth *connectAuth, query string) *Socket {
	s := &Socket{nsp: n, client: c, auth: auth, issued: time.Now().UnixNano()}
	if query != "" {
		s.handshake.Store(s.buildHandshake(query))
	}
	if c.sess.Protocol() == 3 {
		// socket.io-client 2.x computes its id itself, this way.
		s.id = c.sess.ID()
		if n.name != "/" {
			s.id = n.name + "#" + c.sess.ID()
		}
	} else {
		s.id = randomID()
	}
	return s
}

// runConnect runs on the socket's inbox: middlewares, then the connection.
func (n *Namespace) runConnect(s *Socket) {
	c := s.client
	restored := n.server.recovery.restore(s)
	if !restored || !n.server.opts.ConnectionStateRecovery.SkipMiddlewares {
		if err := n.runMiddlewares(s); err != nil {
			c.removeSocket(s)
			c.sendConnectError(n.name, err)
			// A refused client must not leave empty children behind.
			n.cleanupIfEmpty()
			return
		}
	}
	c.mu.Lock()
	gone := c.closed || c.socketLocked(n.name) != s
	c.mu.Unlock()
	if gone { // the client left while the middlewares ran
		if c.sess.Protocol() != 3 { // else the id may be a newer socket's
			n.adapter.DelAll(s.id) // what the middlewares joined
		}
		return
	}
	if hook := testHookConnecting.Load(); hook != nil {
		(*hook)(s)
	}
	// The connection handlers run before the client learns it is connected,
	// as in Node, where nothing can come between the two: what is emitted
	// to the socket meanwhile (by the handlers or by broadcasts) is held
	// and sent right after CONNECT, and the rooms the handlers join are in
	// place by then. A handler that waits for the client's answer
	// (EmitWithAck) sends CONNECT first, as Node has by then.
	n.waitLeft(s.id)
	s.hold()
	n.mu.Lock()
	n.sockets[s.id] = s
	handlers := n.onConnect
	n.mu.Unlock()
	// In its own room before it shows as connected: from then on its close
	// may come at any time, and leaves every room it is in.
	n.adapter.AddAll(s.id, []string{s.id})
	s.connected.Store(true)
	// The connection may have ended, or the client left the namespace,
	// since the check above: its close then found the socket not yet
	// connected and left it to us.
	c.mu.Lock()
	closed, left := c.closed, c.socketLocked(n.name) != s
	c.mu.Unlock()
	if closed || left {
		reason := ReasonTransportClose
		if !closed {
			reason = ReasonClientDisconnect
		}
		n.server.notifyConnected(s) // observers see every disconnection's connection
		s.onClose(reason)
		return
	}
	if restored {
		_ = s.Join(n.server.recovery.rooms(s)...)
		n.server.recovery.replay(s)
	}
	n.server.notifyConnected(s)
	for _, h := range handlers {
		s.guard(func() { h(s) })
		if !s.connected.Load() {
			break
		}
	}
	s.sendConnect()
}

// testHookConnecting, when set by a test, runs in runConnect once the
// socket has passed the middlewares, before it is registered.
var testHookConnecting atomic.Pointer[func(*Socket)]

// connectAck is the CONNECT answer's payload, {"pid":…,"sid":…} (pid only
// with recovery on), written as JSON text: a map for it cost more than the
// rest of the socket. Ids are base64url, which JSON strings take as is.
func connectAck(sid, pid string) json.RawMessage {
	b := make([]byte, 0, len(sid)+len(pid)+20)
	b = append(b, '{')
	if pid != "" {
		b = appendJSONID(append(b, `"pid":`...), pid)
		b = append(b, ',')
	}
	b = appendJSONID(append(b, `"sid":`...), sid)
	return append(b, '}')
}

// appendJSONID appends id as a JSON string; an id with characters JSON
// would escape (not one of ours) goes through encoding/json.
func appendJSONID(b []byte, id string) []byte {
	for i := 0; i < len(id); i++ {
		if c := id[i]; c < ' ' || c == '"' || c == '\\' || c >= 0x7f {
			q, _ := json.Marshal(id)
			return append(b, q...)
		}
	}
	b = append(b, '"')
	b = append(b, id...)
	return append(b, '"')
}

func (n *Namespace) runMiddlewares(s *Socket) (err error) {
	n.mu.RLock()
	mws := n.middlewares
	n.mu.RUnlock()
	for _, mw := range mws {
		func() {
			defer func() {
				if r := recover(); r != nil {
					n.server.opts.Logger.Error("socketio: middleware panic", "nsp", n.name, "panic", r)
					err = &ConnectError{Message: "Internal server error"}
				}
			}()
			err = mw(s)
		}()
		if err != nil {
			return err
		}
	}
	return nil
}

// markLeaving records that the socket id is leaving its rooms, until left
// is called. Ids come back: a protocol 3 client's is "nsp#engine id" on
// every connect of one connection, and recovery restores them. A new
// socket with the id must not join rooms before the old one has left
// its own, or the old one's leaving would take the new one's rooms.
func (n *Namespace) markLeaving(id string) (left func()) {
	ch := make(chan struct{})
	n.mu.Lock()
	if n.leaving == nil {
		n.leaving = make(map[string]chan struct{})
	}
	n.leaving[id] = ch
	n.mu.Unlock()
	return func() {
		n.mu.Lock()
		if n.leaving[id] == ch {
			delete(n.leaving, id)
		}
		n.mu.Unlock()
		close(ch)
	}
}

// waitLeft waits until an earlier socket with the id has left its rooms.
func (n *Namespace) waitLeft(id string) {
	n.mu.RLock()
	ch := n.leaving[id]
	n.mu.RUnlock()
	if ch != nil {
		<-ch
	}
}

func (n *Namespace) remove(s *Socket) {
	n.mu.Lock()
	if n.sockets[s.id] == s {
		delete(n.sockets, s.id)
	}
	n.mu.Unlock()
}

// cleanupIfEmpty removes an empty child of a dynamic namespace when the
// server is configured to.
func (n *Namespace) cleanupIfEmpty() {
	if !n.server.opts.CleanupEmptyChildNamespaces {
		return
	}
	n.mu.RLock()
	empty := len(n.sockets) == 0 && n.parent != nil
	n.mu.RUnlock()
	if empty {
		n.server.removeChild(n)
	}
}

// --- broadcasting: documented on BroadcastOperator ---

func (n *Namespace) operator() *BroadcastOperator {
	return &BroadcastOperator{targets: []*Namespace{n}}
}

// To targets the sockets in rooms.
func (n *Namespace) To(rooms ...string) *BroadcastOperator { return n.operator().To(rooms...) }

// In is the same as To.
func (n *Namespace) In(rooms ...string) *BroadcastOperator { return n.operator().To(rooms...) }

// Except leaves out the sockets in rooms.
func (n *Namespace) Except(rooms ...string) *BroadcastOperator { return n.operator().Except(rooms...) }

// Volatile marks packets droppable for clients that cannot take them at once.
func (n *Namespace) Volatile() *BroadcastOperator { return n.operator().Volatile() }

// Compress sets whether packets may be compressed.
func (n *Namespace) Compress(compress bool) *BroadcastOperator {
	return n.operator().Compress(compress)
}

// Local keeps the operation on this server.
func (n *Namespace) Local() *BroadcastOperator { return n.operator().Local() }

// Timeout sets how long EmitWithAck waits for answers.
func (n *Namespace) Timeout(d time.Duration) *BroadcastOperator { return n.operator().Timeout(d) }

// Emit sends an event to every socket of the namespace.
func (n *Namespace) Emit(event string, args ...any) error { return n.operator().Emit(event, args...) }

// EmitWithAck sends an event to every socket and collects their answers.
func (n *Namespace) EmitWithAck(ctx context.Context, event string, args ...any) ([]Response, error) {
	return n.operator().EmitWithAck(ctx, event, args...)
}

// FetchSockets returns the namespace's sockets, cluster-wide.
func (n *Namespace) FetchSockets(ctx context.Context) ([]*RemoteSocket, error) {
	return n.operator().FetchSockets(ctx)
}

// SocketsJoin makes every socket join rooms.
func (n *Namespace) SocketsJoin(ctx context.Context, rooms ...string) error {
	return n.operator().SocketsJoin(ctx, rooms...)
}

// SocketsLeave makes every socket leave rooms.
func (n *Namespace) SocketsLeave(ctx context.Context, rooms ...string) error {
	return n.operator().SocketsLeave(ctx, rooms...)
}

// DisconnectSockets disconnects every socket.
func (n *Namespace) DisconnectSockets(ctx context.Context, close bool) error {
	return n.operator().DisconnectSockets(ctx, close)
}

// ServerSideEmit sends an event to the other servers of the cluster; ctx
// bounds the publication. With the in-memory adapter there are none, so
// nothing happens, as in Node.
func (n *Namespace) ServerSideEmit(ctx context.Context, event string, args ...any) error {
	if reservedEvents[event] {
		return ErrReservedEvent
	}
	return n.adapter.ServerSideEmit(ctx, append([]any{event}, args...), nil, nil)
}

// ServerSideEmitWithAck sends an event to the other servers and collects
// their answers until each has answered or ctx ends. A ctx without a
// deadline gets the adapter's RequestsTimeout when it has one (the Redis
// adapters do), so that a server that never answers cannot make the call
// wait for ever.
func (n *Namespace) ServerSideEmitWithAck(ctx context.Context, event string, args ...any) ([]Response, error) {
	if reservedEvents[event] {
		return nil, ErrReservedEvent
	}
	if _, has := ctx.Deadline(); !has {
		// A server that never answers must not make the caller wait forever.
		if rt, ok := n.adapter.(interface{ RequestsTimeout() time.Duration }); ok {
			var cancel context.CancelFunc
			ctx, cancel = context.WithTimeout(ctx, rt.RequestsTimeout())
			defer cancel()
		}
	}
	// The adapter counts the other servers (one report), and each answers
	// once.
	c := newAckCollector(1)
	if err := n.adapter.ServerSideEmit(ctx, append([]any{event}, args...), c.expect, c.add); err != nil {
		return nil, err
	}
	return c.wait(ctx)
}

func randomID() string {
	var b [15]byte
	_, _ = rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}
