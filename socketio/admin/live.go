package admin

import (
	"context"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gosio/gosio/engineio"
	"github.com/gosio/gosio/socketio"
)

// liveSockets keeps the UI's socket list up to date in development mode:
// sockets connecting, upgrading, joining and leaving rooms, their data
// set, disconnecting, and their events (broadcasts included). It is a
// [socketio.DataObserver] and an [engineio.Observer].
type liveSockets struct {
	a       *Admin
	closed  atomic.Bool
	mu      sync.Mutex
	byConn  map[string][]*socketio.Socket // engine session id -> its sockets
	hooked  map[*socketio.Socket]hooks    // sockets whose events are reported
	roomOff []func()
}

var (
	_ socketio.DataObserver = (*liveSockets)(nil)
	_ engineio.Observer     = (*liveSockets)(nil)
)

func newLiveSockets(a *Admin) *liveSockets {
	return &liveSockets{a: a, byConn: make(map[string][]*socketio.Socket), hooked: make(map[*socketio.Socket]hooks)}
}

// start registers the listeners and returns what unregisters them.
func (l *liveSockets) start() []func() {
	io := l.a.io
	stops := []func(){io.Observe(l), io.Engine().Observe(l)}
	io.OnNewNamespace(l.watchRooms) // cannot be unregistered: it checks closed
	for _, n := range io.Namespaces() {
		l.watchRooms(n)
	}
	return append(stops, func() {
		l.closed.Store(true)
		l.mu.Lock()
		offs := l.roomOff
		l.roomOff = nil
		l.mu.Unlock()
		for _, off := range offs {
			off()
		}
	})
}

// listened reports whether an emission to the admin namespace can reach a
// UI, without allocating: one is connected here, or the namespace's
// adapter spans a cluster.
func (l *liveSockets) listened() bool {
	return l.a.listened()
}

// emit sends an update to the UIs. Callers whose arguments cost to make
// check listened first.
func (l *liveSockets) emit(event string, args ...any) {
	if l.listened() {
		_ = l.a.nsp.Emit(event, args...)
	}
}

func (l *liveSockets) watchRooms(n *socketio.Namespace) {
	if l.closed.Load() {
		return
	}
	name := n.Name()
	off := n.OnRoomEvent(func(e socketio.RoomEvent) {
		if !l.listened() {
			return
		}
		switch e.Kind {
		case socketio.RoomJoined:
			l.emit("room_joined", name, e.Room, e.SocketID, timestamp())
		case socketio.RoomLeft:
			l.emit("room_left", name, e.Room, e.SocketID, timestamp())
		}
	})
	l.mu.Lock()
	l.roomOff = append(l.roomOff, off)
	l.mu.Unlock()
}

// SocketConnected implements [socketio.Observer].
func (l *liveSockets) SocketConnected(s *socketio.Socket) {
	l.mu.Lock()
	l.byConn[s.ClientID()] = append(l.byConn[s.ClientID()], s)
	if l.a.listened() {
		l.hookLocked(s)
	}
	l.mu.Unlock()
	if l.listened() { // serialising costs: only for a UI
		l.emit("socket_connected", serialize(s), timestamp())
	}
}

// hookLocked reports s's events to the UIs. Decoding every event's
// arguments for them costs, so sockets are hooked only while a UI listens
// (see hookAll, unhookAll). l.mu must be held.
func (l *liveSockets) hookLocked(s *socketio.Socket) {
	nsp := s.Namespace()
	if _, done := l.hooked[s]; done || nsp == l.a.nsp {
		return // the UIs' own events are not shown, as in Node
	}
	h := hooks{in: l.reporter("event_received", nsp.Name(), s.ID()), out: l.reporter("event_sent", nsp.Name(), s.ID())}
	l.hooked[s] = h
	s.OnAny(h.in)
	s.OnAnyOutgoing(h.out)
}

// hooks are the catch-all listeners hookLocked gave a socket, kept to be
// removed: OffAny finds a listener by its code, which the compiler may
// duplicate for each place a closure is made.
type hooks struct{ in, out func(string, ...any) }

// reporter is a socket's catch-all listener.
func (l *liveSockets) reporter(kind, nsp, id string) func(string, ...any) {
	return func(event string, args ...any) {
		l.emit(kind, nsp, id, append([]any{event}, args...), timestamp())
	}
}

// hookAll hooks every socket of this server: a UI has come.
func (l *liveSockets) hookAll() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.a.listened() {
		return
	}
	for _, list := range l.byConn {
		for _, s := range list {
			l.hookLocked(s)
		}
	}
}

// unhookAll removes the hooks once the last UI has gone.
func (l *liveSockets) unhookAll() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.a.listened() {
		return
	}
	for s, h := range l.hooked {
		s.OffAny(h.in)
		s.OffAnyOutgoing(h.out)
		delete(l.hooked, s)
	}
}

// SocketDisconnected implements [socketio.Observer].
func (l *liveSockets) SocketDisconnected(s *socketio.Socket, reason socketio.DisconnectReason) {
	l.mu.Lock()
	delete(l.hooked, s)
	list := l.byConn[s.ClientID()]
	for i, x := range list {
		if x == s {
			list = append(list[:i:i], list[i+1:]...)
			break
		}
	}
	if len(list) == 0 {
		delete(l.byConn, s.ClientID())
	} else {
		l.byConn[s.ClientID()] = list
	}
	l.mu.Unlock()
	l.emit("socket_disconnected", s.Namespace().Name(), s.ID(), string(reason), timestamp())
}

// SocketDataSet implements [socketio.DataObserver]: the UI shows the new
// data, as Node's does when socket.data changes.
func (l *liveSockets) SocketDataSet(s *socketio.Socket) {
	if s.Namespace() == l.a.nsp || !l.listened() {
		return
	}
	data, _, _ := splitData(s.Data())
	l.emit("socket_updated", map[string]any{"id": s.ID(), "nsp": s.Namespace().Name(), "data": data})
}

// SessionOpened implements [engineio.Observer].
func (l *liveSockets) SessionOpened(*engineio.Session) {}

// SessionClosed implements [engineio.Observer].
func (l *liveSockets) SessionClosed(*engineio.Session, engineio.CloseReason) {}

// SessionUpgraded implements [engineio.Observer]: the connection's sockets
// now show WebSocket.
func (l *liveSockets) SessionUpgraded(sess *engineio.Session) {
	l.mu.Lock()
	list := append([]*socketio.Socket(nil), l.byConn[sess.ID()]...)
	l.mu.Unlock()
	for _, s := range list {
		l.emit("socket_updated", map[string]any{
			"id": s.ID(), "nsp": s.Namespace().Name(), "transport": engineio.TransportWebSocket,
		})
	}
}

// all lists every socket of every namespace, cluster-wide.
func (l *liveSockets) all(ctx context.Context) []socketInfo {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	out := []socketInfo{}
	for _, n := range l.a.io.Namespaces() {
		sockets, err := n.FetchSockets(ctx)
		if err != nil {
			l.a.io.Logger().Warn("admin: fetching sockets", "nsp", n.Name(), "err", err)
		}
		for _, r := range sockets {
			if s := r.Local(); s != nil {
				out = append(out, serialize(s))
			} else {
				out = append(out, serializeRemote(n.Name(), r))
			}
		}
	}
	return out
}

// socketInfo is a socket as the UI reads it (Node's serialize).
type socketInfo struct {
	ID        string        `json:"id"`
	ClientID  string        `json:"clientId"`
	Transport string        `json:"transport"`
	Nsp       string        `json:"nsp"`
	Data      any           `json:"data"`
	Handshake handshakeInfo `json:"handshake"`
	Rooms     []string      `json:"rooms"`
}

type handshakeInfo struct {
	Address string            `json:"address"`
	Headers map[string]string `json:"headers"`
	Query   map[string]string `json:"query"`
	Issued  int64             `json:"issued"`
	Secure  bool              `json:"secure"`
	Time    string            `json:"time"`
	URL     string            `json:"url"`
	XDomain bool              `json:"xdomain"`
}

// clientIDLength is how much of the connection id the UI shows, as Node's.
const clientIDLength = 12

func serialize(s *socketio.Socket) socketInfo {
	cid := s.ClientID()
	if len(cid) > clientIDLength {
		cid = cid[:clientIDLength]
	}
	data, _, _ := splitData(s.Data())
	return socketInfo{
		ID: s.ID(), ClientID: cid, Transport: s.Transport(), Nsp: s.Namespace().Name(),
		Data: data, Handshake: serializeHandshake(s.Handshake()), Rooms: nonNil(s.Rooms()),
	}
}

// serializeRemote describes a socket of another server. A Node server
// instrumented by admin-ui keeps the client id and transport in data._admin.
func serializeRemote(nsp string, r *socketio.RemoteSocket) socketInfo {
	data, cid, transport := splitData(r.Data)
	return socketInfo{
		ID: r.ID, ClientID: cid, Transport: transport, Nsp: nsp,
		Data: data, Handshake: serializeHandshake(r.Handshake), Rooms: nonNil(r.Rooms),
	}
}

// splitData returns the socket's data without Node's "_admin" entry, and
// what that entry held.
func splitData(v any) (data any, clientID, transport string) {
	m, ok := v.(map[string]any)
	if !ok {
		if v == nil {
			return map[string]any{}, "", ""
		}
		return v, "", ""
	}
	adm, ok := m["_admin"].(map[string]any)
	if !ok {
		return m, "", ""
	}
	clientID, _ = adm["clientId"].(string)
	transport, _ = adm["transport"].(string)
	rest := make(map[string]any, len(m))
	for k, x := range m {
		if k != "_admin" {
			rest[k] = x
		}
	}
	return rest, clientID, transport
}

func serializeHandshake(h *socketio.Handshake) handshakeInfo {
	if h == nil {
		return handshakeInfo{Headers: map[string]string{}, Query: map[string]string{}}
	}
	info := handshakeInfo{
		Address: h.Address,
		Headers: make(map[string]string, len(h.Headers)),
		Query:   make(map[string]string, len(h.Query)),
		Issued:  h.Issued(),
		Secure:  h.Secure,
		Time:    h.Time.Format("Mon Jan 02 2006 15:04:05 GMT-0700 (MST)"),
		URL:     h.URL,
		XDomain: h.XDomain,
	}
	for k, v := range h.Headers {
		info.Headers[strings.ToLower(k)] = strings.Join(v, ", ")
	}
	for k, v := range h.Query {
		if len(v) > 0 {
			info.Query[k] = v[0]
		}
	}
	// Behind a proxy, the client's address is in a header, as Node's reads it.
	if ip := info.Headers["cf-connecting-ip"]; ip != "" {
		info.Address = ip
	} else if ip := info.Headers["x-forwarded-for"]; ip != "" {
		info.Address = ip
	}
	return info
}

func nonNil(rooms []string) []string {
	if rooms == nil {
		return []string{}
	}
	return rooms
}

// timestamp is now as a JavaScript Date serialises, which the UI parses.
func timestamp() string { return time.Now().UTC().Format("2006-01-02T15:04:05.000Z") }
