package postgresadapter

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gobwas/ws"
	"github.com/gobwas/ws/wsutil"
	"github.com/stretchr/testify/require"
)

// testClient is a minimal Socket.IO protocol 5 client over WebSocket
// (adapted from the socketio package's tests): enough to watch what a
// cluster delivers.
type testClient struct {
	t    testing.TB
	conn net.Conn
	r    io.Reader
	in   chan string // Socket.IO packets (engine "4" prefix removed) and "close"
	bin  chan []byte
	done chan struct{}
	id   string // socket id in "/"
}

func dial(t testing.TB, hs *httptest.Server, query string) *testClient {
	t.Helper()
	url := "ws" + strings.TrimPrefix(hs.URL, "http") + "/socket.io/?EIO=4&transport=websocket" + query
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	conn, br, _, err := ws.Dial(ctx, url)
	require.NoError(t, err)
	var r io.Reader = conn
	if br != nil {
		r = io.MultiReader(br, conn)
	}
	c := &testClient{t: t, conn: conn, r: r, in: make(chan string, 4096), bin: make(chan []byte, 64), done: make(chan struct{})}
	open := make(chan string, 1)
	go c.readLoop(open)
	t.Cleanup(c.close)
	select {
	case s := <-open:
		require.True(t, strings.HasPrefix(s, "0{"), s)
	case <-time.After(5 * time.Second):
		t.Fatal("no engine.io handshake")
	}
	return c
}

func (c *testClient) readLoop(open chan string) {
	defer close(c.done)
	first := true
	for {
		data, op, err := wsutil.ReadServerData(rw{c.r, c.conn})
		if err != nil {
			c.in <- "close"
			return
		}
		if op == ws.OpBinary {
			c.bin <- data
			continue
		}
		s := string(data)
		switch {
		case first:
			first = false
			open <- s
		case s == "2":
			_ = wsutil.WriteClientText(c.conn, []byte("3"))
		case strings.HasPrefix(s, "4"):
			c.in <- s[1:]
		case s == "1":
			c.in <- "close"
		}
	}
}

type rw struct {
	io.Reader
	io.Writer
}

func (c *testClient) close() { _ = c.conn.Close(); <-c.done }

func (c *testClient) send(s string) {
	c.t.Helper()
	require.NoError(c.t, wsutil.WriteClientText(c.conn, []byte("4"+s)))
}

func (c *testClient) next() string {
	c.t.Helper()
	select {
	case s := <-c.in:
		return s
	case <-time.After(5 * time.Second):
		c.t.Fatal("timed out waiting for a packet")
		return ""
	}
}

// connect joins "/" and returns the socket id.
func (c *testClient) connect(auth string) string {
	c.t.Helper()
	c.send("0" + auth)
	p := c.next()
	require.True(c.t, strings.HasPrefix(p, "0{"), "want CONNECT, got %q", p)
	var ack struct{ SID string }
	require.NoError(c.t, json.Unmarshal([]byte(p[1:]), &ack))
	c.id = ack.SID
	return ack.SID
}

// event reads the next packet, which must be an EVENT, and returns its
// ack id (-1 without) and array.
func (c *testClient) event() (int, []any) {
	c.t.Helper()
	p := c.next()
	require.True(c.t, strings.HasPrefix(p, "2") || strings.HasPrefix(p, "5"), "want EVENT, got %q", p)
	return parseEvent(c.t, p)
}

func parseEvent(t testing.TB, p string) (int, []any) {
	t.Helper()
	rest := p[1:]
	if p[0] == '5' { // binary event: "<n>-" then payload
		i := strings.IndexByte(rest, '-')
		rest = rest[i+1:]
	}
	id := -1
	i := 0
	for i < len(rest) && rest[i] >= '0' && rest[i] <= '9' {
		i++
	}
	if i > 0 {
		_, _ = fmt.Sscan(rest[:i], &id)
	}
	var arr []any
	require.NoError(t, json.Unmarshal([]byte(rest[i:]), &arr), p)
	return id, arr
}

// expectEvent reads the next event and checks its name.
func (c *testClient) expectEvent(name string) []any {
	c.t.Helper()
	_, arr := c.event()
	require.Equal(c.t, name, arr[0])
	return arr[1:]
}

// expectNothing asserts that no packet arrives within d.
func (c *testClient) expectNothing(d time.Duration) {
	c.t.Helper()
	select {
	case s := <-c.in:
		c.t.Fatalf("unexpected packet %q", s)
	case <-time.After(d):
	}
}

// ack answers ack id with args (JSON).
func (c *testClient) ack(id int, argsJSON string) {
	c.t.Helper()
	c.send(fmt.Sprintf("3%d%s", id, argsJSON))
}

// expectEvents reads len(names) events, in any order, and checks their
// names.
func (c *testClient) expectEvents(names ...string) {
	c.t.Helper()
	var got []string
	for range names {
		_, arr := c.event()
		got = append(got, arr[0].(string))
	}
	require.ElementsMatch(c.t, names, got)
}
