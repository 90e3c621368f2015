package socketio

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestHistogramBuckets(t *testing.T) {
	var h Histogram
	for _, d := range []time.Duration{0, 500 * time.Microsecond, 501 * time.Microsecond, 3 * time.Millisecond, time.Minute} {
		h.Observe(d)
	}
	s := h.Snapshot()
	require.EqualValues(t, 5, s.Count)
	require.Equal(t, 500*time.Microsecond+501*time.Microsecond+3*time.Millisecond+time.Minute, s.Sum)
	require.EqualValues(t, 2, s.Counts[0], "at or below the first bound")
	require.EqualValues(t, 3, s.Counts[1], "cumulative")
	require.EqualValues(t, 3, s.Counts[2])
	require.EqualValues(t, 4, s.Counts[3])
	require.EqualValues(t, 4, s.Counts[len(HistogramBounds)-1], "a minute is beyond the last bound")
}

type timeoutErr struct{}

func (timeoutErr) Error() string { return "i/o timeout" }
func (timeoutErr) Timeout() bool { return true }

func TestAdapterRequestsCounted(t *testing.T) {
	io := NewServer(nil)
	defer func() { _ = io.Close() }()
	nsp := io.Of("/")

	// While nobody counts, a request is an empty value and ends as nothing.
	req := nsp.StartAdapterRequest("fetchSockets")
	require.Equal(t, AdapterRequest{}, req)
	req.Done(nil)
	req.TimedOut()

	st := io.Stats()
	require.Empty(t, st.AdapterRequests())
	nsp.StartAdapterRequest("fetchSockets").Done(nil)
	nsp.StartAdapterRequest("fetchSockets").Done(errors.New("redis: down"))
	nsp.StartAdapterRequest("fetchSockets").Done(fmt.Errorf("waiting: %w", ErrAckTimeout))
	nsp.StartAdapterRequest("allRooms").Done(context.DeadlineExceeded)
	nsp.StartAdapterRequest("allRooms").Done(&net.OpError{Op: "read", Err: timeoutErr{}})
	nsp.StartAdapterRequest("serverSideEmit").TimedOut()
	nsp.StartAdapterRequest("serverCount").Done(context.Canceled)

	got := st.AdapterRequests()
	summary := make(map[string][3]uint64)
	for _, r := range got {
		summary[r.Kind] = [3]uint64{r.OK, r.Errors, r.Timeouts}
		require.Equal(t, r.OK+r.Errors+r.Timeouts, r.Latency.Count, r.Kind)
	}
	require.Equal(t, map[string][3]uint64{
		"allRooms":       {0, 0, 2},
		"fetchSockets":   {1, 1, 1},
		"serverCount":    {0, 1, 0},
		"serverSideEmit": {0, 0, 1},
	}, summary)
	require.Equal(t, "allRooms", got[0].Kind, "sorted by kind")

	// Made-up kinds cannot grow the table without bound.
	for i := range 2 * maxAdapterKinds {
		nsp.StartAdapterRequest("k" + strconv.Itoa(i)).Done(nil)
	}
	require.LessOrEqual(t, len(st.AdapterRequests()), maxAdapterKinds+1)
}

func TestAckTimesCounted(t *testing.T) {
	io, hs := startServer(t, nil)
	st := io.Stats()
	sockets := make(chan *Socket, 1)
	io.OnConnection(func(s *Socket) {
		s.On("ask", func(v string, ack Ack) { _ = ack(v) })
		sockets <- s
	})
	c := dial(t, hs)
	c.connect("/", "")
	s := receive(t, sockets)

	c.send(`21["ask","q"]`)
	require.Equal(t, `31["q"]`, c.next())
	// The reply is timed once the ack has been handed to the connection,
	// which can be after the client read it.
	require.Eventually(t, func() bool { return st.AckReply.Snapshot().Count == 1 }, 5*time.Second, time.Millisecond)

	answered := make(chan error, 1)
	go func() {
		_, err := s.EmitWithAck(context.Background(), "ping?")
		answered <- err
	}()
	require.Equal(t, `20["ping?"]`, c.next())
	time.Sleep(3 * time.Millisecond) // a client that takes its time: the round trip shows it
	c.send(`30["pong"]`)
	require.NoError(t, receive(t, answered))
	rtt := st.AckRoundTrip.Snapshot()
	require.EqualValues(t, 1, rtt.Count)
	require.GreaterOrEqual(t, rtt.Sum, 3*time.Millisecond)
	require.EqualValues(t, 0, rtt.Counts[1], "not at or below 1ms")
	c.close()
}

// outgoing records what a socket's outgoing catch-all listener hears.
func outgoing(s *Socket) (chan []any, func(string, ...any)) {
	ch := make(chan []any, 8)
	fn := func(ev string, args ...any) { ch <- append([]any{ev}, args...) }
	s.OnAnyOutgoing(fn)
	return ch, fn
}

func TestBroadcastsToldToOutgoingListeners(t *testing.T) {
	io, hs := startServer(t, nil)
	sockets := make(chan *Socket, 2)
	io.OnConnection(func(s *Socket) { sockets <- s })
	nsp := io.Of("/")
	a, b := dial(t, hs), dial(t, hs)
	a.connect("/", "")
	sa := receive(t, sockets)
	b.connect("/", "")
	sb := receive(t, sockets)

	require.Zero(t, nsp.outListening.Load(), "nobody listens: broadcasts look at no recipient")
	heard, fn := outgoing(sa)
	require.EqualValues(t, 1, nsp.outListening.Load())
	sa.OnAnyOutgoing(func(string, ...any) {})
	require.EqualValues(t, 1, nsp.outListening.Load(), "counted once per socket")

	require.NoError(t, io.Emit("news", 1, "two"))
	require.Equal(t, `2["news",1,"two"]`, a.next())
	require.Equal(t, `2["news",1,"two"]`, b.next())
	require.Equal(t, []any{"news", 1, "two"}, receive(t, heard))

	require.NoError(t, sa.Emit("direct", true))
	require.Equal(t, `2["direct",true]`, a.next())
	require.Equal(t, []any{"direct", true}, receive(t, heard))

	// Broadcasts with acknowledgements too, as Node's adapter.
	polled := make(chan error, 1)
	go func() {
		_, err := io.Timeout(10*time.Millisecond).EmitWithAck(context.Background(), "poll")
		polled <- err
	}()
	require.Contains(t, a.next(), `["poll"]`)
	require.Contains(t, b.next(), `["poll"]`)
	require.Equal(t, []any{"poll"}, receive(t, heard))
	require.ErrorIs(t, receive(t, polled), ErrAckTimeout, "nobody answers")

	sa.OffAnyOutgoing(nil)
	require.Zero(t, nsp.outListening.Load())
	_, _ = outgoing(sb)
	require.EqualValues(t, 1, nsp.outListening.Load())
	b.close()
	require.Eventually(t, func() bool { return nsp.outListening.Load() == 0 }, 5*time.Second, time.Millisecond,
		"a closed socket is no longer counted")
	sa.OnAnyOutgoing(fn)
	a.close()
	require.Eventually(t, func() bool { return nsp.outListening.Load() == 0 }, 5*time.Second, time.Millisecond)
	sa.OnAnyOutgoing(fn) // after the close: never counted
	require.Zero(t, nsp.outListening.Load())
}

type dataObserver struct {
	chanObserver
	set chan any
}

func (o dataObserver) SocketDataSet(s *Socket) { o.set <- s.Data() }

func TestSetDataObserved(t *testing.T) {
	io, hs := startServer(t, nil)
	o := dataObserver{chanObserver: make(chanObserver, 8), set: make(chan any, 8)}
	defer io.Observe(o)()
	plain := make(chanObserver, 8)
	defer io.Observe(plain)() // not a DataObserver: not told
	io.Use(func(s *Socket) error {
		s.SetData("in middleware") // before the connection: not reported
		return nil
	})
	sockets := make(chan *Socket, 1)
	io.OnConnection(func(s *Socket) { sockets <- s })
	c := dial(t, hs)
	c.connect("/", "")
	s := receive(t, sockets)
	require.Equal(t, "connected", receive(t, o.chanObserver).kind)
	s.SetData(map[string]any{"n": 1})
	require.Equal(t, map[string]any{"n": 1}, receive(t, o.set))
	require.Empty(t, o.set, "the middleware's SetData was not reported")
	c.close()
}

type userData struct {
	Name string `json:"name"`
}

func TestWireDataCarriesAdminInfoOnlyWhenShared(t *testing.T) {
	io, hs := startServer(t, nil)
	sockets := make(chan *Socket, 1)
	io.OnConnection(func(s *Socket) { sockets <- s })
	c := dial(t, hs)
	c.connect("/", "")
	s := receive(t, sockets)
	cid := s.ClientID()[:12]
	admin := map[string]any{"clientId": cid, "transport": "websocket"}

	wire := func() any { return s.remote().WireData() }
	s.SetData(map[string]any{"user": "ann"})
	require.Equal(t, map[string]any{"user": "ann"}, wire(), "off: the data as it is")

	stop := io.ShareAdminInfo()
	require.Equal(t, map[string]any{"user": "ann", "_admin": admin}, wire())
	require.Equal(t, map[string]any{"user": "ann"}, s.Data(), "the socket's own data is untouched")
	s.SetData(nil)
	require.Equal(t, map[string]any{"_admin": admin}, wire())
	s.SetData(userData{Name: "bob"})
	require.Equal(t, map[string]any{"name": "bob", "_admin": admin}, wire())
	s.SetData("just a string")
	require.Equal(t, "just a string", wire(), "not an object: cannot carry it")
	remote := NewRemoteSocket(io.Of("/"), "other", nil, nil, map[string]any{"x": 1})
	require.Equal(t, map[string]any{"x": 1}, remote.WireData(), "another server's socket: its own data")

	stop()
	stop() // idempotent
	s.SetData(map[string]any{"user": "ann"})
	require.Equal(t, map[string]any{"user": "ann"}, wire())
	c.close()
}
