package socketio

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gosio/gosio/parser"
)

// fakeSessionAdapter is a SessionAdapter kept in memory, as a cluster
// adapter would keep it in its store: it numbers broadcasts with its own
// offsets ("<n>-0", not the server's format), logs them and keeps the
// sessions. Its hooks let a test make the store fail or hang.
type fakeSessionAdapter struct {
	*MemoryAdapter

	mu         sync.Mutex
	seq        int
	log        []fakeEntry
	sessions   map[string]*SavedSession
	broadcasts []*BroadcastOptions // every Broadcast's options, in order
	packets    []parser.Packet     // and its packet, as given
	persisted  chan *SavedSession  // every session persisted
	restores   []string            // "pid offset" of every RestoreSession
	closed     bool
	closedCh   chan struct{} // closed by the first Close
	// closedAfter is the number of sessions persisted when Close came.
	closedAfter int

	persistErr   error
	persistDelay time.Duration // a slow store
	restoreErr   error
	restoreHang  bool // RestoreSession waits for its context
	// restoreDeaf, if set, makes RestoreSession wait for it to be closed,
	// whatever its context says.
	restoreDeaf chan struct{}
}

type fakeEntry struct {
	offset        string
	rooms, except []string
	data          []any
}

func newFakeSessionAdapter(n *Namespace) *fakeSessionAdapter {
	return &fakeSessionAdapter{
		MemoryAdapter: NewMemoryAdapter(n),
		sessions:      make(map[string]*SavedSession),
		persisted:     make(chan *SavedSession, 64),
		closedCh:      make(chan struct{}),
	}
}

// Broadcast appends an offset to the events Node's ClusterAdapter would
// (no ack, not volatile, recovery on), as the contract asks of a
// SessionAdapter, logs them and delivers locally.
func (a *fakeSessionAdapter) Broadcast(ctx context.Context, pkt *parser.Packet, opts *BroadcastOptions) error {
	a.mu.Lock()
	a.broadcasts = append(a.broadcasts, opts)
	cp := *pkt
	cp.Data = slices.Clone(pkt.Data.([]any))
	a.packets = append(a.packets, cp)
	if a.Namespace().Recovery() != nil && pkt.Type == parser.Event && !pkt.HasID && !opts.Flags.Volatile {
		a.seq++
		offset := fmt.Sprintf("%d-0", a.seq)
		data := append(pkt.Data.([]any), offset)
		pkt.Data = data
		a.log = append(a.log, fakeEntry{
			offset: offset, rooms: slices.Clone(opts.Rooms), except: slices.Clone(opts.Except), data: slices.Clone(data),
		})
	}
	a.mu.Unlock()
	return a.MemoryAdapter.Broadcast(ctx, pkt, opts)
}

func (a *fakeSessionAdapter) PersistSession(ctx context.Context, s *SavedSession) error {
	if a.persistDelay > 0 {
		select {
		case <-time.After(a.persistDelay):
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	if a.persistErr != nil {
		a.persisted <- nil
		return a.persistErr
	}
	a.mu.Lock()
	a.sessions[s.PID] = s
	a.mu.Unlock()
	a.persisted <- s
	return nil
}

func (a *fakeSessionAdapter) RestoreSession(ctx context.Context, pid, offset string) (*SavedSession, error) {
	a.mu.Lock()
	a.restores = append(a.restores, pid+" "+offset)
	a.mu.Unlock()
	if a.restoreHang {
		<-ctx.Done()
		return nil, ctx.Err()
	}
	if a.restoreDeaf != nil {
		<-a.restoreDeaf
		return nil, nil
	}
	if a.restoreErr != nil {
		return nil, a.restoreErr
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	s := a.sessions[pid]
	delete(a.sessions, pid) // restored once
	idx := slices.IndexFunc(a.log, func(e fakeEntry) bool { return e.offset == offset })
	if s == nil || idx < 0 {
		return nil, nil
	}
	out := *s
	out.Namespace = "" // as Node's sessions: the server must not need it
	for _, e := range a.log[idx+1:] {
		if includes(s.Rooms, e.rooms, e.except) {
			out.MissedPackets = append(out.MissedPackets, e.data)
		}
	}
	return &out, nil
}

func (a *fakeSessionAdapter) Close() error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if !a.closed {
		a.closed = true
		a.closedAfter = len(a.sessions)
		close(a.closedCh)
	}
	return nil
}

func (a *fakeSessionAdapter) sessionCount() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return len(a.sessions)
}

// startSessionServer starts a server with recovery on the fake adapter;
// setup may change the adapter before any client comes.
func startSessionServer(t *testing.T, rec *RecoveryOptions, setup func(*fakeSessionAdapter)) (*Server, *fakeSessionAdapter, *httptest.Server) {
	t.Helper()
	var fake *fakeSessionAdapter
	if rec == nil {
		rec = &RecoveryOptions{}
	}
	io := NewServer(&Options{
		ConnectionStateRecovery: rec,
		Logger:                  slog.New(slog.DiscardHandler),
		Adapter: func(n *Namespace) Adapter {
			a := newFakeSessionAdapter(n)
			if n.Name() == "/" {
				fake = a
				if setup != nil {
					setup(a)
				}
			}
			return a
		},
	})
	t.Cleanup(func() { _ = io.Close() })
	return io, fake, startHTTP(t, io)
}

// readConnect reads a CONNECT answer's sid and pid.
func readConnect(t *testing.T, c *testClient) (sid, pid string) {
	t.Helper()
	p := c.next()
	require.True(t, strings.HasPrefix(p, "0{"), "want CONNECT, got %q", p)
	var ack struct{ SID, PID string }
	require.NoError(t, json.Unmarshal([]byte(p[1:]), &ack))
	return ack.SID, ack.PID
}

// nextEvent reads the next EVENT's data array.
func nextEvent(t *testing.T, c *testClient) []any {
	t.Helper()
	p := c.next()
	require.True(t, strings.HasPrefix(p, "2["), "want EVENT, got %q", p)
	var data []any
	require.NoError(t, json.Unmarshal([]byte(p[1:]), &data))
	return data
}

func TestSessionAdapterRecoveryIsTheServersOptions(t *testing.T) {
	io := NewServer(&Options{ConnectionStateRecovery: &RecoveryOptions{MaxDisconnectionDuration: time.Minute}})
	defer func() { _ = io.Close() }()
	r := io.Of("/").Recovery()
	require.NotNil(t, r)
	require.Equal(t, time.Minute, r.MaxDisconnectionDuration)
	require.Equal(t, 5*time.Second, r.StoreTimeout)
	r.MaxDisconnectionDuration = time.Hour // a copy: the server's stay
	require.Equal(t, time.Minute, io.Of("/").Recovery().MaxDisconnectionDuration)

	off := NewServer(nil)
	defer func() { _ = off.Close() }()
	require.Nil(t, off.Of("/").Recovery())
	// Without recovery, a SessionAdapter is a plain adapter.
	plain := NewServer(&Options{Adapter: func(n *Namespace) Adapter { return newFakeSessionAdapter(n) }})
	defer func() { _ = plain.Close() }()
	require.Nil(t, plain.Of("/").sessions)
}

// The adapter, not the server, numbers events: broadcasts and direct emits
// carry its offsets, and a direct emit is a broadcast to the socket's room.
func TestSessionAdapterOffsets(t *testing.T) {
	io, fake, hs := startSessionServer(t, nil, nil)
	ready := make(chan *Socket, 1)
	io.OnConnection(func(s *Socket) { ready <- s })
	c := dial(t, hs)
	c.send("0")
	sid, pid := readConnect(t, c)
	require.NotEmpty(t, pid)
	s := receive(t, ready)

	require.NoError(t, io.Emit("all", 1))
	require.Equal(t, []any{"all", 1.0, "1-0"}, nextEvent(t, c))
	require.NoError(t, s.Emit("direct", "x"))
	require.Equal(t, []any{"direct", "x", "2-0"}, nextEvent(t, c))
	// Volatile packets get no offset (they may also be dropped, when the
	// connection is busy: that is what volatile means).
	require.NoError(t, s.Volatile().Emit("volatile"))
	require.NoError(t, io.Volatile().Emit("volatile-all"))
	require.NoError(t, io.Emit("after"))
	for {
		ev := nextEvent(t, c)
		if ev[0] == "after" {
			require.Equal(t, []any{"after", "3-0"}, ev)
			break
		}
		require.Len(t, ev, 1, "a volatile packet with an offset: %v", ev)
	}

	fake.mu.Lock()
	broadcasts := slices.Clone(fake.broadcasts)
	fake.mu.Unlock()
	require.GreaterOrEqual(t, len(broadcasts), 3)
	direct, vol := broadcasts[1], broadcasts[2]
	require.Equal(t, []string{sid}, direct.Rooms)
	require.True(t, vol.Flags.Volatile)

	// The server's own log stays empty: the adapter keeps the events.
	io.recovery.mu.Lock()
	logged := len(io.recovery.log)
	io.recovery.mu.Unlock()
	require.Zero(t, logged)
}

// A socket that loses its connection is handed to PersistSession with its
// id, pid, rooms and data; the server keeps nothing itself.
func TestSessionAdapterPersistsOnDisconnect(t *testing.T) {
	io, fake, hs := startSessionServer(t, nil, nil)
	io.OnConnection(func(s *Socket) {
		_ = s.Join("room1")
		s.SetData(map[string]any{"user": "ann"})
	})
	c := dial(t, hs)
	c.send("0")
	sid, pid := readConnect(t, c)
	c.close() // the transport drops: a recoverable reason

	saved := receive(t, fake.persisted)
	require.Equal(t, sid, saved.SID)
	require.Equal(t, pid, saved.PID)
	require.Equal(t, "/", saved.Namespace)
	require.ElementsMatch(t, []string{sid, "room1"}, saved.Rooms)
	require.Equal(t, map[string]any{"user": "ann"}, saved.Data)

	io.recovery.mu.Lock()
	kept := len(io.recovery.sessions)
	io.recovery.mu.Unlock()
	require.Zero(t, kept)
}

// A socket the server disconnects on purpose is not saved.
func TestSessionAdapterNoPersistOnServerDisconnect(t *testing.T) {
	io, fake, hs := startSessionServer(t, nil, nil)
	io.OnConnection(func(s *Socket) { s.Disconnect(false) })
	c := dial(t, hs)
	c.send("0")
	readConnect(t, c)
	require.Equal(t, "1", c.next()) // DISCONNECT
	c.close()
	require.NoError(t, io.Close())
	select {
	case s := <-fake.persisted:
		t.Fatalf("persisted %+v", s)
	default:
	}
}

// A client that comes back with {pid, offset} gets its id, rooms and data
// back, and the events it missed (and only those: not another room's),
// in order, before what the connection handlers emit.
func TestSessionAdapterRestores(t *testing.T) {
	io, fake, hs := startSessionServer(t, nil, nil)
	got := make(chan *Socket, 2)
	io.OnConnection(func(s *Socket) {
		if !s.Recovered() {
			_ = s.Join("room1")
			s.SetData(map[string]any{"user": "ann"})
		}
		_ = s.Emit("welcome")
		got <- s
	})
	c := dial(t, hs)
	c.send("0")
	sid, pid := readConnect(t, c)
	first := receive(t, got)
	require.False(t, first.Recovered())
	welcome := nextEvent(t, c)
	offset := welcome[len(welcome)-1].(string)
	c.close()
	receive(t, fake.persisted)

	require.NoError(t, io.Emit("a", 1))
	require.NoError(t, io.To("room1").Emit("b", 2))
	require.NoError(t, io.To("room2").Emit("other-room", 3))
	require.NoError(t, io.Except("room1").Emit("excepted", 4))
	require.NoError(t, io.Emit("c", 5))

	c2 := dial(t, hs)
	c2.send(`0{"pid":"` + pid + `","offset":"` + offset + `"}`)
	sid2, pid2 := readConnect(t, c2)
	require.Equal(t, sid, sid2)
	require.Equal(t, pid, pid2)
	s := receive(t, got)
	require.True(t, s.Recovered())
	require.Equal(t, sid, s.ID())
	require.ElementsMatch(t, []string{sid, "room1"}, s.Rooms())
	require.Equal(t, map[string]any{"user": "ann"}, s.Data())

	var names []any
	for range 3 {
		ev := nextEvent(t, c2)
		names = append(names, ev[0])
	}
	require.Equal(t, []any{"a", "b", "c"}, names)
	require.Equal(t, "welcome", nextEvent(t, c2)[0])

	fake.mu.Lock()
	restores := slices.Clone(fake.restores)
	fake.mu.Unlock()
	require.Equal(t, []string{pid + " " + offset}, restores)
	// Rooms were joined through the adapter: a broadcast to room1 reaches it.
	require.NoError(t, io.To("room1").Emit("again"))
	require.Equal(t, "again", nextEvent(t, c2)[0])

	// Restored once: a third attempt with the same pid is a new socket.
	c3 := dial(t, hs)
	c3.send(`0{"pid":"` + pid + `","offset":"` + offset + `"}`)
	sid3, pid3 := readConnect(t, c3)
	require.NotEqual(t, sid, sid3)
	require.NotEqual(t, pid, pid3)
	require.False(t, receive(t, got).Recovered())
}

// A store that fails, or does not answer, costs the client its state, not
// its connection: it connects as a new socket, within StoreTimeout.
func TestSessionAdapterRestoreFailures(t *testing.T) {
	for _, tc := range []struct {
		name  string
		setup func(*fakeSessionAdapter)
	}{
		{"error", func(a *fakeSessionAdapter) { a.restoreErr = errors.New("store down") }},
		{"hang", func(a *fakeSessionAdapter) { a.restoreHang = true }},
		// An adapter that does not heed its context (go-redis by default).
		{"deaf", func(a *fakeSessionAdapter) { a.restoreDeaf = make(chan struct{}) }},
		{"nothing", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			io, fake, hs := startSessionServer(t, &RecoveryOptions{StoreTimeout: 200 * time.Millisecond}, tc.setup)
			if fake.restoreDeaf != nil {
				// The store answers at last, before the server's Close,
				// which waits for that call.
				t.Cleanup(func() { close(fake.restoreDeaf) })
			}
			got := make(chan *Socket, 1)
			io.OnConnection(func(s *Socket) { got <- s })
			c := dial(t, hs)
			start := time.Now()
			c.send(`0{"pid":"somepid","offset":"1-0"}`)
			sid, pid := readConnect(t, c)
			require.Less(t, time.Since(start), 3*time.Second)
			require.NotEmpty(t, sid)
			require.NotEqual(t, "somepid", pid)
			s := receive(t, got)
			require.False(t, s.Recovered())
		})
	}
}

// A store that fails to save is logged; nothing hangs.
func TestSessionAdapterPersistFailure(t *testing.T) {
	io, fake, hs := startSessionServer(t, nil, func(a *fakeSessionAdapter) { a.persistErr = errors.New("store down") })
	c := dial(t, hs)
	c.send("0")
	readConnect(t, c)
	c.close()
	require.Nil(t, receive(t, fake.persisted))
	require.NoError(t, io.Close())
}

// A server shutting down saves its sockets' sessions before it closes the
// adapters, and sends the clients no DISCONNECT packet, so that they
// reconnect and recover (as Node's io.close()).
func TestSessionAdapterShutdownPersistsFirst(t *testing.T) {
	for _, how := range []string{"Close", "Shutdown"} {
		t.Run(how, func(t *testing.T) {
			// A slow store: the adapters must still close after it answered.
			io, fake, hs := startSessionServer(t, nil, func(a *fakeSessionAdapter) { a.persistDelay = 100 * time.Millisecond })
			var sids []string
			var clients []*testClient
			for range 3 {
				c := dial(t, hs)
				c.send("0")
				sid, _ := readConnect(t, c)
				sids = append(sids, sid)
				clients = append(clients, c)
			}
			if how == "Close" {
				require.NoError(t, io.Close())
			} else {
				ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
				defer cancel()
				require.NoError(t, io.Shutdown(ctx))
			}
			fake.mu.Lock()
			closed, after := fake.closed, fake.closedAfter
			fake.mu.Unlock()
			require.True(t, closed)
			require.Equal(t, 3, after, "adapter closed before the sessions were saved")
			var saved []string
			for range 3 {
				saved = append(saved, receive(t, fake.persisted).SID)
			}
			require.ElementsMatch(t, sids, saved)
			for _, c := range clients {
				for _, f := range framesUntilClosed(c) {
					require.False(t, strings.HasPrefix(f, "41"), "DISCONNECT sent: %q", f)
				}
			}
		})
	}
}

// Shutdown returns by its context's deadline even when the store hangs: the
// saving is cut short.
func TestSessionAdapterShutdownBoundedByContext(t *testing.T) {
	io, fake, hs := startSessionServer(t, &RecoveryOptions{StoreTimeout: time.Minute},
		func(a *fakeSessionAdapter) { a.persistDelay = time.Hour })
	c := dial(t, hs)
	c.send("0")
	readConnect(t, c)
	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	start := time.Now()
	_ = io.Shutdown(ctx)
	require.Less(t, time.Since(start), 5*time.Second)
	require.Zero(t, fake.sessionCount())
}

// framesUntilClosed returns every frame c receives until the server closes
// its connection.
func framesUntilClosed(c *testClient) []string {
	var out []string
	for {
		select {
		case f := <-c.in:
			out = append(out, f)
		case <-c.done:
			for {
				select {
				case f := <-c.in:
					out = append(out, f)
				default:
					return out
				}
			}
		}
	}
}

// A dynamic namespace's child removed with its last socket closes its
// adapter after that socket's session is saved.
func TestSessionAdapterChildCleanupPersistsFirst(t *testing.T) {
	adapters := make(chan *fakeSessionAdapter, 4)
	io := NewServer(&Options{
		ConnectionStateRecovery:     &RecoveryOptions{},
		CleanupEmptyChildNamespaces: true,
		Logger:                      slog.New(slog.DiscardHandler),
		Adapter: func(n *Namespace) Adapter {
			a := newFakeSessionAdapter(n)
			a.persistDelay = 100 * time.Millisecond
			if n.Name() != "/" {
				adapters <- a
			}
			return a
		},
	})
	t.Cleanup(func() { _ = io.Close() })
	hs := startHTTP(t, io)
	gone := make(chan struct{})
	io.OfRegexp(regexp.MustCompile(`^/tenant-\w+$`)).OnConnection(func(s *Socket) {
		s.On("disconnect", func(string) { close(gone) })
	})
	c := dial(t, hs)
	c.send("0/tenant-a,")
	p := c.next()
	require.True(t, strings.HasPrefix(p, "0/tenant-a,{"), p)
	a := receive(t, adapters)
	c.close()
	receive(t, gone)
	// The adapter is closed by the socket's last job, after its saving.
	<-a.closedCh
	a.mu.Lock()
	after := a.closedAfter
	a.mu.Unlock()
	require.Equal(t, 1, after, "adapter closed before the session was saved")
}
