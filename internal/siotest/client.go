// Package siotest is a minimal Socket.IO protocol 5 client over WebSocket
// for the tests of gosio's cluster adapters: enough to watch what a cluster
// delivers. Only tests import it.
package siotest

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

// Client is a test client connected to one server.
type Client struct {
	t    testing.TB
	conn net.Conn
	r    io.Reader
	// In receives the Socket.IO packets (engine "4" prefix removed), and
	// "close" when the connection ends.
	In chan string
	// Bin receives binary frames (attachments).
	Bin  chan []byte
	done chan struct{}
	// ID is the socket id in "/", once connected.
	ID string
}

// Dial opens a WebSocket connection to hs (query is appended to the URL,
// e.g. "&rooms=a") and waits for the Engine.IO handshake; the test's
// cleanup closes it.
func Dial(t testing.TB, hs *httptest.Server, query string) *Client {
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
	c := &Client{t: t, conn: conn, r: r, In: make(chan string, 4096), Bin: make(chan []byte, 64), done: make(chan struct{})}
	open := make(chan string, 1)
	go c.readLoop(open)
	t.Cleanup(c.Close)
	select {
	case s := <-open:
		require.True(t, strings.HasPrefix(s, "0{"), s)
	case <-time.After(5 * time.Second):
		t.Fatal("no engine.io handshake")
	}
	return c
}

func (c *Client) readLoop(open chan string) {
	defer close(c.done)
	first := true
	for {
		data, op, err := wsutil.ReadServerData(rw{c.r, c.conn})
		if err != nil {
			c.In <- "close"
			return
		}
		if op == ws.OpBinary {
			c.Bin <- data
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
			c.In <- s[1:]
		case s == "1":
			c.In <- "close"
		}
	}
}

type rw struct {
	io.Reader
	io.Writer
}

// Close closes the connection and waits for the read loop.
func (c *Client) Close() { _ = c.conn.Close(); <-c.done }

// Send sends a Socket.IO packet (without the engine "4" prefix).
func (c *Client) Send(s string) {
	c.t.Helper()
	require.NoError(c.t, wsutil.WriteClientText(c.conn, []byte("4"+s)))
}

// Next returns the next packet (5s at most).
func (c *Client) Next() string {
	c.t.Helper()
	select {
	case s := <-c.In:
		return s
	case <-time.After(5 * time.Second):
		c.t.Fatal("timed out waiting for a packet")
		return ""
	}
}

// Connect joins "/" and returns the socket id.
func (c *Client) Connect(auth string) string {
	c.t.Helper()
	c.Send("0" + auth)
	p := c.Next()
	require.True(c.t, strings.HasPrefix(p, "0{"), "want CONNECT, got %q", p)
	var ack struct{ SID string }
	require.NoError(c.t, json.Unmarshal([]byte(p[1:]), &ack))
	c.ID = ack.SID
	return ack.SID
}

// Event reads the next packet, which must be an EVENT, and returns its
// ack id (-1 without) and array.
func (c *Client) Event() (int, []any) {
	c.t.Helper()
	p := c.Next()
	require.True(c.t, strings.HasPrefix(p, "2") || strings.HasPrefix(p, "5"), "want EVENT, got %q", p)
	return ParseEvent(c.t, p)
}

// ParseEvent reads an EVENT packet's ack id (-1 without) and array.
func ParseEvent(t testing.TB, p string) (int, []any) {
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

// ExpectEvent reads the next event and checks its name.
func (c *Client) ExpectEvent(name string) []any {
	c.t.Helper()
	_, arr := c.Event()
	require.Equal(c.t, name, arr[0])
	return arr[1:]
}

// ExpectNothing asserts that no packet arrives within d.
func (c *Client) ExpectNothing(d time.Duration) {
	c.t.Helper()
	select {
	case s := <-c.In:
		c.t.Fatalf("unexpected packet %q", s)
	case <-time.After(d):
	}
}

// Ack answers ack id with args (JSON).
func (c *Client) Ack(id int, argsJSON string) {
	c.t.Helper()
	c.Send(fmt.Sprintf("3%d%s", id, argsJSON))
}

// ExpectEvents reads len(names) events, in any order, and checks their
// names.
func (c *Client) ExpectEvents(names ...string) {
	c.t.Helper()
	var got []string
	for range names {
		_, arr := c.Event()
		got = append(got, arr[0].(string))
	}
	require.ElementsMatch(c.t, names, got)
}
