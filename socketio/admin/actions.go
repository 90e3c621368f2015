package admin

import (
	"github.com/gosio/gosio/socketio"
)

// registerActions carries out what the UI asks for. Each action names a
// namespace and takes a filter, a room name or a socket id (every socket
// has a room of its id), or none for the whole namespace; it applies
// cluster-wide, as the adapter's operations do. A namespace that does not
// exist is left alone, not created.
func (a *Admin) registerActions(s *socketio.Socket) {
	s.On("emit", func(nsp string, filter any, event string, args ...any) {
		if op := a.target(nsp, filter); op != nil {
			a.logAction(s, "emit", nsp, filter, "event", event)
			_ = op.Emit(event, args...)
		}
	})
	s.On("join", func(nsp, room string, filter any) {
		if op := a.target(nsp, filter); op != nil && room != "" {
			a.logAction(s, "join", nsp, filter, "room", room)
			_ = op.SocketsJoin(s.Context(), room)
		}
	})
	s.On("leave", func(nsp, room string, filter any) {
		if op := a.target(nsp, filter); op != nil && room != "" {
			a.logAction(s, "leave", nsp, filter, "room", room)
			_ = op.SocketsLeave(s.Context(), room)
		}
	})
	s.On("_disconnect", func(nsp string, close bool, filter any) {
		if op := a.target(nsp, filter); op != nil {
			a.logAction(s, "disconnect", nsp, filter, "close", close)
			_ = op.DisconnectSockets(s.Context(), close)
		}
	})
}

// target is the sockets of namespace nsp in the room filter, or all of
// them when filter is empty; nil when the namespace does not exist.
func (a *Admin) target(nsp string, filter any) *socketio.BroadcastOperator {
	for _, n := range a.io.Namespaces() {
		if n.Name() != nsp {
			continue
		}
		if room, _ := filter.(string); room != "" {
			return n.In(room)
		}
		return n.Except() // every socket
	}
	return nil
}

func (a *Admin) logAction(s *socketio.Socket, action, nsp string, filter any, args ...any) {
	a.io.Logger().Info("admin: action", append([]any{"action", action, "nsp", nsp, "filter", filter, "admin_socket", s.ID()}, args...)...)
}
