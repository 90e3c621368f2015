package socketio

import (
	"context"
	"sync"

	"github.com/gosio/gosio/parser"
)

// MemoryAdapter is the default [Adapter]: rooms live in this process and
// broadcasts reach this server's sockets only.
type MemoryAdapter struct {
	nsp *Namespace

	mu    sync.RWMutex
	rooms map[string]map[string]struct{} // room → socket ids
	sids  map[string]map[string]struct{} // socket id → rooms
}

// NewMemoryAdapter returns an in-memory adapter for nsp.
func NewMemoryAdapter(nsp *Namespace) *MemoryAdapter {
	return &MemoryAdapter{
		nsp:   nsp,
		rooms: make(map[string]map[string]struct{}),
		sids:  make(map[string]map[string]struct{}),
	}
}

// Namespace returns the adapter's namespace.
func (a *MemoryAdapter) Namespace() *Namespace { return a.nsp }

// AddAll implements [Adapter].
func (a *MemoryAdapter) AddAll(id string, rooms []string) {
	var events []RoomEvent
	a.mu.Lock()
	mine := a.sids[id]
	if mine == nil {
		mine = make(map[string]struct{}, len(rooms))
		a.sids[id] = mine
	}
	for _, room := range rooms {
		if _, in := mine[room]; in {
			continue
		}
		mine[room] = struct{}{}
		members := a.rooms[room]
		if members == nil {
			members = make(map[string]struct{})
			a.rooms[room] = members
			events = append(events, RoomEvent{Kind: RoomCreated, Room: room})
		}
		members[id] = struct{}{}
		events = append(events, RoomEvent{Kind: RoomJoined, Room: room, SocketID: id})
	}
	a.mu.Unlock()
	a.nsp.emitRoomEvents(events)
}

// Del implements [Adapter].
func (a *MemoryAdapter) Del(id, room string) {
	a.mu.Lock()
	events := a.delLocked(id, room, nil)
	a.mu.Unlock()
	a.nsp.emitRoomEvents(events)
}

func (a *MemoryAdapter) delLocked(id, room string, events []RoomEvent) []RoomEvent {
	mine := a.sids[id]
	if _, in := mine[room]; !in {
		return events
	}
	delete(mine, room)
	if len(mine) == 0 {
		delete(a.sids, id)
	}
	members := a.rooms[room]
	delete(members, id)
	events = append(events, RoomEvent{Kind: RoomLeft, Room: room, SocketID: id})
	if len(members) == 0 {
		delete(a.rooms, room)
		events = append(events, RoomEvent{Kind: RoomDeleted, Room: room})
	}
	return events
}

// DelAll implements [Adapter].
func (a *MemoryAdapter) DelAll(id string) {
	var events []RoomEvent
	a.mu.Lock()
	for room := range a.sids[id] {
		events = a.delLocked(id, room, events)
	}
	a.mu.Unlock()
	a.nsp.emitRoomEvents(events)
}

// SocketRooms implements [Adapter].
func (a *MemoryAdapter) SocketRooms(id string) []string {
	a.mu.RLock()
	defer a.mu.RUnlock()
	mine := a.sids[id]
	if mine == nil {
		return nil
	}
	out := make([]string, 0, len(mine))
	for room := range mine {
		out = append(out, room)
	}
	return out
}

// Sockets implements [Adapter].
func (a *MemoryAdapter) Sockets(rooms []string) []string {
	var out []string
	a.apply(&BroadcastOptions{Rooms: rooms}, func(s *Socket) { out = append(out, s.id) })
	return out
}

// AllRooms implements [Adapter].
func (a *MemoryAdapter) AllRooms(context.Context) ([]string, error) {
	a.mu.RLock()
	defer a.mu.RUnlock()
	out := make([]string, 0, len(a.rooms))
	for room := range a.rooms {
		out = append(out, room)
	}
	return out, nil
}

// Broadcast implements [Adapter]. The packet is encoded once; every
// recipient's connection queues the same bytes.
func (a *MemoryAdapter) Broadcast(_ context.Context, pkt *parser.Packet, opts *BroadcastOptions) error {
	out, err := a.nsp.server.encode(pkt, !opts.Flags.NoCompress)
	if err != nil {
		return err
	}
	a.apply(opts, func(s *Socket) { s.sendEncoded(out, opts.Flags.Volatile) })
	return nil
}

// BroadcastWithAck implements [Adapter].
func (a *MemoryAdapter) BroadcastWithAck(_ context.Context, pkt *parser.Packet, opts *BroadcastOptions,
	expect func(int), onAck func(Response)) error {
	out, err := a.nsp.server.encode(pkt, !opts.Flags.NoCompress)
	if err != nil {
		return err
	}
	n := 0
	a.apply(opts, func(s *Socket) {
		id := s.id
		if s.registerAck(pkt.ID, func(args []parser.RawValue) { onAck(Response{SocketID: id, Args: args}) }) != nil {
			return
		}
		if s.sendEncoded(out, opts.Flags.Volatile) {
			n++
		} else {
			s.cancelAck(pkt.ID)
		}
	})
	expect(n)
	return nil
}

// FetchSockets implements [Adapter].
func (a *MemoryAdapter) FetchSockets(_ context.Context, opts *BroadcastOptions) ([]*RemoteSocket, error) {
	var out []*RemoteSocket
	a.apply(opts, func(s *Socket) { out = append(out, s.remote()) })
	return out, nil
}

// AddSockets implements [Adapter].
func (a *MemoryAdapter) AddSockets(_ context.Context, opts *BroadcastOptions, rooms []string) error {
	a.apply(opts, func(s *Socket) { _ = s.Join(rooms...) }) // a full socket keeps its rooms
	return nil
}

// DelSockets implements [Adapter].
func (a *MemoryAdapter) DelSockets(_ context.Context, opts *BroadcastOptions, rooms []string) error {
	a.apply(opts, func(s *Socket) { s.Leave(rooms...) })
	return nil
}

// DisconnectSockets implements [Adapter].
func (a *MemoryAdapter) DisconnectSockets(_ context.Context, opts *BroadcastOptions, close bool) error {
	a.apply(opts, func(s *Socket) { s.Disconnect(close) })
	return nil
}

// ServerSideEmit implements [Adapter]: a lone server has no peers, so nothing
// is sent and no answer is expected.
func (a *MemoryAdapter) ServerSideEmit(context.Context, []any, func(Response)) error {
	return nil
}

// ServerCount implements [Adapter].
func (a *MemoryAdapter) ServerCount(context.Context) (int, error) { return 1, nil }

// Close implements [Adapter].
func (a *MemoryAdapter) Close() error { return nil }

// apply calls fn for each local socket opts selects, each once. fn runs
// without the adapter's lock held, so it may join and leave rooms.
func (a *MemoryAdapter) apply(opts *BroadcastOptions, fn func(*Socket)) {
	targets := a.selectSockets(opts)
	for _, s := range targets {
		fn(s)
	}
}

func (a *MemoryAdapter) selectSockets(opts *BroadcastOptions) []*Socket {
	a.mu.RLock()
	var except map[string]struct{}
	if len(opts.Except) > 0 {
		except = make(map[string]struct{})
		for _, room := range opts.Except {
			for id := range a.rooms[room] {
				except[id] = struct{}{}
			}
		}
	}
	var ids []string
	if len(opts.Rooms) == 1 {
		// The common case needs no de-duplication.
		members := a.rooms[opts.Rooms[0]]
		ids = make([]string, 0, len(members))
		for id := range members {
			if _, skip := except[id]; !skip {
				ids = append(ids, id)
			}
		}
		a.mu.RUnlock()
		return a.nsp.socketsByID(ids)
	}
	if len(opts.Rooms) > 0 {
		seen := make(map[string]struct{})
		for _, room := range opts.Rooms {
			for id := range a.rooms[room] {
				if _, dup := seen[id]; dup {
					continue
				}
				seen[id] = struct{}{}
				if _, skip := except[id]; !skip {
					ids = append(ids, id)
				}
			}
		}
		a.mu.RUnlock()
		return a.nsp.socketsByID(ids)
	}
	a.mu.RUnlock()
	return a.nsp.allSockets(except)
}
