package socketio

import (
	"context"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gosio/gosio/engineio"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestDynamicNamespacesAndCleanup(t *testing.T) {
	io, hs := startServer(t, &Options{CleanupEmptyChildNamespaces: true})
	created := make(chan string, 4)
	io.On("new_namespace", func(n *Namespace) { created <- n.Name() })
	parent := io.OfRegexp(regexp.MustCompile(`^/room-\d+$`))
	parent.Use(func(s *Socket) error {
		if s.Handshake().Auth["ok"] != true {
			return &ConnectError{Message: "no"}
		}
		return nil
	})
	connected := make(chan *Socket, 2)
	parent.OnConnection(func(s *Socket) { connected <- s })

	a, b := dial(t, hs), dial(t, hs)
	a.connect("/room-1", `{"ok":true}`)
	b.connect("/room-2", `{"ok":true}`)
	assert.ElementsMatch(t, []string{"/room-1", "/room-2"}, []string{<-created, <-created})
	sa, sb := <-connected, <-connected
	assert.Len(t, parent.Children(), 2)

	require.NoError(t, parent.Emit("all", 1))
	assert.Equal(t, `2/room-1,["all",1]`, a.next())
	assert.Equal(t, `2/room-2,["all",1]`, b.next())

	a.send(`0/room-3,{"ok":false}`)
	assert.Equal(t, `4/room-3,{"message":"no"}`, a.next())
	a.send(`0/other,`)
	assert.Equal(t, `4/other,{"message":"Invalid namespace"}`, a.next())

	// The last socket of a child leaves: the child goes away.
	removed := make(chan struct{})
	sa.On("disconnect", func() { close(removed) })
	a.send(`1/room-1,`)
	<-removed
	require.Eventually(t, func() bool { return len(parent.Children()) == 1 }, 5*time.Second, 5*time.Millisecond)
	assert.True(t, sb.Connected())
}

func TestConnectTimeoutClosesIdleConnection(t *testing.T) {
	io, hs := startServer(t, &Options{ConnectTimeout: 100 * time.Millisecond})
	_ = io
	c := dial(t, hs)
	select {
	case <-c.done: // the server closed the connection
	case <-time.After(5 * time.Second):
		t.Fatal("idle connection not closed")
	}
}

func TestManyNamespacesOverOneConnection(t *testing.T) {
	io, hs := startServer(t, nil)
	for _, name := range []string{"/a", "/b", "/c"} {
		io.Of(name).OnConnection(func(s *Socket) {
			s.On("who", func(ack Ack) { _ = ack(s.Namespace().Name()) })
		})
	}
	c := dial(t, hs)
	c.connect("/a", "")
	c.connect("/b", "")
	c.connect("/c", "")
	c.send(`2/b,1["who"]`)
	assert.Equal(t, `3/b,1["/b"]`, c.next())
	c.send(`2/c,2["who"]`)
	assert.Equal(t, `3/c,2["/c"]`, c.next())
}

func TestServerSideEmitIsLocalNoOp(t *testing.T) {
	io := NewServer(nil)
	defer io.Close()
	called := false
	io.On("hello", func(string) { called = true })
	require.NoError(t, io.ServerSideEmit(context.Background(), "hello", "x"))
	answers, err := io.ServerSideEmitWithAck(context.Background(), "hello", "x")
	require.NoError(t, err)
	assert.Empty(t, answers)
	assert.False(t, called, "a lone server does not receive its own server-side emits")
	assert.ErrorIs(t, io.ServerSideEmit(context.Background(), "disconnect"), ErrReservedEvent)

	// What a cluster adapter delivers reaches the listeners, typed, with an ack.
	got := make(chan string, 1)
	io.Of("/").On("greet", func(name string, ack Ack) { got <- name; _ = ack("hi " + name) })
	answered := make(chan []any, 1)
	io.Of("/").ReceiveServerSideEmit([]any{"greet", "bob"}, func(a []any) { answered <- a })
	assert.Equal(t, "bob", <-got)
	assert.Equal(t, []any{"hi bob"}, <-answered)
}

func TestShutdownDisconnectsWithReason(t *testing.T) {
	io := NewServer(nil)
	hs := startHTTP(t, io)
	reasons := make(chan string, 2)
	io.On("connection", func(s *Socket) {
		s.On("disconnect", func(r string) { reasons <- r })
		_ = s.Emit("welcome")
	})
	c := dial(t, hs)
	c.connect("/", "")
	assert.Equal(t, `2["welcome"]`, c.next())
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	require.NoError(t, io.Shutdown(ctx))
	assert.Equal(t, "server shutting down", <-reasons)
	assert.Equal(t, "1", c.nextRaw(), "the client is told the session closed")
	assert.ErrorIs(t, io.Shutdown(ctx), ErrServerClosed)
}

func TestSlowClientPolicy(t *testing.T) {
	io, hs := startServer(t, &Options{Engine: engineio.Options{
		MaxQueuedMessages: 8, SlowClient: engineio.SlowClientError,
	}})
	sockets := make(chan *Socket, 1)
	io.On("connection", func(s *Socket) { sockets <- s })
	c := dial(t, hs)
	c.connect("/", "")
	s := <-sockets
	// Fill the queue faster than it drains: at some point Send refuses, and
	// the error says why; nothing panics and the socket stays usable.
	var full error
	for i := 0; i < 100000 && full == nil; i++ {
		full = s.Emit("flood", i)
	}
	assert.ErrorIs(t, full, engineio.ErrQueueFull)
	packets, _ := s.QueueLen()
	assert.LessOrEqual(t, packets, 8)
}

// What the connection handler does is in place when the client learns it is
// connected: its rooms are joined, and its emits (and broadcasts meanwhile)
// arrive right after CONNECT.
func TestConnectionHandlerRunsBeforeConnectAck(t *testing.T) {
	io, hs := startServer(t, nil)
	io.On("connection", func(s *Socket) {
		require.NoError(t, s.Join("lobby"))
		_ = s.Emit("welcome")
		_ = io.Emit("everyone") // reaches the new socket too, after CONNECT
	})
	c := dial(t, hs)
	c.connect("/", "")
	assert.Equal(t, `2["welcome"]`, c.next())
	assert.Equal(t, `2["everyone"]`, c.next())
	require.NoError(t, io.To("lobby").Emit("in-lobby"))
	assert.Equal(t, `2["in-lobby"]`, c.next())
}

// A connection handler that waits for its client's answer: CONNECT, and
// what the handler emitted before, go out first, so the client can answer
// (Node sends CONNECT before the handlers run).
func TestConnectionHandlerAwaitsItsClientsAck(t *testing.T) {
	io, hs := startServer(t, nil)
	answer := make(chan string, 1)
	io.On("connection", func(s *Socket) {
		_ = s.Emit("welcome")
		r, err := s.Timeout(5*time.Second).EmitWithAck(context.Background(), "hello")
		if err != nil {
			answer <- "error: " + err.Error()
			return
		}
		var v string
		_ = r.Decode(&v)
		answer <- v
		_ = s.Emit("after")
	})
	c := dial(t, hs)
	c.send("0")
	p := c.next()
	require.True(t, strings.HasPrefix(p, "0{"), "CONNECT first, got %q", p)
	assert.Equal(t, `2["welcome"]`, c.next())
	p = c.next()
	require.True(t, strings.HasPrefix(p, "2") && strings.HasSuffix(p, `["hello"]`), p)
	id := strings.TrimSuffix(strings.TrimPrefix(p, "2"), `["hello"]`)
	c.send("3" + id + `["hi"]`)
	assert.Equal(t, "hi", receive(t, answer))
	assert.Equal(t, `2["after"]`, c.next())
}

// The connection ends while a socket is being connected, after the check
// for a closed client and before the socket is marked connected (the hook
// runs the client's close right there): the socket must not be left
// connected, in its namespace, with nobody to disconnect it.
func TestConnectionEndsWhileASocketConnects(t *testing.T) {
	io, hs := startServer(t, nil)
	var connecting atomic.Pointer[Socket]
	end := func(s *Socket) {
		connecting.Store(s)
		s.client.onClose(engineio.ReasonTransportClose)
	}
	testHookConnecting.Store(&end)
	t.Cleanup(func() { testHookConnecting.Store(nil) })
	ran := make(chan struct{}, 1)
	io.On("connection", func(*Socket) { ran <- struct{}{} })
	c := dial(t, hs)
	c.send("0")
	require.Eventually(t, func() bool {
		s := connecting.Load()
		return s != nil && io.Of("/").Socket(s.ID()) == nil && !s.Connected()
	},
		5*time.Second, time.Millisecond, "the socket of the ended connection was disconnected")
	select {
	case <-ran:
		t.Error("connection handlers ran for a socket whose connection had ended")
	default:
	}
}

// A socket.io-client 2.x socket's id is "nsp#engine id", the same each time
// it joins a namespace on one connection. When it leaves and joins again at
// once, the old socket's leaving (after its "disconnecting" listeners, here
// slow) must not take the new socket's rooms.
func TestProtocol3RejoinKeepsTheNewSocketsRooms(t *testing.T) {
	io, hs := startServer(t, &Options{Engine: engineio.Options{AllowEIO3: true}})
	joined := make(chan *Socket, 2)
	left := make(chan struct{}, 2)
	io.Of("/admin").On("connection", func(s *Socket) {
		s.On("disconnecting", func() { time.Sleep(20 * time.Millisecond) }) // a slow listener
		s.On("disconnect", func() { left <- struct{}{} })
		require.NoError(t, s.Join("r"))
		joined <- s
	})
	c := dialEIO(t, hs, 3)
	c.send("0/admin")
	first := receive(t, joined)
	c.send("1/admin")
	c.send("0/admin")
	second := receive(t, joined)
	require.Equal(t, first.ID(), second.ID())
	receive(t, left) // the first socket has left its rooms
	assert.True(t, second.Connected())
	assert.ElementsMatch(t, []string{second.ID(), "r"}, second.Rooms())
	require.NoError(t, io.Of("/admin").To("r").Emit("in-r"))
	for p := c.next(); p != `2/admin,["in-r"]`; p = c.next() {
		require.Contains(t, []string{"0", "0/admin,"}, p, "unexpected packet")
	}
}
