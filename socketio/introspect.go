package socketio

import (
	"slices"
	"strings"
)

// Namespaces returns the server's namespaces, sorted by name. Unlike
// [Server.Of], it creates none: tools that list or act on namespaces (an
// admin dashboard) use it to leave unknown names alone.
func (srv *Server) Namespaces() []*Namespace {
	srv.mu.RLock()
	out := make([]*Namespace, 0, len(srv.nsps))
	for _, n := range srv.nsps {
		out = append(out, n)
	}
	srv.mu.RUnlock()
	slices.SortFunc(out, func(a, b *Namespace) int { return strings.Compare(a.name, b.name) })
	return out
}

// ClientID returns the id of the connection (the Engine.IO session) the
// socket belongs to: the same for every namespace a client joined over one
// connection, as Node's socket.client.id.
func (s *Socket) ClientID() string { return s.client.sess.ID() }
