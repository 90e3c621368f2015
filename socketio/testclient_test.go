package socketio

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gobwas/ws"
	"github.com/gobwas/ws/wsutil"
	"github.com/stretchr/testify/require"
)

// testClient is a minimal Socket.IO protocol 5 client over WebSocket, enough
// to drive the server from Go tests. Interop with the real JavaScript
// clients is proven in interop/; this one exercises the Go API.
type testClient struct {
	t    *testing.T
	conn net.Conn
	r    io.Reader
	sid  string
	in   chan string // text frames (engine "4" prefix removed)
	bin  chan []byte
	done chan struct{}
}

func startServer(t *testing.T, opts *Options) (*Server, *httptest.Server) {
	t.Helper()
	io := NewServer(opts)
	hs := startHTTP(t, io)
	t.Cleanup(func() { _ = io.Close() })
	return io, hs
}

func startHTTP(t *testing.T, io *Server) *httptest.Server {
	t.Helper()
	hs := httptest.NewServer(io)
	t.Cleanup(func() {
		hs.CloseClientConnections()
		hs.Close()
	})
	return hs
}

func dial(t *testing.T, hs *httptest.Server) *testClient {
	t.Helper()
	return dialEIO(t, hs, 4)
}

// dialEIO is dial for Engine.IO protocol eio (3: socket.io-client 2.x).
func dialEIO(t *testing.T, hs *httptest.Server, eio int) *testClient {
	t.Helper()
	url := "ws" + strings.TrimPrefix(hs.URL, "http") + "/socket.io/?EIO=" + strconv.Itoa(eio) + "&transport=websocket"
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	conn, br, _, err := ws.Dial(ctx, url)
	require.NoError(t, err)
	var r io.Reader = conn
	if br != nil { // the server's first frames may have come with the handshake
		r = io.MultiReader(br, conn)
	}
	c := &testClient{t: t, conn: conn, r: r, in: make(chan string, 4096), bin: make(chan []byte, 64), done: make(chan struct{})}
	go c.readLoop()
	t.Cleanup(c.close)
	open := c.nextRaw()
	require.True(t, strings.HasPrefix(open, "0{"), open)
	var hs0 struct{ SID string }
	require.NoError(t, json.Unmarshal([]byte(open[1:]), &hs0))
	c.sid = hs0.SID
	return c
}

func (c *testClient) readLoop() {
	defer close(c.done)
	for {
		data, op, err := wsutil.ReadServerData(rw{c.r, c.conn})
		if err != nil {
			return
		}
		if op == ws.OpBinary {
			c.bin <- data
			continue
		}
		s := string(data)
		if s == "2" { // answer heartbeats so long tests stay connected
			_ = wsutil.WriteClientText(c.conn, []byte("3"))
			continue
		}
		c.in <- s
	}
}

// rw reads from the buffered reader and writes (control replies) to conn.
type rw struct {
	io.Reader
	io.Writer
}

func (c *testClient) close() { _ = c.conn.Close(); <-c.done }

func (c *testClient) send(s string) {
	c.t.Helper()
	require.NoError(c.t, wsutil.WriteClientText(c.conn, []byte("4"+s)))
}

func (c *testClient) sendBinary(b []byte) {
	c.t.Helper()
	require.NoError(c.t, wsutil.WriteClientBinary(c.conn, b))
}

func (c *testClient) nextRaw() string {
	c.t.Helper()
	select {
	case s := <-c.in:
		return s
	case <-time.After(5 * time.Second):
		c.t.Fatal("timed out waiting for a frame")
		return ""
	}
}

// next returns the next Socket.IO packet text.
func (c *testClient) next() string {
	c.t.Helper()
	s := c.nextRaw()
	require.True(c.t, strings.HasPrefix(s, "4"), "not a message: %q", s)
	return s[1:]
}

// connect joins a namespace and returns the socket id.
func (c *testClient) connect(nsp string, auth string) string {
	c.t.Helper()
	prefix := ""
	if nsp != "/" {
		prefix = nsp + ","
	}
	c.send("0" + prefix + auth)
	p := c.next()
	require.True(c.t, strings.HasPrefix(p, "0"+prefix+"{"), "want CONNECT, got %q", p)
	var ack struct{ SID string }
	require.NoError(c.t, json.Unmarshal([]byte(p[1+len(prefix):]), &ack))
	return ack.SID
}

// expectNothing asserts that no frame arrives within d.
func (c *testClient) expectNothing(d time.Duration) {
	c.t.Helper()
	select {
	case s := <-c.in:
		c.t.Fatalf("unexpected frame %q", s)
	case <-time.After(d):
	}
}

// receive returns the next value from ch, failing the test after 5 seconds.
func receive[T any](t testing.TB, ch <-chan T) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(5 * time.Second):
		t.Fatal("timed out waiting for a value")
		var zero T
		return zero
	}
}
