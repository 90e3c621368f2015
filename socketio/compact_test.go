package socketio

import (
	"context"
	"encoding/json"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The adapter keeps small sets in slices and large ones in maps: these cover
// both shapes and the moves between them.
func TestMemoryAdapterSmallAndLargeSets(t *testing.T) {
	io := NewServer(nil)
	t.Cleanup(func() { _ = io.Close() })
	nsp := io.Of("/")
	a := nsp.Adapter().(*MemoryAdapter)
	var mu sync.Mutex
	counts := map[RoomEventKind]int{}
	nsp.OnRoomEvent(func(e RoomEvent) { mu.Lock(); counts[e.Kind]++; mu.Unlock() })

	const n = 3 * idSetListMax
	ids := make([]string, n)
	for i := range ids {
		ids[i] = "s" + strconv.Itoa(i)
		nsp.sockets[ids[i]] = &Socket{id: ids[i], nsp: nsp}
		a.AddAll(ids[i], []string{ids[i], "big", "big"}) // a duplicate is ignored
	}
	many := make([]string, n)
	for i := range many {
		many[i] = "r" + strconv.Itoa(i)
	}
	a.AddAll(ids[0], many)

	assert.ElementsMatch(t, ids, a.Sockets([]string{"big"}))
	assert.ElementsMatch(t, append([]string{ids[0], "big"}, many...), a.SocketRooms(ids[0]))
	assert.ElementsMatch(t, []string{ids[1], "big"}, a.SocketRooms(ids[1]))
	assert.Equal(t, []string{ids[0]}, a.Sockets([]string{many[5]}))
	assert.Len(t, a.selectSockets(&BroadcastOptions{Rooms: []string{"big"}, Except: []string{ids[2], many[0]}}), n-2)
	assert.Len(t, a.selectSockets(&BroadcastOptions{Except: []string{"big"}}), 0)
	rooms, err := a.AllRooms(context.Background())
	require.NoError(t, err)
	assert.Len(t, rooms, n+1+n)
	mu.Lock()
	assert.Equal(t, map[RoomEventKind]int{RoomCreated: n + 1 + n, RoomJoined: 2*n + n}, counts)
	mu.Unlock()

	for i := 1; i < n; i++ { // the big room shrinks back to one member
		a.Del(ids[i], "big")
	}
	assert.Equal(t, []string{ids[0]}, a.Sockets([]string{"big"}))
	a.Del(ids[1], "big") // not a member any more: nothing happens
	for _, r := range many[1:] {
		a.Del(ids[0], r)
	}
	assert.ElementsMatch(t, []string{ids[0], "big", many[0]}, a.SocketRooms(ids[0]))
	a.DelAll(ids[0])
	assert.Nil(t, a.SocketRooms(ids[0]))
	assert.Empty(t, a.Sockets([]string{"big"}))
	a.Del(ids[1], ids[1]) // a socket may leave its own room
	assert.Nil(t, a.SocketRooms(ids[1]))
	for _, id := range ids[2:] {
		a.DelAll(id)
	}
	rooms, err = a.AllRooms(context.Background())
	require.NoError(t, err)
	assert.Empty(t, rooms)
	assert.Empty(t, a.rooms)
	assert.Empty(t, a.sids)
	mu.Lock()
	assert.Equal(t, counts[RoomCreated], counts[RoomDeleted])
	assert.Equal(t, counts[RoomJoined], counts[RoomLeft])
	mu.Unlock()
}

// Listeners of one event, and of one func type, live in a single slice and
// share their signature analysis: removal must only touch what it names.
func TestOffOnceAndSharedSignatures(t *testing.T) {
	io, hs := startServer(t, nil)
	got := make(chan string, 16)
	sockets := make(chan *Socket, 1)
	f1 := func(v string) { got <- "f1:" + v }
	io.On("connection", func(s *Socket) {
		s.On("a", f1)
		s.On("a", func(v string) { got <- "f2:" + v })
		s.On("b", f1)
		s.Once("c", func(v string) { got <- "once:" + v })
		s.On("c", func(v string) { got <- "c:" + v })
		sockets <- s
	})
	c := dial(t, hs)
	c.connect("/", "")
	s := <-sockets
	next := func() string { return receive(t, got) }

	s.Off("a", f1)
	c.send(`2["a","x"]`)
	assert.Equal(t, "f2:x", next())
	c.send(`2["b","y"]`)
	assert.Equal(t, "f1:y", next())
	c.send(`2["c","1"]`)
	assert.Equal(t, "once:1", next())
	assert.Equal(t, "c:1", next())
	c.send(`2["c","2"]`)
	assert.Equal(t, "c:2", next())
	s.Off("b", nil)
	s.Off("nothing", f1)
	c.send(`2["b","z"]`)
	c.send(`2["a","w"]`)
	assert.Equal(t, "f2:w", next()) // and nothing from "b" before it
}

// The same function registered twice with Once runs twice on the first
// event and never again; each registration removes itself only.
func TestOnceSameFunctionTwice(t *testing.T) {
	io, hs := startServer(t, nil)
	got := make(chan string, 16)
	g := func(v string) { got <- "g:" + v }
	io.On("connection", func(s *Socket) {
		s.Once("d", g)
		s.On("d", func(v string) { got <- "on:" + v })
		s.Once("d", g)
	})
	c := dial(t, hs)
	c.connect("/", "")
	next := func() string { return receive(t, got) }
	c.send(`2["d","1"]`)
	assert.Equal(t, "g:1", next())
	assert.Equal(t, "on:1", next())
	assert.Equal(t, "g:1", next())
	c.send(`2["d","2"]`)
	assert.Equal(t, "on:2", next())
	c.send(`2["d","3"]`)
	assert.Equal(t, "on:3", next()) // and no g in between
}

// The handshake and the context are made on first use; they must look as if
// they had been made at connection.
func TestLazyHandshakeAndContext(t *testing.T) {
	io, hs := startServer(t, nil)
	sockets := make(chan *Socket, 1)
	io.On("connection", func(s *Socket) { sockets <- s })
	before := time.Now()
	c := dial(t, hs)
	c.connect("/", "")
	s := <-sockets

	h := s.Handshake()
	assert.Same(t, h, s.Handshake())
	require.NotNil(t, h.Auth, "an absent auth is an empty object")
	assert.Empty(t, h.Auth)
	assert.Equal(t, "websocket", h.Query.Get("transport"))
	assert.Equal(t, "4", h.Query.Get("EIO"))
	assert.Equal(t, "127.0.0.1", h.Address)
	assert.False(t, h.Time.Before(before.Truncate(time.Millisecond)), "%v before %v", h.Time, before)
	assert.False(t, h.Time.After(time.Now()))

	c.close()
	require.Eventually(t, func() bool { return s.ended.Load() }, 5*time.Second, 5*time.Millisecond)
	// A context first asked for after the disconnection is already done.
	select {
	case <-s.Context().Done():
	default:
		t.Fatal("context of a disconnected socket not cancelled")
	}
	_, err := s.EmitWithAck(context.Background(), "q")
	assert.ErrorIs(t, err, ErrNotConnected)
}

// A socket's own room is recorded only in its own room list, yet behaves as
// any room: it is listed, reached, excepted, shared and left like the others.
func TestMemoryAdapterOwnRoom(t *testing.T) {
	io := NewServer(nil)
	t.Cleanup(func() { _ = io.Close() })
	nsp := io.Of("/")
	a := nsp.Adapter().(*MemoryAdapter)
	var mu sync.Mutex
	var events []RoomEvent
	nsp.OnRoomEvent(func(e RoomEvent) { mu.Lock(); events = append(events, e); mu.Unlock() })
	for _, id := range []string{"A", "B"} {
		nsp.sockets[id] = &Socket{id: id, nsp: nsp}
		a.AddAll(id, []string{id})
	}
	assert.Empty(t, a.rooms, "own rooms take no room index entry")
	assert.Equal(t, []string{"A"}, a.Sockets([]string{"A"}))
	assert.Len(t, a.selectSockets(&BroadcastOptions{Except: []string{"A"}}), 1)
	rooms, err := a.AllRooms(context.Background())
	require.NoError(t, err)
	assert.ElementsMatch(t, []string{"A", "B"}, rooms)

	// B joins the room named A: the room already exists, and holds both.
	a.AddAll("B", []string{"A"})
	assert.ElementsMatch(t, []string{"A", "B"}, a.Sockets([]string{"A"}))
	assert.ElementsMatch(t, []string{"A", "B"}, a.SocketRooms("B"))
	rooms, err = a.AllRooms(context.Background())
	require.NoError(t, err)
	assert.ElementsMatch(t, []string{"A", "B"}, rooms, "each room listed once")

	// A leaves its own room: B keeps it alive; then B leaves and it is gone.
	a.Del("A", "A")
	assert.Equal(t, []string{"B"}, a.Sockets([]string{"A"}))
	a.Del("B", "A")
	assert.Empty(t, a.Sockets([]string{"A"}))
	a.AddAll("A", []string{"A"}) // and may come back
	assert.Equal(t, []string{"A"}, a.Sockets([]string{"A"}))

	mu.Lock()
	defer mu.Unlock()
	kinds := func(room string) []RoomEventKind {
		var out []RoomEventKind
		for _, e := range events {
			if e.Room == room {
				out = append(out, e.Kind)
			}
		}
		return out
	}
	assert.Equal(t, []RoomEventKind{
		RoomCreated, RoomJoined, // A connects
		RoomJoined,            // B joins the existing room
		RoomLeft,              // A leaves; B still in it
		RoomLeft, RoomDeleted, // B leaves
		RoomCreated, RoomJoined, // A comes back
	}, kinds("A"))
}

func TestConnectAckJSON(t *testing.T) {
	for _, tc := range []struct{ sid, pid string }{
		{"Ab-_09xyz", ""},
		{"Ab-_09xyz", "pid-_1"},
		{`odd"id\`, "é\n"}, // not ours, but still valid JSON
	} {
		var got map[string]string
		require.NoError(t, json.Unmarshal(connectAck(tc.sid, tc.pid), &got))
		want := map[string]string{"sid": tc.sid}
		if tc.pid != "" {
			want["pid"] = tc.pid
		}
		require.Equal(t, want, got)
	}
}
