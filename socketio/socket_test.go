package socketio

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type chatMsg struct {
	Text string `json:"text"`
	N    int    `json:"n"`
}

func TestTypedHandlersAndAck(t *testing.T) {
	io, hs := startServer(t, nil)
	got := make(chan string, 4)
	io.On("connection", func(s *Socket) {
		s.On("chat", func(m chatMsg, extra string, ack Ack) {
			got <- fmt.Sprintf("%s/%d/%s", m.Text, m.N, extra)
			require.NoError(t, ack("ok", m.N*2))
			assert.ErrorIs(t, ack("again"), ErrAlreadyAcked)
		})
		s.On("many", func(first int, rest ...string) { got <- fmt.Sprint(first, rest) })
	})
	c := dial(t, hs)
	c.connect("/", "")
	c.send(`212["chat",{"text":"héllo 😀","n":21},"x"]`)
	assert.Equal(t, "héllo 😀/21/x", <-got)
	assert.Equal(t, `312["ok",42]`, c.next())
	c.send(`2["many",1,"a","b"]`)
	assert.Equal(t, "1 [a b]", <-got)
}

func TestBadSignaturePanicsAtRegistration(t *testing.T) {
	s := &Socket{}
	for _, fn := range []any{nil, 42, func() (int, error) { return 0, nil }, func(Ack, string) {}, func(chan int) {}} {
		assert.Panics(t, func() { s.On("ev", fn) }, "%T", fn)
	}
	assert.NotPanics(t, func() { s.On("ev", func(a map[string]any, b []byte, ack Ack) error { return nil }) })
}

func TestDecodeErrorReportedAndConnectionKept(t *testing.T) {
	io, hs := startServer(t, nil)
	errs := make(chan error, 1)
	io.On("connection", func(s *Socket) {
		s.On("num", func(n int, ack Ack) { _ = ack(n + 1) })
		s.On("error", func(err error) { errs <- err })
	})
	c := dial(t, hs)
	c.connect("/", "")
	c.send(`21["num","not a number"]`)
	var de *DecodeError
	require.ErrorAs(t, <-errs, &de)
	assert.Equal(t, "num", de.Event)
	assert.Equal(t, 0, de.Arg)
	c.send(`22["num",41]`) // the socket still works
	assert.Equal(t, `32[42]`, c.next())
}

func TestBinaryBothWays(t *testing.T) {
	io, hs := startServer(t, nil)
	type withBytes struct {
		Name string `json:"name"`
		Data []byte `json:"data"`
	}
	io.On("connection", func(s *Socket) {
		s.On("upload", func(v withBytes, ack Ack) {
			_ = ack(len(v.Data), v.Name)
			_ = s.Emit("download", map[string]any{"blob": []byte{9, 8, 7}})
		})
	})
	c := dial(t, hs)
	c.connect("/", "")
	c.send(`51-5["upload",{"name":"f","data":{"_placeholder":true,"num":0}}]`)
	c.sendBinary([]byte{1, 2, 3, 4})
	assert.Equal(t, `35[4,"f"]`, c.next())
	assert.Equal(t, `51-["download",{"blob":{"_placeholder":true,"num":0}}]`, c.next())
	select {
	case b := <-c.bin:
		assert.Equal(t, []byte{9, 8, 7}, b)
	case <-time.After(5 * time.Second):
		t.Fatal("no attachment")
	}
}

func TestEmitWithAckAndTimeout(t *testing.T) {
	io, hs := startServer(t, nil)
	sockets := make(chan *Socket, 1)
	io.On("connection", func(s *Socket) { sockets <- s })
	c := dial(t, hs)
	c.connect("/", "")
	s := <-sockets

	type result struct {
		resp Response
		err  error
	}
	res := make(chan result, 1)
	go func() {
		r, err := s.EmitWithAck(context.Background(), "q", 1, 2)
		res <- result{r, err}
	}()
	p := c.next()
	require.True(t, strings.HasPrefix(p, "2"), p)
	id := strings.TrimSuffix(strings.TrimPrefix(p, "2"), `["q",1,2]`)
	c.send("3" + id + `[3]`)
	r := <-res
	require.NoError(t, r.err)
	var sum int
	require.NoError(t, r.resp.Decode(&sum))
	assert.Equal(t, 3, sum)

	start := time.Now()
	_, err := s.Timeout(50*time.Millisecond).EmitWithAck(context.Background(), "q")
	assert.ErrorIs(t, err, ErrAckTimeout)
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Less(t, time.Since(start), 2*time.Second)
	c.next() // the unanswered question
}

func TestReservedEventsCannotBeEmitted(t *testing.T) {
	io, hs := startServer(t, nil)
	sockets := make(chan *Socket, 1)
	io.On("connection", func(s *Socket) { sockets <- s })
	c := dial(t, hs)
	c.connect("/", "")
	s := <-sockets
	for _, ev := range []string{"connect", "disconnect", "disconnecting", "connect_error", "newListener", "removeListener"} {
		assert.ErrorIs(t, s.Emit(ev), ErrReservedEvent)
		assert.ErrorIs(t, io.Emit(ev), ErrReservedEvent)
	}
}

func TestMiddlewareRejectsWithData(t *testing.T) {
	io, hs := startServer(t, nil)
	io.Of("/private").Use(func(s *Socket) error {
		if s.Handshake().Auth["token"] == "secret" {
			return nil
		}
		return &ConnectError{Message: "not authorized", Data: map[string]any{"code": 401}}
	})
	c := dial(t, hs)
	c.send(`0/private,{"token":"nope"}`)
	assert.Equal(t, `4/private,{"data":{"code":401},"message":"not authorized"}`, c.next())
	c.send(`0/unknown,`)
	assert.Equal(t, `4/unknown,{"message":"Invalid namespace"}`, c.next())
	c.connect("/private", `{"token":"secret"}`)
}

func TestRoomsBroadcastExcept(t *testing.T) {
	io, hs := startServer(t, nil)
	ready := make(chan *Socket, 3)
	io.On("connection", func(s *Socket) {
		s.On("join", func(room string, ack Ack) { s.Join(room); _ = ack() })
		s.On("shout", func(msg string) { _ = s.Broadcast().Emit("shout", msg) })
		ready <- s
	})
	a, b, c := dial(t, hs), dial(t, hs), dial(t, hs)
	for _, cl := range []*testClient{a, b, c} {
		cl.connect("/", "")
		<-ready
	}
	a.send(`21["join","red"]`)
	assert.Equal(t, `31[]`, a.next())
	b.send(`21["join","red"]`)
	assert.Equal(t, `31[]`, b.next())
	c.send(`21["join","blue"]`)
	assert.Equal(t, `31[]`, c.next())

	require.NoError(t, io.To("red").Except("blue").Emit("news", "red only"))
	assert.Equal(t, `2["news","red only"]`, a.next())
	assert.Equal(t, `2["news","red only"]`, b.next())
	require.NoError(t, io.Except("red").Emit("news", "not red"))
	assert.Equal(t, `2["news","not red"]`, c.next())
	a.send(`2["shout","hi"]`)
	assert.Equal(t, `2["shout","hi"]`, b.next())
	assert.Equal(t, `2["shout","hi"]`, c.next())
	a.expectNothing(100 * time.Millisecond)

	rooms, err := io.Of("/").Adapter().AllRooms(context.Background())
	require.NoError(t, err)
	assert.Subset(t, rooms, []string{"red", "blue"})
	socks, err := io.In("red").FetchSockets(context.Background())
	require.NoError(t, err)
	assert.Len(t, socks, 2)
	require.NoError(t, io.In("red").SocketsJoin(context.Background(), "green"))
	require.NoError(t, io.To("green").Emit("g"))
	assert.Equal(t, `2["g"]`, a.next())
	assert.Equal(t, `2["g"]`, b.next())
	require.NoError(t, io.In("blue").DisconnectSockets(context.Background(), false))
	assert.Equal(t, `1`, c.next())
}

func TestBroadcastWithAcks(t *testing.T) {
	io, hs := startServer(t, nil)
	ready := make(chan struct{}, 3)
	io.On("connection", func(*Socket) { ready <- struct{}{} })
	clients := []*testClient{dial(t, hs), dial(t, hs), dial(t, hs)}
	for _, cl := range clients {
		cl.connect("/", "")
		<-ready
	}
	answer := func(cl *testClient, v int) {
		p := cl.next()
		id := strings.TrimSuffix(strings.TrimPrefix(p, "2"), `["poll"]`)
		cl.send(fmt.Sprintf("3%s[%d]", id, v))
	}
	done := make(chan []Response, 1)
	go func() {
		rs, err := io.Timeout(5*time.Second).EmitWithAck(context.Background(), "poll")
		assert.NoError(t, err)
		done <- rs
	}()
	for i, cl := range clients {
		answer(cl, i)
	}
	assert.Len(t, <-done, 3)

	// The sequence form yields answers as they come; one client never
	// answers, so the sequence ends with the timeout.
	seq := io.Timeout(300*time.Millisecond).EmitWithAckSeq(context.Background(), "poll")
	go answer(clients[0], 7)
	go answer(clients[1], 8)
	var got []int
	var lastErr error
	for r, err := range seq {
		if err != nil {
			lastErr = err
			break
		}
		var v int
		require.NoError(t, r.Decode(&v))
		got = append(got, v)
	}
	assert.ElementsMatch(t, []int{7, 8}, got)
	assert.ErrorIs(t, lastErr, ErrAckTimeout)
	clients[2].next()
}

func TestDisconnectReasonsAndEvents(t *testing.T) {
	io, hs := startServer(t, nil)
	reasons := make(chan string, 4)
	io.On("connection", func(s *Socket) {
		s.On("disconnecting", func(r DisconnectReason) {
			reasons <- "disconnecting:" + string(r) + ":" + fmt.Sprint(len(s.Rooms()))
		})
		s.On("disconnect", func(r string) { reasons <- "disconnect:" + r + ":" + fmt.Sprint(len(s.Rooms())) })
		s.On("bye", func() { s.Disconnect(false) })
	})
	c := dial(t, hs)
	c.connect("/", "")
	c.send(`1`)
	assert.Equal(t, "disconnecting:client namespace disconnect:1", <-reasons)
	assert.Equal(t, "disconnect:client namespace disconnect:0", <-reasons)

	c.connect("/", "")
	c.send(`2["bye"]`)
	assert.Equal(t, `1`, c.next())
	assert.Equal(t, "disconnecting:server namespace disconnect:1", <-reasons)
	<-reasons

	c.connect("/", "")
	c.close()
	assert.Equal(t, "disconnecting:transport close:1", <-reasons)
	<-reasons
}

func TestContextCancelledOnDisconnect(t *testing.T) {
	io, hs := startServer(t, nil)
	sockets := make(chan *Socket, 1)
	io.On("connection", func(s *Socket) { sockets <- s })
	c := dial(t, hs)
	c.connect("/", "")
	s := <-sockets
	require.NoError(t, s.Context().Err())
	assert.True(t, s.Connected())
	c.close()
	select {
	case <-s.Context().Done():
	case <-time.After(5 * time.Second):
		t.Fatal("context not cancelled")
	}
	assert.False(t, s.Connected())
	assert.ErrorIs(t, s.Emit("x"), ErrNotConnected)
}

func TestHandlersRunInOrderOnePerSocket(t *testing.T) {
	checkHandlersInOrder(t, 50, func(int) {
		time.Sleep(time.Millisecond) // widen the window for overlap
	})
}

// checkHandlersInOrder sends n events to one socket, whose listener runs
// work(i) for the i-th, and checks that they ran one at a time, in order.
func checkHandlersInOrder(t *testing.T, n int, work func(i int)) {
	t.Helper()
	io, hs := startServer(t, nil)
	var mu sync.Mutex
	var order []int
	running := 0
	io.On("connection", func(s *Socket) {
		s.On("n", func(i int) {
			mu.Lock()
			running++
			if running > 1 {
				t.Error("two handlers of one socket ran at once")
			}
			order = append(order, i)
			mu.Unlock()
			work(i)
			mu.Lock()
			running--
			mu.Unlock()
		})
		s.On("done", func(ack Ack) { _ = ack() })
	})
	c := dial(t, hs)
	c.connect("/", "")
	for i := range n {
		c.send(fmt.Sprintf(`2["n",%d]`, i))
	}
	c.send(`29["done"]`)
	assert.Equal(t, "39[]", c.next())
	mu.Lock()
	defer mu.Unlock()
	require.Len(t, order, n)
	for i := range n {
		require.Equal(t, i, order[i])
	}
}

// A slow handler of one socket must not stall another socket.
func TestSlowHandlerDoesNotStallOthers(t *testing.T) {
	io, hs := startServer(t, nil)
	release := make(chan struct{})
	io.On("connection", func(s *Socket) {
		s.On("slow", func() { <-release })
		s.On("ping", func(ack Ack) { _ = ack("pong") })
	})
	slow, fast := dial(t, hs), dial(t, hs)
	slow.connect("/", "")
	fast.connect("/", "")
	slow.send(`2["slow"]`)
	fast.send(`21["ping"]`)
	assert.Equal(t, `31["pong"]`, fast.next())
	close(release)
}

// Emitting from 100 goroutines at once: every client receives every message
// exactly once, in each goroutine's order.
func TestConcurrentEmitters(t *testing.T) {
	io, hs := startServer(t, nil)
	const goroutines, perG = 100, 20
	ready := make(chan *Socket, 2)
	io.On("connection", func(s *Socket) { ready <- s })
	clients := []*testClient{dial(t, hs), dial(t, hs)}
	var socks []*Socket
	for _, cl := range clients {
		cl.connect("/", "")
		socks = append(socks, <-ready)
	}
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Go(func() {
			for i := range perG {
				if g%2 == 0 {
					assert.NoError(t, io.Emit("m", g, i))
				} else {
					for _, s := range socks {
						assert.NoError(t, s.Emit("m", g, i))
					}
				}
			}
		})
	}
	wg.Wait()
	for _, cl := range clients {
		next := make([]int, goroutines)
		for range goroutines * perG {
			var ev []any
			require.NoError(t, json.Unmarshal([]byte(strings.TrimPrefix(cl.next(), "2")), &ev))
			g, i := int(ev[1].(float64)), int(ev[2].(float64))
			require.Equal(t, next[g], i, "goroutine %d out of order", g)
			next[g]++
		}
		cl.expectNothing(50 * time.Millisecond)
	}
}

func TestPacketMiddlewareAndCatchAll(t *testing.T) {
	io, hs := startServer(t, nil)
	seen := make(chan string, 8)
	errs := make(chan error, 1)
	io.On("connection", func(s *Socket) {
		s.Use(func(ev *Event) error {
			if ev.Name == "forbidden" {
				return errors.New("not allowed")
			}
			return nil
		})
		s.OnAny(func(event string, args ...any) { seen <- fmt.Sprint("any:", event, " ", args) })
		s.OnAnyOutgoing(func(event string, args ...any) { seen <- fmt.Sprint("out:", event, " ", args) })
		s.On("error", func(err error) { errs <- err })
		s.On("hello", func(v string) { _ = s.Emit("reply", v) })
	})
	c := dial(t, hs)
	c.connect("/", "")
	c.send(`2["forbidden"]`)
	assert.EqualError(t, <-errs, "not allowed")
	c.send(`2["hello","w"]`)
	assert.Equal(t, "any:hello [w]", <-seen)
	assert.Equal(t, "out:reply [w]", <-seen)
	assert.Equal(t, `2["reply","w"]`, c.next())
}

func TestHandlerPanicDisconnectsSocketOnly(t *testing.T) {
	io, hs := startServer(t, nil)
	io.On("connection", func(s *Socket) {
		s.On("boom", func() { panic("kaboom") })
		s.On("ping", func(ack Ack) { _ = ack() })
	})
	bad, good := dial(t, hs), dial(t, hs)
	bad.connect("/", "")
	good.connect("/", "")
	bad.send(`2["boom"]`)
	assert.Equal(t, `1`, bad.next())
	good.send(`23["ping"]`)
	assert.Equal(t, `33[]`, good.next())
}
