package socketio

import (
	"context"
	"encoding/json"
	stdio "io"
	"net"
	"net/http/httptest"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gobwas/ws"
	"github.com/gobwas/ws/wsutil"
)

// BenchmarkIdleSocketHeap reports the Go heap an idle connected socket keeps:
// sio-B/socket is what the namespace connection adds to an open engine
// session (socket, handshake, rooms, listeners), the part this package
// controls; conn-B/socket is the whole connection, the in-process test
// client's side included. The connection handler registers four listeners,
// as bench/servers/gosio does.
func BenchmarkIdleSocketHeap(b *testing.B) {
	const n = 500
	var sio, conn float64
	for b.Loop() {
		sio, conn = idleSocketHeap(b, n)
	}
	b.ReportMetric(sio, "sio-B/socket")
	b.ReportMetric(conn, "conn-B/socket")
}

func idleSocketHeap(b *testing.B, n int) (sio, conn float64) {
	io := NewServer(nil)
	defer func() { _ = io.Close() }()
	io.On("connection", func(s *Socket) {
		s.On("echo", func(v json.RawMessage, ack Ack) { _ = ack(v) })
		s.On("bcast", func(v json.RawMessage) { _ = io.Emit("bcast", v) })
		s.On("join", func(room string, ack Ack) { _ = s.Join(room); _ = ack() })
		s.On("room", func(m chatMsg) { _ = io.To(m.Text).Emit("room", m.N) })
	})
	hs := httptest.NewServer(io)
	defer func() { hs.CloseClientConnections(); hs.Close() }()
	url := "ws" + strings.TrimPrefix(hs.URL, "http") + "/socket.io/?EIO=4&transport=websocket"

	conns := make([]net.Conn, 0, n)
	defer func() {
		for _, c := range conns {
			_ = c.Close()
		}
	}()
	h0 := settledHeap()
	for range n {
		c, _ := dialEngine(b, url)
		conns = append(conns, c)
	}
	h1 := settledHeap()
	for _, c := range conns {
		if err := wsutil.WriteClientText(c, []byte("40")); err != nil {
			b.Fatal(err)
		}
		expectFrame(b, c, c, "40{")
	}
	h2 := settledHeap()
	if got := len(io.Of("/").Sockets()); got != n {
		b.Fatalf("%d sockets connected, want %d", got, n)
	}
	return float64(h2-h1) / float64(n), float64(h2-h0) / float64(n)
}

// dialEngine opens a WebSocket session and reads the engine's open packet;
// r reads what follows.
func dialEngine(b *testing.B, url string) (c net.Conn, r stdio.Reader) {
	b.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, br, _, err := ws.Dial(ctx, url)
	if err != nil {
		b.Fatal(err)
	}
	r = c
	if br != nil { // the open packet came with the handshake response
		r = stdio.MultiReader(br, c)
	}
	expectFrame(b, c, r, "0{")
	return c, r
}

// expectFrame reads one text frame from the server and checks its prefix.
func expectFrame(b *testing.B, c net.Conn, r stdio.Reader, prefix string) {
	b.Helper()
	_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
	data, _, err := wsutil.ReadServerData(rw{r, c})
	if err != nil {
		b.Fatal(err)
	}
	if !strings.HasPrefix(string(data), prefix) {
		b.Fatalf("got %q, want prefix %q", data, prefix)
	}
}

// settledHeap returns the live heap once short-lived goroutines (inbox
// runners linger a few milliseconds) have exited.
func settledHeap() uint64 {
	time.Sleep(50 * time.Millisecond)
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

// BenchmarkAdapterSelect measures picking a broadcast's recipients among
// 1,000 sockets, each in its own room and one of 10 shared rooms.
func BenchmarkAdapterSelect(b *testing.B) {
	io := NewServer(nil)
	defer func() { _ = io.Close() }()
	nsp := io.Of("/")
	a := nsp.Adapter().(*MemoryAdapter)
	for i := range 1000 {
		id := "s" + strconv.Itoa(i)
		nsp.sockets[id] = &Socket{id: id, nsp: nsp}
		a.AddAll(id, []string{id, "room" + strconv.Itoa(i%10)})
	}
	cases := []struct {
		name string
		opts BroadcastOptions
		want int
	}{
		{"all", BroadcastOptions{}, 1000},
		{"all-except-one", BroadcastOptions{Except: []string{"s1"}}, 999},
		{"room", BroadcastOptions{Rooms: []string{"room3"}}, 100},
		{"room-except-one", BroadcastOptions{Rooms: []string{"room3"}, Except: []string{"s3"}}, 99},
		{"two-rooms", BroadcastOptions{Rooms: []string{"room3", "room4"}}, 200},
		{"one-socket", BroadcastOptions{Rooms: []string{"s7"}}, 1},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if got := len(a.selectSockets(&c.opts)); got != c.want {
					b.Fatalf("%d sockets, want %d", got, c.want)
				}
			}
		})
	}
}

// BenchmarkSocketDispatch measures routing an event to its listener on a
// socket that has four, as a typical connection handler registers.
func BenchmarkSocketDispatch(b *testing.B) {
	io := NewServer(nil)
	defer func() { _ = io.Close() }()
	s := &Socket{id: "s", nsp: io.Of("/")}
	s.On("echo", func(json.RawMessage, Ack) {})
	s.On("bcast", func(json.RawMessage) {})
	s.On("join", func(string, Ack) {})
	s.On("room", func(chatMsg) {})
	args := decodeArgs(b, `2["room",{"text":"hi","n":3}]`)
	b.ReportAllocs()
	for b.Loop() {
		s.dispatch("room", args, 0, false)
	}
}
