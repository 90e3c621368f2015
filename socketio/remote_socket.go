package socketio

import "context"

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
