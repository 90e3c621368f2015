package socketio

import (
	"context"
	"log/slog"
	"sync/atomic"
)

// Stats counts a server's Socket.IO activity since [Server.Stats] was
// first called. Every field only grows. The transport's counters (messages
// and bytes, handshakes, upgrades, queue limits) are the engine's: see
// [engineio.Server.Stats], through [Server.Engine].
type Stats struct {
	// Connects and Disconnects count namespace connections and their ends.
	Connects, Disconnects atomic.Uint64
	// RateWarned and RateDisconnected count the events over
	// Limits.EventRate warned of and disconnected for; those dropped are
	// counted with the server's other drops, in [Server.Drops].
	RateWarned, RateDisconnected atomic.Uint64
	// NamespacesRefused counts namespace connections refused by
	// Limits.MaxNamespaces.
	NamespacesRefused atomic.Uint64
	// Broadcasts counts the broadcasts made on this server (by the in-memory
	// adapter, or a cluster adapter's local part), and BroadcastRecipients
	// the sockets they reached: their ratio is the mean fan-out.
	Broadcasts, BroadcastRecipients atomic.Uint64
	// RoomsRefused counts Join calls refused by Limits.MaxRooms, and
	// AcksRefused EmitWithAck calls refused by Limits.MaxPendingAcks.
	RoomsRefused, AcksRefused atomic.Uint64
	// AckRoundTrip times the acknowledged emits to clients (Socket and
	// broadcast EmitWithAck), from the send to the client's answer; those
	// never answered are not timed.
	AckRoundTrip Histogram
	// AckReply times the clients' acknowledged events, from the start of
	// their listeners to the handler's answer: how long the application
	// takes to answer. Those never answered are not timed.
	AckReply Histogram

	adapter adapterRequests // see AdapterRequests
}

// Observer is told when sockets connect to and disconnect from the
// server's namespaces. Its methods must be quick and must not block.
type Observer interface {
	// SocketConnected is called once a socket has passed the namespace's
	// middlewares and is in its own room, before the namespace's connection
	// handlers run, on the socket's goroutine.
	SocketConnected(s *Socket)
	// SocketDisconnected is called after the socket's "disconnect"
	// listeners, once it has left its rooms, on the socket's goroutine:
	// always after SocketConnected.
	SocketDisconnected(s *Socket, reason DisconnectReason)
}

// DataObserver is an [Observer] that is also told when a connected
// socket's data is replaced with [Socket.SetData], as Node's Admin UI
// hears of socket.data changes. Observers that do not implement it are not
// told.
type DataObserver interface {
	Observer
	// SocketDataSet is called by SetData, on the caller's goroutine, after
	// the new value is stored. It must be quick and must not block.
	SocketDataSet(s *Socket)
}

// Stats returns the server's counters, which start counting on the first
// call. Every caller gets the same *Stats.
func (srv *Server) Stats() *Stats {
	return srv.obs.Stats()
}

// Observe registers o for socket connections and disconnections. The
// returned function unregisters it.
func (srv *Server) Observe(o Observer) (stop func()) {
	return srv.obs.Observe(o)
}

// count adds one to the counter pick chooses, when counting is on.
func (srv *Server) count(pick func(*Stats) *atomic.Uint64) {
	if st := srv.obs.Counting(); st != nil {
		pick(st).Add(1)
	}
}

func (srv *Server) countBroadcast(recipients int) {
	if st := srv.obs.Counting(); st != nil {
		st.Broadcasts.Add(1)
		st.BroadcastRecipients.Add(uint64(recipients))
	}
}

func (srv *Server) notifyConnected(s *Socket) {
	srv.count(func(st *Stats) *atomic.Uint64 { return &st.Connects })
	if log := srv.opts.Logger; log.Enabled(context.Background(), slog.LevelDebug) {
		log.Debug("socketio: socket connected", "nsp", s.nsp.name, "socket", s.id, "sid", s.client.sess.ID(),
			"transport", s.client.sess.Transport(), "address", s.client.sess.Request().RemoteAddr)
	}
	for _, o := range srv.obs.Observers() {
		o.SocketConnected(s)
	}
}

func (srv *Server) notifyDisconnected(s *Socket, reason DisconnectReason) {
	srv.count(func(st *Stats) *atomic.Uint64 { return &st.Disconnects })
	if log := srv.opts.Logger; log.Enabled(context.Background(), slog.LevelDebug) {
		log.Debug("socketio: socket disconnected", "nsp", s.nsp.name, "socket", s.id, "sid", s.client.sess.ID(),
			"transport", s.client.sess.Transport(), "reason", string(reason))
	}
	for _, o := range srv.obs.Observers() {
		o.SocketDisconnected(s, reason)
	}
}

func (srv *Server) notifyDataSet(s *Socket) {
	for _, o := range srv.obs.Observers() {
		if d, ok := o.(DataObserver); ok {
			d.SocketDataSet(s)
		}
	}
}
