package socketio

import (
	"context"
	"time"

	"github.com/gosio/gosio/parser"
)

// Adapter keeps a namespace's rooms and delivers its broadcasts. The default
// keeps everything in memory; a cluster adapter (e.g. Redis) wraps it and
// forwards operations to the other servers.
//
// Methods must be safe for concurrent use. Broadcast must encode a packet
// once, whatever the number of recipients.
//
// A cluster adapter does two more things for the server's observability:
//
//   - It times each request that waits for other servers (or for its
//     broker: a server count) with one line, which costs nothing while the
//     server's counters are off, for [Stats.AdapterRequests] and the
//     metrics package's gosio_adapter_requests_total and
//     gosio_adapter_request_seconds:
//
//     req := nsp.StartAdapterRequest("fetchSockets") // Node's request names
//     err := ...                                      // the round trip
//     req.Done(err)                                   // or req.TimedOut()
//
//   - In its fetchSockets answers it sends [RemoteSocket.WireData], not
//     Data, as each socket's data, so that a Node server's Admin UI sees
//     this server's sockets with their client id and transport.
type Adapter interface {
	// AddAll adds socket id to rooms.
	AddAll(id string, rooms []string)
	// Del removes socket id from room.
	Del(id, room string)
	// DelAll removes socket id from every room.
	DelAll(id string)
	// Rooms returns the rooms of socket id, or nil.
	SocketRooms(id string) []string
	// Sockets returns the ids of the local sockets in any of rooms (all
	// sockets when rooms is empty).
	Sockets(rooms []string) []string
	// AllRooms returns every room of the namespace.
	AllRooms(ctx context.Context) ([]string, error)

	// Broadcast sends pkt to the sockets opts selects.
	Broadcast(ctx context.Context, pkt *parser.Packet, opts *BroadcastOptions) error
	// BroadcastWithAck sends pkt (whose ID is set) to the sockets opts
	// selects. Each server of the cluster, this one included, calls expect
	// once with the number of its sockets that will answer (possibly after
	// BroadcastWithAck has returned); onAck is called for each answer.
	BroadcastWithAck(ctx context.Context, pkt *parser.Packet, opts *BroadcastOptions,
		expect func(n int), onAck func(Response)) error

	// FetchSockets returns the sockets opts selects.
	FetchSockets(ctx context.Context, opts *BroadcastOptions) ([]*RemoteSocket, error)
	// AddSockets makes the sockets opts selects join rooms.
	AddSockets(ctx context.Context, opts *BroadcastOptions, rooms []string) error
	// DelSockets makes the sockets opts selects leave rooms.
	DelSockets(ctx context.Context, opts *BroadcastOptions, rooms []string) error
	// DisconnectSockets disconnects the sockets opts selects.
	DisconnectSockets(ctx context.Context, opts *BroadcastOptions, close bool) error

	// ServerSideEmit sends an event (args[0] is its name) to the other
	// servers of the cluster, where [Namespace.ReceiveServerSideEmit]
	// delivers it. With onAck set, expect is called once when
	// ServerSideEmit returns without error (before it returns, or later for
	// an adapter that learns the count from the answers, as the PostgreSQL
	// one does) with the number of other servers whose answers (onAck, one
	// each) to wait for. A single server has no others: nothing is sent,
	// and expect gets 0.
	ServerSideEmit(ctx context.Context, args []any, expect func(n int), onAck func(Response)) error
	// ServerCount returns the number of servers in the cluster.
	ServerCount(ctx context.Context) (int, error)

	// Close releases the adapter's resources.
	Close() error
}

// BroadcastOptions selects the recipients of an operation and how packets
// travel.
type BroadcastOptions struct {
	// Rooms limits the operation to sockets in any of these rooms. Empty
	// means every socket of the namespace.
	Rooms []string
	// Except leaves out sockets in any of these rooms.
	Except []string
	// Flags modify delivery.
	Flags BroadcastFlags
}

// BroadcastFlags modify the delivery of a broadcast.
type BroadcastFlags struct {
	// Volatile packets are dropped for clients that cannot take them at once.
	Volatile bool
	// NoCompress turns off WebSocket compression for the packet.
	NoCompress bool
	// Local keeps the operation on this server (no cluster fan-out).
	Local bool
	// Timeout is the one set with Timeout, if any: how long acknowledgements
	// are awaited. Cluster adapters tell it to the other servers, as Node's.
	Timeout time.Duration
}

// RoomEvent is a change of a namespace's rooms, reported to listeners
// registered with [Namespace.OnRoomEvent].
type RoomEvent struct {
	Kind     RoomEventKind
	Room     string
	SocketID string // for join and leave
}

// RoomEventKind names a room change, with Node's event names.
type RoomEventKind string

// Room changes.
const (
	RoomCreated RoomEventKind = "create-room"
	RoomDeleted RoomEventKind = "delete-room"
	RoomJoined  RoomEventKind = "join-room"
	RoomLeft    RoomEventKind = "leave-room"
)
