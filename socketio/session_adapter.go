package socketio

import "context"

// SessionAdapter is implemented by a cluster adapter that keeps connection
// state recovery's sessions and event log itself (e.g. in a Redis stream),
// so that a client can recover on any server of the cluster, Node's
// included.
//
// When recovery is on and a namespace's adapter is a SessionAdapter, the
// server neither numbers that namespace's events nor keeps its sessions:
//
//   - the adapter appends the offset (in its own format, the one the other
//     servers of the cluster understand) as the last argument of every
//     broadcast EVENT that asks no acknowledgement and is not volatile, as
//     Node's ClusterAdapter does, when [Namespace.Recovery] is not nil;
//   - [Socket.Emit] and [Socket.EmitWithAck] go through Broadcast, to the
//     socket's own room, so that a direct emit gets an offset too and an
//     emit that asks an answer is stored (with its ack id, which Node's
//     replay drops), as Node's socket.emit; so do the emits to a socket
//     that lost its connection but whose session is kept, for its
//     recovery;
//   - a socket that loses its connection for a recoverable reason (server
//     shutdown included) is saved with PersistSession, before the adapters
//     are closed;
//   - a CONNECT whose auth carries {pid, offset} calls RestoreSession; what
//     it returns is replayed before the connection handlers run.
//
// Each call gets a context bounded by [RecoveryOptions.StoreTimeout]. A
// call that fails is logged and the socket is not recovered: a store that
// is down costs the client its state, never its connection. The server
// stops waiting for a restore at StoreTimeout even when the adapter does
// not heed the context (go-redis, unless ContextTimeoutEnabled, bounds a
// command by its own timeouts); Close waits for such a call to end.
type SessionAdapter interface {
	Adapter
	// PersistSession stores the session of a socket that lost its
	// connection for a recoverable reason; it expires after
	// RecoveryOptions.MaxDisconnectionDuration.
	PersistSession(ctx context.Context, s *SavedSession) error
	// RestoreSession takes the session pid (at most once: a second call
	// finds nothing) with the events emitted after offset that the socket
	// would have received. It returns nil, nil when there is nothing to
	// restore (unknown pid, offset no longer held, expired).
	RestoreSession(ctx context.Context, pid, offset string) (*SavedSession, error)
}

// SavedSession is a socket's state kept for connection state recovery, in
// the shape of Node's Session.
type SavedSession struct {
	SID string // the socket id, which the recovered socket gets back
	PID string // the private id, which the client sends to recover
	// Namespace is the socket's namespace, when the store keeps it (Node's
	// sessions do not: empty means any).
	Namespace string
	// Rooms are the rooms the socket was in, its own id room included.
	Rooms []string
	// Data is socket.data: decoded JSON or msgpack values for sessions
	// stored by Node.
	Data any
	// MissedPackets are the EVENTs the socket missed, oldest first: each is
	// the packet's data array (event name, arguments..., offset last).
	MissedPackets [][]any
}

// Recovery returns the server's connection state recovery options (a copy),
// or nil when recovery is off. A [SessionAdapter] asks it to decide whether
// broadcasts carry offsets.
func (n *Namespace) Recovery() *RecoveryOptions {
	r := n.server.opts.ConnectionStateRecovery
	if r == nil {
		return nil
	}
	c := *r
	return &c
}

// sessionAdapterOf returns a's session capability when recovery is on and
// a has it, else nil.
func sessionAdapterOf(srv *Server, a Adapter) SessionAdapter {
	if srv.opts.ConnectionStateRecovery == nil {
		return nil
	}
	sa, _ := a.(SessionAdapter)
	return sa
}
