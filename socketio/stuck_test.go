package socketio

import (
	"context"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gosio/gosio/engineio"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Clients that leave while their listeners are stuck, that send more than
// their sockets may queue, or that leave a namespace while it connects
// (issue 15, items 3 to 6).

// adapterSize returns how many rooms and socket entries a namespace's
// in-memory adapter holds.
func adapterSize(n *Namespace) (rooms, sockets int) {
	a := n.adapter.(*MemoryAdapter)
	a.mu.RLock()
	defer a.mu.RUnlock()
	return len(a.rooms), len(a.sids)
}

// requireEmpty waits until n has no socket and its adapter no room.
func requireEmpty(t *testing.T, n *Namespace) {
	t.Helper()
	require.Eventually(t, func() bool {
		rooms, sids := adapterSize(n)
		return len(n.Sockets()) == 0 && rooms == 0 && sids == 0
	}, 5*time.Second, time.Millisecond, "sockets or rooms left behind")
}

// 100 listeners wait for their socket's Context to end, the documented way to
// learn of a disconnection, and the clients leave (half closing the
// connection, half sending DISCONNECT): every listener is released within
// a second, then each socket's "disconnecting" listener sees the rooms it
// was in and its "disconnect" listener runs, in that order; nothing is left.
func TestListenerAwaitingTheContextIsReleasedWhenTheClientLeaves(t *testing.T) {
	io, hs := startServer(t, nil)
	const n = 100 // as many as the issue tried
	waiting := make(chan *Socket, n)
	var mu sync.Mutex
	logs := map[string][]string{} // by socket id
	note := func(s *Socket, what string) {
		mu.Lock()
		logs[s.ID()] = append(logs[s.ID()], what)
		mu.Unlock()
	}
	released := make(chan time.Time, n)
	disconnected := make(chan struct{}, n)
	io.On("connection", func(s *Socket) {
		require.NoError(t, s.Join("r"))
		s.On("wait", func() {
			waiting <- s
			<-s.Context().Done()
			released <- time.Now()
			note(s, "released")
		})
		s.On("disconnecting", func() {
			rooms := s.Rooms()
			slices.Sort(rooms)
			note(s, "disconnecting "+strings.Join(rooms, ","))
		})
		s.On("disconnect", func(r DisconnectReason) {
			note(s, "disconnect "+string(r))
			disconnected <- struct{}{}
		})
	})
	clients := make([]*testClient, n)
	for i := range clients {
		clients[i] = dial(t, hs)
		clients[i].connect("/", "")
		clients[i].send(`2["wait"]`)
	}
	ids := map[*Socket]bool{}
	for range n {
		ids[receive(t, waiting)] = true
	}
	left := time.Now()
	for i, c := range clients {
		if i%2 == 0 {
			c.close()
		} else {
			c.send("1")
		}
	}
	for range n {
		at := receive(t, released)
		assert.Less(t, at.Sub(left), time.Second, "a listener was released late")
	}
	for range n {
		receive(t, disconnected)
	}
	mu.Lock()
	for s := range ids {
		reason := ReasonTransportClose
		if !slices.Contains(logs[s.ID()], "disconnect "+string(reason)) {
			reason = ReasonClientDisconnect
		}
		rooms := []string{s.ID(), "r"}
		slices.Sort(rooms)
		assert.Equal(t, []string{"released", "disconnecting " + strings.Join(rooms, ","), "disconnect " + string(reason)},
			logs[s.ID()])
	}
	mu.Unlock()
	requireEmpty(t, io.Of("/"))
}

// A listener is stuck (it ignores the Context) with events queued behind it
// and an acknowledgement pending, and its client leaves: at once, the
// socket's Context ends, the acknowledgement's wait ends, the queued events
// are freed and the socket leaves its rooms; its "disconnecting" and
// "disconnect" listeners run when the stuck one returns.
func TestClosedSocketLetsGoWhileItsListenerIsStuck(t *testing.T) {
	io, hs := startServer(t, nil)
	sockets := make(chan *Socket, 1)
	stuck := make(chan struct{})
	unblock := make(chan struct{})
	var once sync.Once
	release := func() { once.Do(func() { close(unblock) }) }
	t.Cleanup(release)
	events := make(chan string, 3)
	io.On("connection", func(s *Socket) {
		require.NoError(t, s.Join("r"))
		sockets <- s
		s.On("block", func() {
			close(stuck)
			<-unblock
		})
		s.On("big", func(string) { t.Error("a queued event ran after its socket closed") })
		s.On("disconnecting", func() {
			rooms := s.Rooms()
			slices.Sort(rooms)
			events <- "disconnecting " + strings.Join(rooms, ",")
		})
		s.On("disconnect", func(r DisconnectReason) { events <- "disconnect " + string(r) })
	})
	c := dial(t, hs)
	c.connect("/", "")
	s := receive(t, sockets)
	asked := make(chan error, 1)
	go func() {
		_, err := s.EmitWithAck(context.Background(), "q") // never answered
		asked <- err
	}()
	require.True(t, strings.HasSuffix(c.next(), `["q"]`))
	c.send(`2["block"]`)
	<-stuck
	big := `2["big","` + strings.Repeat("x", 10_000) + `"]`
	for range 5 {
		c.send(big)
	}
	require.Eventually(t, func() bool { // queued behind the stuck listener
		items, _ := s.inbox.pending()
		return items == 5
	}, 5*time.Second, time.Millisecond)
	assert.Greater(t, io.pendingBytes.Load(), int64(50_000))

	c.close()
	receive(t, s.Context().Done())
	assert.ErrorIs(t, receive(t, asked), ErrNotConnected)
	requireEmpty(t, io.Of("/"))
	s.inbox.mu.Lock()
	queued := len(s.inbox.queue) // the disconnect sequence only
	s.inbox.mu.Unlock()
	assert.Equal(t, 1, queued, "queued events kept after the socket closed")
	assert.Zero(t, io.pendingBytes.Load())
	select {
	case e := <-events:
		t.Fatalf("%q ran before the stuck listener returned", e)
	default:
	}

	release()
	rooms := []string{s.ID(), "r"}
	slices.Sort(rooms)
	assert.Equal(t, "disconnecting "+strings.Join(rooms, ","), receive(t, events))
	assert.Equal(t, "disconnect "+string(ReasonTransportClose), receive(t, events))
	assert.Empty(t, s.Rooms())
}

// A listener that joins a room after its socket has closed (it learnt of
// the disconnection too late) leaves no room behind.
func TestJoinAfterCloseLeavesNoRoom(t *testing.T) {
	io, hs := startServer(t, nil)
	joined := make(chan error, 1)
	io.On("connection", func(s *Socket) {
		s.On("late-join", func() {
			<-s.Context().Done()
			joined <- s.Join("late")
		})
	})
	c := dial(t, hs)
	c.connect("/", "")
	c.send(`2["late-join"]`)
	c.send("1")
	require.NoError(t, receive(t, joined))
	requireEmpty(t, io.Of("/"))
}

// blockedSocket connects c to "/" and sends "block", whose listener waits
// until the test ends; it returns the socket once the listener runs.
func blockedSocket(t *testing.T, c *testClient, sockets <-chan *Socket, blocked <-chan struct{}) *Socket {
	t.Helper()
	c.connect("/", "")
	s := receive(t, sockets)
	c.send(`2["block"]`)
	receive(t, blocked)
	return s
}

// blockers are "/"'s listeners for the tests below: "block" blocks until
// unblock is closed, "big" counts its runs.
type blockers struct {
	sockets      chan *Socket
	blocked      chan struct{}
	disconnected chan DisconnectReason
	unblock      chan struct{}
	ran          atomic.Int32
	release      func() // closes unblock, once
}

func addBlockers(t *testing.T, io *Server) *blockers {
	f := &blockers{
		sockets: make(chan *Socket, 4), blocked: make(chan struct{}, 4),
		disconnected: make(chan DisconnectReason, 4), unblock: make(chan struct{}),
	}
	var once sync.Once
	f.release = func() { once.Do(func() { close(f.unblock) }) }
	io.On("connection", func(s *Socket) {
		f.sockets <- s
		s.On("block", func() {
			f.blocked <- struct{}{}
			<-f.unblock
		})
		s.On("big", func(string) { f.ran.Add(1) })
		s.On("disconnect", func(r DisconnectReason) { f.disconnected <- r })
	})
	t.Cleanup(f.release) // before the server's Close, which waits for the listener
	return f
}

// bigEvent is an event of about size bytes.
func bigEvent(size int) string {
	return `2["big","` + strings.Repeat("x", size) + `"]`
}

// Events queued behind a stuck listener are bounded by bytes: the event
// that would take them over MaxPendingEventBytes disconnects the socket
// (the client gets DISCONNECT) and frees what was queued, although the
// listener is still stuck.
func TestPendingEventsAreBoundedByBytes(t *testing.T) {
	io, hs := startServer(t, &Options{Limits: Limits{MaxPendingEventBytes: 16_000}})
	f := addBlockers(t, io)
	c := dial(t, hs)
	s := blockedSocket(t, c, f.sockets, f.blocked)
	for range 3 { // 15 KB: within the bound
		c.send(bigEvent(5_000))
	}
	require.Eventually(t, func() bool {
		items, _ := s.inbox.pending()
		return items == 3
	}, 5*time.Second, time.Millisecond)
	assert.True(t, s.Connected())
	c.send(bigEvent(5_000)) // 20 KB: over
	assert.Equal(t, "1", c.next())
	// Disconnect sends DISCONNECT, then closes the socket, which drops
	// its queued events.
	require.Eventually(t, func() bool { return !s.Connected() && io.pendingBytes.Load() == 0 },
		5*time.Second, time.Millisecond)
	f.release()
	assert.Equal(t, ReasonServerDisconnect, receive(t, f.disconnected))
	assert.Zero(t, f.ran.Load(), "a refused socket's queued events ran")
}

// The bytes of the events queued on the whole server are bounded too: a
// client whose event would take the total over MaxPendingEventBytesTotal
// is disconnected, another whose events fit keeps them.
func TestPendingEventsAreBoundedServerWide(t *testing.T) {
	io, hs := startServer(t, &Options{Limits: Limits{MaxPendingEventBytesTotal: 18_000}})
	f := addBlockers(t, io)
	a, b := dial(t, hs), dial(t, hs)
	sa := blockedSocket(t, a, f.sockets, f.blocked)
	sb := blockedSocket(t, b, f.sockets, f.blocked)
	for range 3 {
		a.send(bigEvent(5_000))
	}
	require.Eventually(t, func() bool {
		items, _ := sa.inbox.pending()
		return items == 3
	}, 5*time.Second, time.Millisecond)
	b.send(bigEvent(5_000)) // nothing waits for b: taken, over the total or not
	require.Eventually(t, func() bool {
		items, _ := sb.inbox.pending()
		return items == 1
	}, 5*time.Second, time.Millisecond)
	b.send(bigEvent(5_000)) // over the server's total
	assert.Equal(t, "1", b.next())
	assert.True(t, sa.Connected())
	require.Eventually(t, func() bool { return io.pendingBytes.Load() < 16_000 }, 5*time.Second, time.Millisecond)
	f.release()
	assert.Equal(t, ReasonServerDisconnect, receive(t, f.disconnected))
	require.Eventually(t, func() bool { return f.ran.Load() == 3 }, 5*time.Second, time.Millisecond)
	assert.Zero(t, io.pendingBytes.Load())
}

// A stuck listener with more events sent behind it than its socket may
// queue does not stop the connection's reading: the socket over the bound
// is disconnected, and the connection's other namespace still answers.
func TestStuckListenerDoesNotBlindTheConnection(t *testing.T) {
	io, hs := startServer(t, &Options{Limits: Limits{MaxPendingEvents: 4}})
	f := addBlockers(t, io)
	io.Of("/other").On("connection", func(s *Socket) {
		s.On("ping", func(ack Ack) { _ = ack("pong") })
	})
	c := dial(t, hs)
	s := blockedSocket(t, c, f.sockets, f.blocked)
	c.connect("/other", "")
	for range 6 {
		c.send(bigEvent(10))
	}
	c.send(`2/other,7["ping"]`)
	got := []string{c.next(), c.next()}
	assert.ElementsMatch(t, []string{"1", `3/other,7["pong"]`}, got)
	require.Eventually(t, func() bool { return !s.Connected() }, 5*time.Second, time.Millisecond)
	f.release()
	assert.Equal(t, ReasonServerDisconnect, receive(t, f.disconnected))
}

// A client's DISCONNECT that arrives while its socket's middlewares run
// ends the socket: it never connects, no connection handler runs for it
// and the client gets no CONNECT.
func TestDisconnectWhileMiddlewaresRunLeavesNoSocket(t *testing.T) {
	io, hs := startServer(t, nil)
	inMiddleware := make(chan struct{})
	release := make(chan struct{})
	io.Of("/").Use(func(s *Socket) error {
		close(inMiddleware)
		<-release
		return nil
	})
	io.On("connection", func(s *Socket) { t.Error("connection handler ran for a client that had left") })
	probed := make(chan struct{})
	io.Of("/probe").On("connection", func(*Socket) { close(probed) })
	c := dial(t, hs)
	c.send("0")
	<-inMiddleware
	c.send("1")
	c.send("0/probe,")
	<-probed // the reader routed the DISCONNECT before this CONNECT
	close(release)
	p := c.next()
	assert.True(t, strings.HasPrefix(p, "0/probe,{"), "want the probe's CONNECT only, got %q", p)
	requireEmpty(t, io.Of("/"))
	c.expectNothing(50 * time.Millisecond)
}

// A client's DISCONNECT that arrives while its socket's connection handler
// runs ends the socket once the handler returns: its "disconnect" listener
// runs, it leaves its rooms and the client gets no CONNECT.
func TestDisconnectWhileTheConnectionHandlerRunsEndsTheSocket(t *testing.T) {
	io, hs := startServer(t, nil)
	inHandler := make(chan struct{})
	release := make(chan struct{})
	disconnected := make(chan DisconnectReason, 1)
	io.On("connection", func(s *Socket) {
		require.NoError(t, s.Join("r"))
		s.On("disconnect", func(r DisconnectReason) { disconnected <- r })
		close(inHandler)
		<-release
		_ = s.Emit("hello")
	})
	probed := make(chan struct{})
	io.Of("/probe").On("connection", func(*Socket) { close(probed) })
	c := dial(t, hs)
	c.send("0")
	<-inHandler
	c.send("1")
	c.send("0/probe,")
	<-probed
	close(release)
	assert.Equal(t, ReasonClientDisconnect, receive(t, disconnected))
	p := c.next()
	assert.True(t, strings.HasPrefix(p, "0/probe,{"), "want the probe's CONNECT only, got %q", p)
	requireEmpty(t, io.Of("/"))
	c.expectNothing(50 * time.Millisecond)
}

// Many clients send CONNECT then DISCONNECT back to back (React's double
// mount does this): no socket or room is left, and every connection the
// application saw has its "disconnect".
func TestConnectThenDisconnectBackToBackLeavesNoGhost(t *testing.T) {
	io, hs := startServer(t, nil)
	var connections, disconnections atomic.Int32
	io.On("connection", func(s *Socket) {
		connections.Add(1)
		s.On("disconnect", func() { disconnections.Add(1) })
		_ = s.Join("r")
	})
	const n = 100
	clients := make([]*testClient, n)
	for i := range clients {
		clients[i] = dial(t, hs)
	}
	for _, c := range clients {
		c.send("0")
		c.send("1")
	}
	requireEmpty(t, io.Of("/"))
	require.Eventually(t, func() bool { return connections.Load() == disconnections.Load() },
		5*time.Second, time.Millisecond, fmt.Sprint("connections ", connections.Load(), ", disconnections ", disconnections.Load()))
	// The server still answers them.
	for _, c := range clients[:3] {
		c.connect("/", "")
	}
}

// A client that sends a burst faster than its socket's listeners, which
// work, is slowed down, not refused: the reader waits for room while the
// listeners take queued events.
func TestBurstBehindWorkingListenersIsSlowedNotRefused(t *testing.T) {
	io, hs := startServer(t, &Options{Limits: Limits{MaxPendingEvents: 4, MaxPendingEventBytes: 1000}})
	var ran atomic.Int32
	all := make(chan struct{})
	const n = 30
	io.On("connection", func(s *Socket) {
		s.On("work", func(string) {
			// The listener's work, longer than the stall watch lets a
			// listener run on the reader: the next events queue.
			time.Sleep(15 * time.Millisecond)
			if ran.Add(1) == n {
				close(all)
			}
		})
	})
	c := dial(t, hs)
	c.connect("/", "")
	for range n {
		c.send(`2["work","` + strings.Repeat("x", 200) + `"]`)
	}
	receive(t, all)
	c.expectNothing(20 * time.Millisecond) // no DISCONNECT
	assert.Len(t, io.Of("/").Sockets(), 1)
}

// heapInUse returns the live heap after a collection.
func heapInUse() int64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return int64(m.HeapAlloc)
}

// Clients send events of about 900 KB behind stuck listeners (the issue
// saw "+931 MB, 738 MB still held 30 s after they left"): what the server
// holds stays within the per-socket bound, and is freed as soon as a socket
// goes, over the bound or because its client left, while the listeners are
// still stuck.
func TestStuckListenersHoldBoundedMemoryAndFreeItOnLeaving(t *testing.T) {
	io, hs := startServer(t, nil)
	f := addBlockers(t, io)
	const size = 900_000
	base := heapInUse()

	// Within the 4 MiB bound: four events wait.
	stay := dial(t, hs)
	s := blockedSocket(t, stay, f.sockets, f.blocked)
	for range 4 {
		stay.send(bigEvent(size))
	}
	require.Eventually(t, func() bool {
		items, _ := s.inbox.pending()
		return items == 4
	}, 5*time.Second, time.Millisecond)
	held1 := heapInUse() - base
	t.Logf("four events held: %.1f MB", float64(held1)/1e6)
	assert.Less(t, held1, int64(6e6))

	// Over it: the socket is disconnected and what it held freed.
	over := dial(t, hs)
	blockedSocket(t, over, f.sockets, f.blocked)
	for range 20 {
		over.send(bigEvent(size))
	}
	assert.Equal(t, "1", over.next())
	// Connecting again answers once the server has read all it sent.
	over.connect("/", "")
	receive(t, f.sockets)
	held2 := heapInUse() - base
	t.Logf("after the second client went over: %.1f MB", float64(held2)/1e6)
	// It sent 18 MB; what it may leave is its connection's buffers.
	assert.Less(t, held2, held1+3e6, "a disconnected socket's events are still held")

	// The first client leaves: its events are freed at once.
	stay.close()
	receive(t, s.Context().Done())
	held3 := heapInUse() - base
	t.Logf("after the first client left: %.1f MB", float64(held3)/1e6)
	assert.Less(t, held3, held2-3e6, "a closed socket's 3.6 MB of events are still held")
	assert.Zero(t, io.pendingBytes.Load())
}

// The same with socket.io-client 2.x's protocol, whose socket ids are
// "nsp#engine id".
func TestProtocol3ConnectThenDisconnectBackToBackLeavesNoGhost(t *testing.T) {
	io, hs := startServer(t, &Options{Engine: engineio.Options{AllowEIO3: true}})
	var connections, disconnections atomic.Int32
	io.Of("/admin").On("connection", func(s *Socket) {
		connections.Add(1)
		s.On("disconnect", func() { disconnections.Add(1) })
		_ = s.Join("r")
	})
	const n = 50
	clients := make([]*testClient, n)
	for i := range clients {
		clients[i] = dialEIO(t, hs, 3)
	}
	for _, c := range clients {
		c.send("0/admin")
		c.send("1/admin")
	}
	requireEmpty(t, io.Of("/admin"))
	require.Eventually(t, func() bool { return connections.Load() == disconnections.Load() },
		5*time.Second, time.Millisecond, fmt.Sprint("connections ", connections.Load(), ", disconnections ", disconnections.Load()))
}

// The connection's end may find a socket that another goroutine is closing
// (it looks not connected) and treat it as still connecting: the inbox's
// close that follows drops queued events only, not the disconnect sequence
// the other close queued.
func TestRacingCloseKeepsTheDisconnectSequence(t *testing.T) {
	io, hs := startServer(t, nil)
	f := addBlockers(t, io)
	c := dial(t, hs)
	s := blockedSocket(t, c, f.sockets, f.blocked)
	s.Disconnect(false) // queues "disconnecting"/"disconnect" behind "block"
	s.abandon()         // as client.onClose would, seeing it not connected
	f.release()
	assert.Equal(t, ReasonServerDisconnect, receive(t, f.disconnected))
}
