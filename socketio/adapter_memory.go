package socketio

import (
	"context"
	"iter"
	"slices"
	"sync"

	"github.com/gosio/gosio/parser"
)

// MemoryAdapter is the default [Adapter]: rooms live in this process and
// broadcasts reach this server's sockets only.
type MemoryAdapter struct {
	nsp *Namespace

	mu sync.RWMutex
	// rooms maps a room to the sockets in it, except that a socket in its
	// own room (its id, which every socket joins and few leave) is only
	// recorded in sids: that saves an index entry per socket. Membership of
	// a room r is rooms[r] plus r itself when sids[r] holds r.
	rooms map[string]idSet // room → socket ids
	sids  map[string]idSet // socket id → rooms
}

// NewMemoryAdapter returns an in-memory adapter for nsp.
func NewMemoryAdapter(nsp *Namespace) *MemoryAdapter {
	return &MemoryAdapter{
		nsp:   nsp,
		rooms: make(map[string]idSet),
		sids:  make(map[string]idSet),
	}
}

// Namespace returns the adapter's namespace.
func (a *MemoryAdapter) Namespace() *Namespace { return a.nsp }

// AddAll implements [Adapter].
func (a *MemoryAdapter) AddAll(id string, rooms []string) {
	var events []RoomEvent
	a.mu.Lock()
	mine := a.sids[id]
	for _, room := range rooms {
		if !a.existsLocked(room) {
			events = append(events, RoomEvent{Kind: RoomCreated, Room: room})
		}
		if !mine.add(room) {
			continue
		}
		if room == id {
			a.sids[id] = mine // the own room is recorded in sids only
		} else {
			members := a.rooms[room]
			members.add(id)
			a.rooms[room] = members
		}
		events = append(events, RoomEvent{Kind: RoomJoined, Room: room, SocketID: id})
	}
	if mine.len() > 0 {
		a.sids[id] = mine
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
	if !mine.del(room) {
		return events
	}
	if mine.len() == 0 {
		delete(a.sids, id)
	} else {
		a.sids[id] = mine
	}
	if room != id {
		members := a.rooms[room]
		members.del(id)
		if members.len() == 0 {
			delete(a.rooms, room)
		} else {
			a.rooms[room] = members
		}
	}
	events = append(events, RoomEvent{Kind: RoomLeft, Room: room, SocketID: id})
	if !a.existsLocked(room) {
		events = append(events, RoomEvent{Kind: RoomDeleted, Room: room})
	}
	return events
}

// ownLocked reports whether the socket whose id is room is in its own room.
func (a *MemoryAdapter) ownLocked(room string) bool {
	mine, ok := a.sids[room]
	return ok && mine.has(room)
}

// existsLocked reports whether room has any member.
func (a *MemoryAdapter) existsLocked(room string) bool {
	return a.rooms[room].len() > 0 || a.ownLocked(room)
}

// membersLocked yields the sockets in room, each once.
func (a *MemoryAdapter) membersLocked(room string) iter.Seq[string] {
	return func(yield func(string) bool) {
		if a.ownLocked(room) && !yield(room) {
			return
		}
		for id := range a.rooms[room].all() {
			if id != room && !yield(id) { // never recorded there, but cheap to be sure
				return
			}
		}
	}
}

// DelAll implements [Adapter].
func (a *MemoryAdapter) DelAll(id string) {
	var events []RoomEvent
	a.mu.Lock()
	mine := a.sids[id]
	for _, room := range mine.slice() { // a copy: delLocked changes the set
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
	return mine.slice()
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
	out := make([]string, 0, len(a.rooms)+len(a.sids))
	for room := range a.rooms {
		out = append(out, room)
	}
	for id, mine := range a.sids {
		if _, listed := a.rooms[id]; !listed && mine.has(id) {
			out = append(out, id)
		}
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
	n := 0
	if a.nsp.outListening.Load() > 0 {
		// Some socket listens to what it is sent: tell those the broadcast
		// reaches, as Node's adapter does. Otherwise nothing per recipient.
		data, _ := pkt.Data.([]any)
		a.apply(opts, func(s *Socket) { s.notifyOutgoing(data); s.sendEncoded(out, opts.Flags.Volatile); n++ })
	} else {
		a.apply(opts, func(s *Socket) { s.sendEncoded(out, opts.Flags.Volatile); n++ })
	}
	a.nsp.server.countBroadcast(n)
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
	var data []any
	notify := a.nsp.outListening.Load() > 0 // see Broadcast
	if notify {
		data, _ = pkt.Data.([]any)
	}
	a.apply(opts, func(s *Socket) {
		id := s.id
		if s.registerAck(pkt.ID, func(args []parser.RawValue) { onAck(Response{SocketID: id, Args: args}) }) != nil {
			return
		}
		if notify {
			s.notifyOutgoing(data)
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
func (a *MemoryAdapter) ServerSideEmit(_ context.Context, _ []any, expect func(int), onAck func(Response)) error {
	if onAck != nil {
		expect(0)
	}
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
			for id := range a.membersLocked(room) {
				except[id] = struct{}{}
			}
		}
	}
	var ids []string
	if len(opts.Rooms) == 1 {
		// The common case needs no de-duplication.
		room := opts.Rooms[0]
		ids = make([]string, 0, a.rooms[room].len()+1)
		for id := range a.membersLocked(room) {
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
			for id := range a.membersLocked(room) {
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

// idSet is a set of strings shaped for the adapter's indexes, where nearly
// every set is tiny (a socket's rooms; the socket's own room, which holds it
// alone) and a few are large (a popular room): up to idSetListMax strings
// live in a slice, which costs a fraction of a map; beyond, in a map, so
// large sets still add and delete in constant time. The zero value is an
// empty set. Sets are stored by value in the indexes, and only while not
// empty.
type idSet struct {
	list []string            // when m is nil
	m    map[string]struct{} // once the set has outgrown list
}

const idSetListMax = 8

func (s idSet) len() int {
	if s.m != nil {
		return len(s.m)
	}
	return len(s.list)
}

// add adds x; it reports whether x was not in the set.
func (s *idSet) add(x string) bool {
	if s.m != nil {
		if _, in := s.m[x]; in {
			return false
		}
		s.m[x] = struct{}{}
		return true
	}
	if slices.Contains(s.list, x) {
		return false
	}
	if len(s.list) < idSetListMax {
		s.list = append(s.list, x)
		return true
	}
	s.m = make(map[string]struct{}, 2*idSetListMax)
	for _, y := range s.list {
		s.m[y] = struct{}{}
	}
	s.m[x] = struct{}{}
	s.list = nil
	return true
}

// has reports whether x is in the set.
func (s idSet) has(x string) bool {
	if s.m != nil {
		_, in := s.m[x]
		return in
	}
	return slices.Contains(s.list, x)
}

// del removes x; it reports whether x was in the set.
func (s *idSet) del(x string) bool {
	if s.m != nil {
		if _, in := s.m[x]; !in {
			return false
		}
		delete(s.m, x)
		return true
	}
	i := slices.Index(s.list, x)
	if i < 0 {
		return false
	}
	s.list = slices.Delete(s.list, i, i+1)
	if len(s.list) == 0 {
		s.list = nil
	}
	return true
}

// all yields the members, in no particular order.
func (s idSet) all() iter.Seq[string] {
	return func(yield func(string) bool) {
		if s.m != nil {
			for x := range s.m {
				if !yield(x) {
					return
				}
			}
			return
		}
		for _, x := range s.list {
			if !yield(x) {
				return
			}
		}
	}
}

// slice returns the members in a new slice, or nil for an empty set.
func (s idSet) slice() []string {
	if s.len() == 0 {
		return nil
	}
	if s.m == nil {
		return slices.Clone(s.list)
	}
	out := make([]string, 0, len(s.m))
	for x := range s.m {
		out = append(out, x)
	}
	return out
}
