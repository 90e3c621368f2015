package socketio

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Handlers run on the connection's reader when the socket has nothing
// queued (inline.go). These tests block inside handlers in the ways that
// would deadlock or reorder a naive version.

// EmitWithAck inside a handler: the answer comes through the reader the
// handler is running on, which must be handed over first.
func TestHandlerAwaitsItsOwnClientsAck(t *testing.T) {
	io, hs := startServer(t, nil)
	io.On("connection", func(s *Socket) {
		s.On("ask", func(ack Ack) {
			r, err := s.Timeout(5*time.Second).EmitWithAck(context.Background(), "q", 1)
			if err != nil {
				_ = ack(err.Error())
				return
			}
			var n int
			_ = r.Decode(&n)
			_ = ack(n + 1)
		})
	})
	c := dial(t, hs)
	c.connect("/", "")
	start := time.Now()
	c.send(`27["ask"]`)
	p := c.next()
	require.True(t, strings.HasPrefix(p, "2") && strings.HasSuffix(p, `["q",1]`), p)
	id := strings.TrimSuffix(strings.TrimPrefix(p, "2"), `["q",1]`)
	c.send("3" + id + `[41]`)
	assert.Equal(t, `37[42]`, c.next())
	assert.Less(t, time.Since(start), 2*time.Second, "answered while waiting, not after a timeout")
}

// A handler blocked until an event that comes on another namespace of the
// same connection: the watchdog hands reading over after inlineStall.
func TestBlockedHandlerDoesNotStallItsConnection(t *testing.T) {
	io, hs := startServer(t, nil)
	gate := make(chan struct{})
	io.On("connection", func(s *Socket) {
		s.On("hold", func(ack Ack) {
			select {
			case <-gate:
				_ = ack(true)
			case <-time.After(5 * time.Second):
				_ = ack(false)
			}
		})
	})
	io.Of("/admin").On("connection", func(s *Socket) {
		s.On("open", func(ack Ack) {
			close(gate)
			_ = ack("ok")
		})
	})
	c := dial(t, hs)
	c.connect("/", "")
	c.connect("/admin", "")
	c.send(`21["hold"]`)
	c.send(`2/admin,2["open"]`)
	got := []string{c.next(), c.next()}
	assert.ElementsMatch(t, []string{`3/admin,2["ok"]`, `31[true]`}, got)
}

// One handler in ten runs far longer than inlineStall while more events
// arrive: they wait for it and run one at a time, in order.
func TestEventsStayInOrderWhenAHandlerRunsLong(t *testing.T) {
	checkHandlersInOrder(t, 30, func(i int) {
		if i%10 == 0 {
			time.Sleep(4 * inlineStall) // simulated work, long enough to be handed over
		}
	})
}

// A handler that disconnects its socket: the "disconnect" listeners run
// after it returns, and the events that follow are not delivered.
func TestHandlerDisconnectsItsSocket(t *testing.T) {
	io, hs := startServer(t, nil)
	events := make(chan string, 8)
	io.On("connection", func(s *Socket) {
		s.On("bye", func() {
			s.Disconnect(false)
			events <- "bye returned"
		})
		s.On("late", func() { events <- "late" })
		s.On("disconnect", func(reason string) { events <- "disconnect " + reason })
	})
	c := dial(t, hs)
	c.connect("/", "")
	c.send(`2["bye"]`)
	c.send(`2["late"]`)
	assert.Equal(t, "1", c.next(), "the DISCONNECT packet")
	assert.Equal(t, "bye returned", <-events)
	assert.Equal(t, "disconnect server namespace disconnect", <-events)
	select {
	case e := <-events:
		t.Fatalf("unexpected %q", e)
	case <-time.After(50 * time.Millisecond):
	}
}

// The stall watch lists a client while it runs handlers inline and ends
// once every listed client is idle.
func TestStallWatchEndsWhenIdle(t *testing.T) {
	io, hs := startServer(t, nil)
	watched := make(chan bool, 1)
	io.On("connection", func(s *Socket) {
		s.On("e", func(ack Ack) {
			io.stalls.mu.Lock()
			watched <- io.stalls.running && s.client.inline.listed
			io.stalls.mu.Unlock()
			_ = ack()
		})
	})
	c := dial(t, hs)
	c.connect("/", "")
	c.send(`21["e"]`)
	require.Equal(t, "31[]", c.next())
	require.True(t, <-watched, "listed while its handler ran on the reader")
	require.Eventually(t, func() bool {
		io.stalls.mu.Lock()
		defer io.stalls.mu.Unlock()
		return !io.stalls.running && len(io.stalls.clients) == 0
	}, 2*time.Second, time.Millisecond)
}

// A release by the stall watch that is delayed after it has claimed a run
// (the watch's goroutine preempted, emulated by the hook) must still hand
// over that run's reader, not the reader of whatever message comes next:
// otherwise two goroutines decode and route one connection's messages at
// once, and a socket's events run out of order.
func TestLateStallReleaseKeepsOrder(t *testing.T) {
	delay := func() { time.Sleep(10 * time.Millisecond) }
	testHookReleasing.Store(&delay)
	t.Cleanup(func() { testHookReleasing.Store(nil) })
	io, hs := startServer(t, nil)
	var mu sync.Mutex
	var got []int
	var running, overlaps atomic.Int32
	io.On("connection", func(s *Socket) {
		s.On("slow", func() { time.Sleep(2 * inlineStall) }) // long enough for the watch
		s.On("n", func(i int) {
			if running.Add(1) > 1 {
				overlaps.Add(1)
			}
			mu.Lock()
			got = append(got, i)
			mu.Unlock()
			running.Add(-1)
		})
		s.On("done", func(ack Ack) { _ = ack() })
	})
	c := dial(t, hs)
	c.connect("/", "")
	const rounds, burst = 10, 1000
	n := 0
	for range rounds {
		c.send(`2["slow"]`)
		for range burst {
			c.send(`2["n",` + strconv.Itoa(n) + `]`)
			n++
		}
		c.send(`21["done"]`)
		require.Equal(t, "31[]", c.next())
	}
	mu.Lock()
	defer mu.Unlock()
	require.Len(t, got, n)
	assert.True(t, slices.IsSorted(got), "events ran out of order")
	assert.Zero(t, overlaps.Load(), "two handlers of one socket ran at once")
}

// A handler awaits its client's answer while the client sends more events
// than the socket may queue: the event over the bound disconnects the
// socket (the reader does not wait for room, which would hide the
// client's answer and its leaving), so the handler's wait ends and the
// client is told.
func TestEventsOverThePendingBoundDisconnectTheSocket(t *testing.T) {
	io, hs := startServer(t, &Options{Limits: Limits{MaxPendingEvents: 2}})
	disconnected := make(chan DisconnectReason, 1)
	returned := make(chan error, 1)
	io.On("connection", func(s *Socket) {
		s.On("ask", func() {
			_, err := s.EmitWithAck(context.Background(), "q") // no timeout
			returned <- err
		})
		s.On("x", func() {})
		s.On("disconnect", func(r DisconnectReason) { disconnected <- r })
	})
	c := dial(t, hs)
	c.connect("/", "")
	c.send(`2["ask"]`)
	require.True(t, strings.HasSuffix(c.next(), `["q"]`))
	for range 3 { // one more than the inbox takes
		c.send(`2["x"]`)
	}
	assert.Equal(t, "1", c.next()) // DISCONNECT
	assert.ErrorIs(t, receive(t, returned), ErrNotConnected)
	assert.Equal(t, ReasonServerDisconnect, receive(t, disconnected))
	assert.Zero(t, io.pendingBytes.Load())
}

// A handler awaits its client's answer, with no timeout, and the client
// leaves: the wait ends with ErrNotConnected at the disconnection, although
// the socket's "disconnect" listeners are queued behind that very handler.
func TestHandlerAwaitingAnAckSeesTheDisconnection(t *testing.T) {
	io, hs := startServer(t, nil)
	disconnected := make(chan DisconnectReason, 1)
	returned := make(chan error, 1)
	io.On("connection", func(s *Socket) {
		s.On("ask", func() {
			_, err := s.EmitWithAck(context.Background(), "q")
			returned <- err
		})
		s.On("disconnect", func(r DisconnectReason) { disconnected <- r })
	})
	c := dial(t, hs)
	c.connect("/", "")
	c.send(`2["ask"]`)
	require.True(t, strings.HasSuffix(c.next(), `["q"]`))
	c.close()
	assert.ErrorIs(t, receive(t, returned), ErrNotConnected)
	assert.Equal(t, ReasonTransportClose, receive(t, disconnected))
}
