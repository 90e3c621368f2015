package socketio

import (
	"context"
	"maps"
	"sync"
)

// RemoteSocket is a socket returned by FetchSockets: on this server or, with
// a cluster adapter, on another one. Its methods act on the real socket
// wherever it is; their ctx bounds what goes over the network to reach it.
type RemoteSocket struct {
	ID        string
	Handshake *Handshake
	Rooms     []string
	Data      any

	nsp   *Namespace
	local *Socket
}

// NewRemoteSocket describes a socket of nsp that lives on another server.
// Cluster adapters use it.
func NewRemoteSocket(nsp *Namespace, id string, hs *Handshake, rooms []string, data any) *RemoteSocket {
	return &RemoteSocket{ID: id, Handshake: hs, Rooms: rooms, Data: data, nsp: nsp}
}

// Local returns the socket when it lives on this server, or nil.
func (r *RemoteSocket) Local() *Socket { return r.local }

// Emit sends an event to the socket.
func (r *RemoteSocket) Emit(ctx context.Context, event string, args ...any) error {
	if r.local != nil {
		return r.local.Emit(event, args...)
	}
	return r.nsp.To(r.ID).EmitContext(ctx, event, args...)
}

// Join adds the socket to rooms.
func (r *RemoteSocket) Join(ctx context.Context, rooms ...string) error {
	if r.local != nil {
		return r.local.Join(rooms...)
	}
	return r.nsp.To(r.ID).SocketsJoin(ctx, rooms...)
}

// Leave removes the socket from rooms.
func (r *RemoteSocket) Leave(ctx context.Context, rooms ...string) error {
	if r.local != nil {
		r.local.Leave(rooms...)
		return nil
	}
	return r.nsp.To(r.ID).SocketsLeave(ctx, rooms...)
}

// Disconnect disconnects the socket; see [Socket.Disconnect].
func (r *RemoteSocket) Disconnect(ctx context.Context, close bool) error {
	if r.local != nil {
		r.local.Disconnect(close)
		return nil
	}
	return r.nsp.To(r.ID).DisconnectSockets(ctx, close)
}

// remote describes a local socket for FetchSockets.
func (s *Socket) remote() *RemoteSocket {
	return &RemoteSocket{
		ID: s.id, Handshake: s.Handshake(), Rooms: s.Rooms(), Data: s.Data(),
		nsp: s.nsp, local: s,
	}
}

// WireData is what a cluster adapter sends as r's data in a fetchSockets
// answer to the other servers: Data, and, while [Server.ShareAdminInfo] is
// on and r is a socket of this server, an "_admin" entry holding its
// client id (12 characters) and transport, which Node's Admin UI reads
// from the data of the sockets of other servers (Node's instrument keeps
// it in socket.data). Adapters call it rather than reading Data; the
// socket's own Data is never changed. Data that is not an object (a
// string, a number) cannot hold the entry and goes as it is.
func (r *RemoteSocket) WireData() any {
	s := r.local
	if s == nil || s.nsp.server.adminInfo.Load() == 0 {
		return r.Data
	}
	var obj map[string]any
	switch d := r.Data.(type) {
	case nil:
		obj = make(map[string]any, 1)
	case map[string]any:
		obj = maps.Clone(d)
	default:
		// A struct or a typed map: its JSON form, which is what goes on
		// the wire anyway.
		raw, err := rawValues([]any{d})
		if err != nil || len(raw) != 1 {
			return r.Data
		}
		var v any
		if raw[0].Unmarshal(&v) != nil {
			return r.Data
		}
		m, ok := v.(map[string]any)
		if !ok {
			return r.Data
		}
		obj = m
	}
	cid := s.ClientID()
	if len(cid) > adminClientIDLength {
		cid = cid[:adminClientIDLength]
	}
	obj["_admin"] = map[string]any{"clientId": cid, "transport": s.Transport()}
	return obj
}

// adminClientIDLength is how much of the connection id Node's Admin UI
// shows: the rest is left out as sensitive.
const adminClientIDLength = 12

// ShareAdminInfo makes [RemoteSocket.WireData] add the "_admin" entry
// Node's Admin UI reads, so that a Node server's UI in the same cluster
// shows this server's sockets with their client id and transport.
// socketio/admin turns it on. The returned function turns it off again
// (it is on while any caller has it on).
func (srv *Server) ShareAdminInfo() (stop func()) {
	srv.adminInfo.Add(1)
	var once sync.Once
	return func() { once.Do(func() { srv.adminInfo.Add(-1) }) }
}
