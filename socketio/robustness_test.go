package socketio

// Robustness at the Socket.IO level: a table of bad inputs and abusive
// clients with the server's exact answer to each (TestRobustness), and a
// slow consumer among healthy ones (TestSlowConsumer). The Engine.IO level
// table is engineio/badinput_test.go; docs/ROBUSTNESS.md documents both.

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http/httptest"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gobwas/ws"
	"github.com/gobwas/ws/wsutil"
	"github.com/stretchr/testify/require"

	"github.com/gosio/gosio/engineio"
)

// rbAnswer is the server's answer to one row.
type rbAnswer struct {
	// Client lists the engine text messages the offending client received
	// after its input, in order ("1" is the engine close packet, "41" a
	// Socket.IO disconnect).
	Client []string
	// Wire is how its connection stands after the row: "open", "close
	// 1000" (ended with that close frame), "closed" (ended without one).
	Wire string
	// Disconnect is the reason its main-namespace socket disconnected with,
	// "" when it is still connected.
	Disconnect string
	// Err records what server API calls of the row returned.
	Err string
}

type rbRow struct {
	name  string
	opts  Options
	input func(t *testing.T, e *rbEnv) rbAnswer
	want  rbAnswer
}

const rbQuiet = 150 * time.Millisecond // silence that ends a collection

func deepJSON(levels int) string {
	return strings.Repeat("[", levels) + strings.Repeat("]", levels)
}

func rbRows() []rbRow {
	parseErr := rbAnswer{Client: []string{"1"}, Wire: "close 1000", Disconnect: "parse error"}
	return []rbRow{
		{name: "empty Socket.IO packet", input: func(t *testing.T, e *rbEnv) rbAnswer {
			e.victim.text(t, "4")
			return e.victim.collect(t)
		}, want: parseErr},
		{name: "packet type 9", input: func(t *testing.T, e *rbEnv) rbAnswer {
			e.victim.text(t, "49")
			return e.victim.collect(t)
		}, want: parseErr},
		{name: "event payload not an array", input: func(t *testing.T, e *rbEnv) rbAnswer {
			e.victim.text(t, `42"ev"`)
			return e.victim.collect(t)
		}, want: parseErr},
		{name: "event without a name", input: func(t *testing.T, e *rbEnv) rbAnswer {
			e.victim.text(t, `42[]`)
			return e.victim.collect(t)
		}, want: parseErr},
		{name: "event name not a string", input: func(t *testing.T, e *rbEnv) rbAnswer {
			e.victim.text(t, `42[42]`)
			return e.victim.collect(t)
		}, want: parseErr},
		{name: "ack id overflowing uint64", input: func(t *testing.T, e *rbEnv) rbAnswer {
			e.victim.text(t, `4299999999999999999999["echo"]`)
			return e.victim.collect(t)
		}, want: parseErr},
		{name: "CONNECT with a non-object auth", input: func(t *testing.T, e *rbEnv) rbAnswer {
			e.victim.text(t, `40/a,"token"`)
			return e.victim.collect(t)
		}, want: parseErr},
		{name: "attachment count lie", input: func(t *testing.T, e *rbEnv) rbAnswer {
			// Two attachments announced, one placeholder, one binary frame
			// sent: the next text message arrives while one is still owed.
			e.victim.text(t, `452-["echo",{"_placeholder":true,"num":0}]`)
			e.victim.binary(t, []byte{1, 2, 3})
			e.victim.text(t, `42["echo","next"]`)
			return e.victim.collect(t)
		}, want: parseErr},
		{name: "11 attachments", input: func(t *testing.T, e *rbEnv) rbAnswer {
			e.victim.text(t, `4511-["echo",{"_placeholder":true,"num":0}]`)
			return e.victim.collect(t)
		}, want: parseErr},
		{name: "binary frame with no packet waiting", input: func(t *testing.T, e *rbEnv) rbAnswer {
			e.victim.binary(t, []byte{1, 2, 3})
			return e.victim.collect(t)
		}, want: parseErr},
		{name: "deep JSON nesting", input: func(t *testing.T, e *rbEnv) rbAnswer {
			e.victim.text(t, `421["echo",`+deepJSON(100)+`]`)
			return e.victim.collect(t)
		}, want: parseErr},
		{name: "JSON nesting at the limit", input: func(t *testing.T, e *rbEnv) rbAnswer {
			// The event array is level 1: 63 more levels are allowed.
			e.victim.text(t, `421["echo",`+deepJSON(63)+`]`)
			return e.victim.collect(t)
		}, want: rbAnswer{Client: []string{`431[` + deepJSON(63) + `]`}, Wire: "open"}},
		{name: "ack for an unknown id", input: func(t *testing.T, e *rbEnv) rbAnswer {
			e.victim.text(t, `43999["x"]`)
			return e.victim.collect(t)
		}, want: rbAnswer{Wire: "open"}},
		{name: "event for a namespace not joined", input: func(t *testing.T, e *rbEnv) rbAnswer {
			e.victim.text(t, `42/a,1["echo","x"]`)
			return e.victim.collect(t)
		}, want: rbAnswer{Wire: "open"}},
		{name: "connect to an unknown namespace", input: func(t *testing.T, e *rbEnv) rbAnswer {
			e.victim.text(t, `40/nope,`)
			return e.victim.collect(t)
		}, want: rbAnswer{Client: []string{`44/nope,{"message":"Invalid namespace"}`}, Wire: "open"}},
		{name: "too many namespaces", opts: Options{Limits: Limits{MaxNamespaces: 2}}, input: func(t *testing.T, e *rbEnv) rbAnswer {
			// One at a time: namespaces connect independently, so a refusal
			// may overtake an earlier CONNECT that runs middlewares.
			e.victim.text(t, `40/a,`)
			p := e.victim.next(t)
			require.True(t, strings.HasPrefix(p, `40/a,{"sid":"`), p)
			e.victim.text(t, `40/b,`)
			a := e.victim.collect(t)
			a.Client = append([]string{`40/a,{"sid":…}`}, a.Client...)
			return a
		}, want: rbAnswer{Client: []string{`40/a,{"sid":…}`, `44/b,{"message":"Too many namespaces"}`}, Wire: "open"}},
		{name: "too many rooms", opts: Options{Limits: Limits{MaxRooms: 3}}, input: func(t *testing.T, e *rbEnv) rbAnswer {
			s := e.victimSocket(t)
			errs := []error{s.Join("r1", "r2"), s.Join("r3"), s.Join("r3", "r4")}
			rooms := slices.DeleteFunc(s.Rooms(), func(r string) bool { return r == s.ID() })
			slices.Sort(rooms)
			a := e.victim.collect(t)
			a.Err = fmt.Sprintf("%v; rooms %v", errs, rooms)
			return a
		}, want: rbAnswer{Wire: "open", Err: "[<nil> socketio: too many rooms for one socket socketio: too many rooms for one socket]; rooms [r1 r2]"}},
		{name: "too many pending acks", opts: Options{Limits: Limits{MaxPendingAcks: 2}}, input: func(t *testing.T, e *rbEnv) rbAnswer {
			s := e.victimSocket(t)
			ctx, cancel := context.WithCancel(context.Background())
			var wg sync.WaitGroup
			for range 2 {
				wg.Go(func() { _, _ = s.EmitWithAck(ctx, "ask") })
			}
			require.Eventually(t, func() bool {
				s.acks.mu.Lock()
				defer s.acks.mu.Unlock()
				return len(s.acks.pending) == 2
			}, 5*time.Second, time.Millisecond)
			_, err := s.EmitWithAck(ctx, "ask")
			cancel()
			wg.Wait()
			a := e.victim.collect(t)
			slices.Sort(a.Client) // the two emits race
			a.Err = fmt.Sprint(err)
			return a
		}, want: rbAnswer{Client: []string{`420["ask"]`, `421["ask"]`}, Wire: "open", Err: "socketio: too many acknowledgements pending"}},
		{name: "rate limit RateDrop", opts: Options{Limits: Limits{EventRate: &EventRateLimit{PerSecond: 0.001, Burst: 5, Policy: RateDrop}}}, input: func(t *testing.T, e *rbEnv) rbAnswer {
			// The victim has used 1 token (its health echo); 4 remain.
			var out []string
			for i := range 6 {
				e.victim.text(t, fmt.Sprintf(`42%d["echo",%d]`, 10+i, i))
				out = append(out, e.victim.collect(t).Client...)
			}
			a := e.victim.collect(t)
			a.Client = out
			return a
		}, want: rbAnswer{Client: []string{`4310[0]`, `4311[1]`, `4312[2]`, `4313[3]`}, Wire: "open"}},
		{name: "rate limit RateDisconnect", opts: Options{Limits: Limits{EventRate: &EventRateLimit{PerSecond: 0.001, Burst: 5, Policy: RateDisconnect}}}, input: func(t *testing.T, e *rbEnv) rbAnswer {
			var out []string
			for i := range 6 {
				e.victim.text(t, fmt.Sprintf(`42%d["echo",%d]`, 10+i, i))
				out = append(out, e.victim.collect(t).Client...)
			}
			a := e.victim.collect(t)
			a.Client = out
			return a
		}, want: rbAnswer{Client: []string{`4310[0]`, `4311[1]`, `4312[2]`, `4313[3]`, `41`}, Wire: "open", Disconnect: "server namespace disconnect"}},
		{name: "handler panic", input: func(t *testing.T, e *rbEnv) rbAnswer {
			e.victim.text(t, `42["boom"]`)
			return e.victim.collect(t)
		}, want: rbAnswer{Client: []string{`41`}, Wire: "open", Disconnect: "server namespace disconnect"}},
		{name: "connection handler panic", input: func(t *testing.T, e *rbEnv) rbAnswer {
			e.victim.text(t, `40/panicky,`)
			// The handlers run before CONNECT is sent; what they cause
			// (here the disconnection) is held and follows it.
			a := e.victim.collect(t)
			require.Len(t, a.Client, 2)
			require.True(t, strings.HasPrefix(a.Client[0], `40/panicky,{"sid":"`), a.Client[0])
			a.Client[0] = `40/panicky,{"sid":…}`
			return a
		}, want: rbAnswer{Client: []string{`40/panicky,{"sid":…}`, `41/panicky,`}, Wire: "open"}},
	}
}

func TestRobustness(t *testing.T) {
	for _, row := range rbRows() {
		t.Run(row.name, func(t *testing.T) {
			t.Parallel()
			e := newRBEnv(t, row.opts)
			got := row.input(t, e)
			got.Disconnect = e.disconnectReason(e.victimID, row.want.Disconnect != "")
			e.requireHealthy(t)
			if got.Disconnect == "" {
				got.Disconnect = e.disconnectReason(e.victimID, false)
			}
			require.Equal(t, row.want, got)
		})
	}
}

// TestRobustnessTableDocumented keeps docs/ROBUSTNESS.md in step with the
// table.
func TestRobustnessTableDocumented(t *testing.T) {
	doc, err := os.ReadFile("../docs/ROBUSTNESS.md")
	require.NoError(t, err)
	for _, row := range rbRows() {
		name := "`TestRobustness/" + strings.ReplaceAll(row.name, " ", "_") + "`"
		require.Contains(t, string(doc), name, "row %q is not in docs/ROBUSTNESS.md", row.name)
	}
}

// rbEnv is one row's server, with a bystander client connected before the
// input and the victim client that sends it.
type rbEnv struct {
	srv       *Server
	hs        *httptest.Server
	bystander *rbClient
	victim    *rbClient
	victimID  string

	mu          sync.Mutex
	sockets     map[string]*Socket
	disconnects map[string]chan string
	echoN       int
}

func newRBEnv(t *testing.T, opts Options) *rbEnv {
	e := &rbEnv{sockets: map[string]*Socket{}, disconnects: map[string]chan string{}}
	e.srv = NewServer(&opts)
	e.srv.Of("/a")
	e.srv.Of("/b")
	e.srv.Of("/panicky").OnConnection(func(*Socket) { panic("connection handler bug") })
	e.srv.OnConnection(func(s *Socket) {
		ch := make(chan string, 1)
		e.mu.Lock()
		e.sockets[s.ID()] = s
		e.disconnects[s.ID()] = ch
		e.mu.Unlock()
		s.On("disconnect", func(r DisconnectReason) { ch <- string(r) })
		s.On("echo", func(v any, ack Ack) { _ = ack(v) })
		s.On("boom", func() { panic("handler bug") })
	})
	e.hs = httptest.NewServer(e.srv)
	t.Cleanup(func() {
		_ = e.srv.Close()
		e.hs.CloseClientConnections()
		e.hs.Close()
	})
	e.bystander, _ = e.dial(t)
	e.echo(t, e.bystander)
	e.victim, e.victimID = e.dial(t)
	e.echo(t, e.victim)
	return e
}

func (e *rbEnv) victimSocket(t *testing.T) *Socket {
	e.mu.Lock()
	defer e.mu.Unlock()
	s := e.sockets[e.victimID]
	require.NotNil(t, s)
	return s
}

func (e *rbEnv) disconnectReason(id string, expect bool) string {
	e.mu.Lock()
	ch := e.disconnects[id]
	e.mu.Unlock()
	d := 20 * time.Millisecond
	if expect {
		d = 5 * time.Second
	}
	select {
	case r := <-ch:
		ch <- r
		return r
	case <-time.After(d):
		return ""
	}
}

// dial connects a protocol 5 client to "/" and returns it with its socket
// id.
func (e *rbEnv) dial(t *testing.T) (*rbClient, string) {
	c := rbDial(t, e.hs.URL, nil)
	c.text(t, "40")
	p := c.next(t)
	require.True(t, strings.HasPrefix(p, `40{"sid":"`), p)
	var ack struct{ SID string }
	require.NoError(t, json.Unmarshal([]byte(p[2:]), &ack))
	return c, ack.SID
}

func (e *rbEnv) echo(t *testing.T, c *rbClient) {
	e.mu.Lock()
	e.echoN++
	n := e.echoN
	e.mu.Unlock()
	c.text(t, fmt.Sprintf(`42%d["echo","e%d"]`, n, n))
	require.Equal(t, fmt.Sprintf(`43%d["e%d"]`, n, n), c.next(t))
}

// requireHealthy: the bystander still echoes and is connected, a fresh
// client connects and echoes.
func (e *rbEnv) requireHealthy(t *testing.T) {
	e.echo(t, e.bystander)
	fresh, _ := e.dial(t)
	e.echo(t, fresh)
	fresh.close()
}

// rbClient is a raw Socket.IO protocol 5 client over WebSocket.
type rbClient struct {
	conn net.Conn
	in   chan string // engine text messages, heartbeats answered
	end  chan string // how the connection ended
	done chan struct{}
}

// rbDial opens an Engine.IO v4 WebSocket session; setup, if set, sees the
// TCP connection before the WebSocket handshake.
func rbDial(t testing.TB, baseURL string, setup func(net.Conn)) *rbClient {
	conn, r := rbWSConnect(t, baseURL, setup)
	c := &rbClient{conn: conn, in: make(chan string, 1024), end: make(chan string, 1), done: make(chan struct{})}
	go c.readLoop(bufio.NewReader(r))
	t.Cleanup(c.close)
	select {
	case open := <-c.in:
		require.True(t, strings.HasPrefix(open, "0{"), open)
	case <-time.After(10 * time.Second):
		t.Fatal("no open packet")
	}
	return c
}

func (c *rbClient) readLoop(r *bufio.Reader) {
	defer close(c.done)
	for {
		//lint:ignore SA1019 a test reading frames from the server under test, whose sizes it controls
		f, err := ws.ReadFrame(r)
		if err != nil {
			c.end <- "closed"
			return
		}
		switch f.Header.OpCode {
		case ws.OpClose:
			code, _ := ws.ParseCloseFrameData(f.Payload)
			c.end <- "close " + strconv.Itoa(int(code))
			return
		case ws.OpText:
			if string(f.Payload) == "2" {
				_ = wsutil.WriteClientText(c.conn, []byte("3"))
				continue
			}
			c.in <- string(f.Payload)
		case ws.OpBinary:
			c.in <- fmt.Sprintf("binary %x", f.Payload)
		}
	}
}

func (c *rbClient) close() { _ = c.conn.Close(); <-c.done }

// text and binary send a frame. A write may fail once the server has
// closed the connection over an earlier bad frame of the same case; what
// the server answered is what collect checks.
func (c *rbClient) text(t *testing.T, s string) {
	if err := wsutil.WriteClientText(c.conn, []byte(s)); err != nil {
		t.Logf("write after the server closed: %v", err)
	}
}

func (c *rbClient) binary(t *testing.T, b []byte) {
	if err := wsutil.WriteClientBinary(c.conn, b); err != nil {
		t.Logf("write after the server closed: %v", err)
	}
}

func (c *rbClient) next(t *testing.T) string {
	select {
	case s := <-c.in:
		return s
	case <-time.After(5 * time.Second):
		t.Fatal("timed out waiting for a message")
		return ""
	}
}

// collect gathers what arrives until rbQuiet passes without a message or the
// connection ends.
func (c *rbClient) collect(t *testing.T) rbAnswer {
	var a rbAnswer
	for {
		select {
		case s := <-c.in:
			a.Client = append(a.Client, s)
		case how := <-c.end:
			c.end <- how
			for {
				select {
				case s := <-c.in:
					a.Client = append(a.Client, s)
				default:
					a.Wire = how
					return a
				}
			}
		case <-time.After(rbQuiet):
			a.Wire = "open"
			return a
		}
	}
}

// ---------------------------------------------------------------------------
// Slow consumer.

// TestSlowConsumer streams broadcasts to many healthy receivers while one
// client has stopped reading, under each slow-client policy.
func TestSlowConsumer(t *testing.T) {
	for _, policy := range []engineio.SlowClientPolicy{engineio.SlowClientError, engineio.SlowClientDisconnect} {
		name := map[engineio.SlowClientPolicy]string{engineio.SlowClientError: "SlowClientError", engineio.SlowClientDisconnect: "SlowClientDisconnect"}[policy]
		t.Run(name, func(t *testing.T) { testSlowConsumer(t, policy) })
	}
}

const (
	slowMaxMessages = 256
	slowMaxBytes    = 1 << 20
	slowStream      = 2000 // broadcast messages
	// slowInFlight bounds the frames in flight to the healthy receivers
	// (messages ahead of the slowest one × receivers), so that latency
	// measures the server, not a backlog the test itself builds up.
	slowInFlight = 16 * 200
	slowFill     = 64 << 10
)

func testSlowConsumer(t *testing.T, policy engineio.SlowClientPolicy) {
	receivers := 200
	if os.Getenv("GOSIO_BIG") == "1" {
		receivers = 1000
	}
	window := int64(max(4, slowInFlight/receivers))
	start := time.Now()
	srv := NewServer(&Options{Engine: engineio.Options{
		MaxQueuedMessages: slowMaxMessages,
		MaxQueuedBytes:    slowMaxBytes,
		SlowClient:        policy,
		PingInterval:      5 * time.Minute, // the slow client never answers
	}})
	var slowSock atomic.Pointer[Socket]
	slowGone := make(chan string, 1)
	srv.OnConnection(func(s *Socket) {
		if s.Handshake().Auth["role"] == "slow" {
			slowSock.Store(s)
			s.On("disconnect", func(r DisconnectReason) { slowGone <- string(r) })
		}
	})
	hs := httptest.NewServer(srv)
	t.Cleanup(func() {
		_ = srv.Close()
		hs.CloseClientConnections()
		hs.Close()
	})

	// Healthy receivers.
	rs := make([]*slowReceiver, receivers)
	for i := range rs {
		rs[i] = dialSlowReceiver(t, hs.URL)
	}
	// The slow client: a small receive buffer, and it stops reading once
	// connected.
	slowConn := dialStalled(t, hs.URL)
	defer slowConn.Close()
	require.Eventually(t, func() bool { return slowSock.Load() != nil }, 10*time.Second, time.Millisecond)
	slow := slowSock.Load()

	// Fill the kernel buffers on the way to the slow client, until the
	// server's writer is blocked and packets stay queued.
	blob := strings.Repeat("f", slowFill)
	for i, stuck := 0, 0; stuck < 3; i++ {
		require.Less(t, i, 1000, "the slow client's connection never filled up")
		if err := slow.Emit("fill", blob); err != nil {
			break // full already
		}
		time.Sleep(5 * time.Millisecond)
		if n, _ := slow.QueueLen(); n > 0 {
			stuck++
		} else {
			stuck = 0
		}
	}

	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)

	// Sample the slow client's queue while the stream runs.
	var maxPackets atomic.Int64
	var maxBytes atomic.Int64
	stopSampling := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		tick := time.NewTicker(time.Millisecond)
		defer tick.Stop()
		for {
			p, b := slow.QueueLen()
			if int64(p) > maxPackets.Load() {
				maxPackets.Store(int64(p))
			}
			if b > maxBytes.Load() {
				maxBytes.Store(b)
			}
			select {
			case <-stopSampling:
				return
			case <-tick.C:
			}
		}
	}()

	// stalled reports the receivers that lag, with their server-side queue:
	// a queue that holds packets means the server stopped writing, an empty
	// one that messages were lost.
	stalled := func(when string) {
		n := 0
		for i, r := range rs {
			if seen := r.seen.Load(); seen < minSeen(rs)+2 && n < 10 {
				n++
				p, b := -1, int64(-1)
				if sock := srv.Of("/").Socket(r.sid); sock != nil {
					p, b = sock.QueueLen()
				}
				t.Logf("receiver %d (%s) at %d; server queue %d packets %d bytes; err %v", i, r.sid, seen, p, b, r.failure())
			}
		}
		t.Fatalf("healthy receivers stalled at %d %s", minSeen(rs), when)
	}

	// The stream, paced by the slowest healthy receiver only. Progress,
	// not total time, is bounded: a loaded machine may be slow, but no
	// receiver may stay stuck.
	for seq := range slowStream {
		for last, since := minSeen(rs), time.Now(); minSeen(rs) < int64(seq)-window; {
			if m := minSeen(rs); m != last {
				last, since = m, time.Now()
			} else if time.Since(since) > 15*time.Second {
				stalled(fmt.Sprintf("while sending %d", seq))
			}
			time.Sleep(50 * time.Microsecond)
		}
		require.NoError(t, srv.Emit("tick", seq, time.Now().UnixNano()))
	}
	for tail := time.Now().Add(15 * time.Second); minSeen(rs) < slowStream-1; {
		if time.Now().After(tail) {
			stalled("after the stream ended")
		}
		time.Sleep(time.Millisecond)
	}
	close(stopSampling)
	<-sampled

	// Every healthy receiver got every message, in order.
	var lat []time.Duration
	for i, r := range rs {
		require.NoError(t, r.failure(), "receiver %d", i)
		require.Len(t, r.latency, slowStream, "receiver %d", i)
		lat = append(lat, r.latency...)
	}
	slices.Sort(lat)
	p50, p99, pmax := lat[len(lat)/2], lat[len(lat)*99/100], lat[len(lat)-1]
	t.Logf("%d receivers × %d messages in %v; latency p50 %v p99 %v max %v; slow queue max %d packets %d bytes",
		receivers, slowStream, time.Since(start).Round(time.Millisecond), p50, p99, pmax, maxPackets.Load(), maxBytes.Load())
	// Latency is logged, not asserted: it is a performance figure (bench/
	// measures it), and under -race on a loaded machine any bound would be
	// a guess. What the test holds to is the behaviour: the stream above
	// never stalls for long on the slow client's account, and every healthy
	// receiver gets every message in order.

	// The slow client's queue stayed within its bounds.
	require.LessOrEqual(t, maxPackets.Load(), int64(slowMaxMessages))
	require.LessOrEqual(t, maxBytes.Load(), int64(slowMaxBytes))

	switch policy {
	case engineio.SlowClientError:
		require.Equal(t, int64(slowMaxMessages), maxPackets.Load(), "the queue should have filled")
		require.ErrorIs(t, slow.Emit("direct", "x"), engineio.ErrQueueFull)
		require.True(t, slow.Connected())
		select {
		case r := <-slowGone:
			t.Fatalf("slow client disconnected (%s) under SlowClientError", r)
		default:
		}
	case engineio.SlowClientDisconnect:
		select {
		case r := <-slowGone:
			require.Equal(t, "transport error", r)
		case <-time.After(5 * time.Second):
			t.Fatal("the slow client was not disconnected")
		}
		require.ErrorIs(t, slow.Emit("direct", "x"), ErrNotConnected)
	}

	// Heap: the stream must not have piled up on the server.
	runtime.GC()
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	growth := int64(after.HeapAlloc) - int64(before.HeapAlloc)
	t.Logf("heap before %d KiB, after %d KiB", before.HeapAlloc>>10, after.HeapAlloc>>10)
	require.Less(t, growth, int64(64<<20), "heap grew by %d bytes", growth)

	// Healthy receivers are still connected.
	for i, r := range rs {
		require.NoError(t, r.failure(), "receiver %d", i)
	}
}

// slowReceiver is a healthy client that reads the "tick" stream, checking
// order and recording latencies.
type slowReceiver struct {
	conn    net.Conn
	sid     string
	seen    atomic.Int64 // last sequence number received, -1 before
	latency []time.Duration
	mu      sync.Mutex
	err     error
	done    chan struct{}
}

func (r *slowReceiver) failure() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.err
}

func (r *slowReceiver) fail(err error) {
	r.mu.Lock()
	if r.err == nil {
		r.err = err
	}
	r.mu.Unlock()
}

func minSeen(rs []*slowReceiver) int64 {
	m := int64(1<<62 - 1)
	for _, r := range rs {
		m = min(m, r.seen.Load())
	}
	return m
}

// slowConnect joins "/" and returns the socket id.
func slowConnect(t testing.TB, conn net.Conn, br *bufio.Reader, auth string) string {
	require.NoError(t, wsutil.WriteClientText(conn, []byte("40"+auth)))
	for {
		//lint:ignore SA1019 a test reading frames from the server under test, whose sizes it controls
		f, err := ws.ReadFrame(br)
		require.NoError(t, err)
		if f.Header.OpCode == ws.OpText && strings.HasPrefix(string(f.Payload), "40") {
			var ack struct{ SID string }
			require.NoError(t, json.Unmarshal(f.Payload[2:], &ack))
			return ack.SID
		}
	}
}

// rbWSConnect opens the WebSocket of an Engine.IO v4 session; setup, if
// set, sees the TCP connection before the handshake. r reads from the first
// byte the server sent.
func rbWSConnect(t testing.TB, baseURL string, setup func(net.Conn)) (conn net.Conn, r io.Reader) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	d := ws.Dialer{NetDial: func(ctx context.Context, network, addr string) (net.Conn, error) {
		conn, err := (&net.Dialer{}).DialContext(ctx, network, addr)
		if err == nil && setup != nil {
			setup(conn)
		}
		return conn, err
	}}
	conn, br, _, err := d.Dial(ctx, "ws"+strings.TrimPrefix(baseURL, "http")+"/socket.io/?EIO=4&transport=websocket")
	require.NoError(t, err)
	r = conn
	if br != nil {
		r = io.MultiReader(br, conn)
	}
	return conn, r
}

// rbWSDial opens a session and reads its open packet, for clients that
// read frames themselves.
func rbWSDial(t testing.TB, baseURL string, setup func(net.Conn)) (net.Conn, *bufio.Reader) {
	conn, r := rbWSConnect(t, baseURL, setup)
	bufr := bufio.NewReaderSize(r, 16<<10)
	//lint:ignore SA1019 a test reading frames from the server under test, whose sizes it controls
	f, err := ws.ReadFrame(bufr)
	require.NoError(t, err)
	require.True(t, strings.HasPrefix(string(f.Payload), "0{"), "%q", f.Payload)
	return conn, bufr
}

func dialSlowReceiver(t *testing.T, baseURL string) *slowReceiver {
	conn, br := rbWSDial(t, baseURL, nil)
	sid := slowConnect(t, conn, br, "")
	r := &slowReceiver{conn: conn, sid: sid, latency: make([]time.Duration, 0, slowStream), done: make(chan struct{})}
	r.seen.Store(-1)
	go r.readLoop(br)
	t.Cleanup(func() { _ = conn.Close(); <-r.done })
	return r
}

func (r *slowReceiver) readLoop(br *bufio.Reader) {
	defer close(r.done)
	const prefix = `42["tick",`
	for {
		h, err := ws.ReadHeader(br)
		if err != nil {
			if r.seen.Load() < slowStream-1 {
				r.fail(fmt.Errorf("connection ended after %d: %w", r.seen.Load(), err))
			}
			return
		}
		p := make([]byte, h.Length)
		if _, err := io.ReadFull(br, p); err != nil {
			r.fail(err)
			return
		}
		now := time.Now()
		switch {
		case h.OpCode == ws.OpText && string(p) == "2":
			_ = wsutil.WriteClientText(r.conn, []byte("3"))
		case h.OpCode == ws.OpText && strings.HasPrefix(string(p), prefix):
			body := strings.TrimSuffix(string(p[len(prefix):]), "]")
			seqS, tsS, ok := strings.Cut(body, ",")
			seq, err1 := strconv.ParseInt(seqS, 10, 64)
			ts, err2 := strconv.ParseInt(tsS, 10, 64)
			if !ok || err1 != nil || err2 != nil {
				r.fail(fmt.Errorf("bad tick %q", p))
				return
			}
			if want := r.seen.Load() + 1; seq != want {
				r.fail(fmt.Errorf("tick %d arrived when %d was expected", seq, want))
				return
			}
			r.latency = append(r.latency, now.Sub(time.Unix(0, ts)))
			r.seen.Store(seq)
		case h.OpCode == ws.OpClose:
			r.fail(errors.New("server closed the connection"))
			return
		}
	}
}

// dialStalled connects the slow client: a 4 KiB receive buffer, connected to
// "/" with auth {"role":"slow"}, and then never read again.
func dialStalled(t *testing.T, baseURL string) net.Conn {
	conn, br := rbWSDial(t, baseURL, func(c net.Conn) {
		_ = c.(*net.TCPConn).SetReadBuffer(4 << 10)
	})
	slowConnect(t, conn, br, `{"role":"slow"}`)
	return conn
}
