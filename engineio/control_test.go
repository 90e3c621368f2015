package engineio

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/gobwas/ws"
	"github.com/stretchr/testify/require"
)

// The tests here are for issue 15's first two findings: a client that sends
// pings and never reads the answers must not grow the server's queue, and a
// protocol 3 pong never echoes the ping's data.

// pingFlood is how many pings the flood tests send: their answers overflow
// the kernel's socket buffers on loopback, so without coalescing the queue
// would keep many of them. (The client keeps its default receive buffer: a
// tiny one makes the kernel drop the server's segments, and the ACKs they
// carry, and the client's own writes then crawl.)
const pingFlood = 60_000

// writeMasked writes frames in one buffered stream, as fast as the socket
// takes them, without reading anything.
func writeMasked(t *testing.T, conn io.Writer, frames func(emit func(op ws.OpCode, p []byte))) {
	t.Helper()
	bw := bufio.NewWriterSize(conn, 64<<10)
	frames(func(op ws.OpCode, p []byte) {
		f := ws.MaskFrameInPlace(ws.NewFrame(op, true, bytes.Clone(p)))
		require.NoError(t, ws.WriteFrame(bw, f))
	})
	require.NoError(t, bw.Flush())
}

func TestWebSocketPingFramesFromAClientThatNeverReadsQueueOnePong(t *testing.T) {
	hs := newHarness(t, nil)
	c, _, s := hs.openWS(4)
	payload := bytes.Repeat([]byte("p"), 120)
	var last []byte
	writeMasked(t, c.conn, func(emit func(ws.OpCode, []byte)) {
		for i := range pingFlood {
			last = fmt.Appendf(payload[:0:0], "%06d-%s", i, payload[:100])
			emit(ws.OpPing, last)
		}
		emit(ws.OpText, []byte("4done")) // read after every ping
	})
	require.Equal(t, "done", string(hs.h.nextMsg(t).data))
	packets, _ := s.QueueLen()
	require.LessOrEqual(t, packets, 1, "one pong at most waits, whatever the number of pings")

	// The client reads now: the pongs come, fewer than the pings, the last
	// one answering the last ping (RFC 6455 5.5.3).
	pongs := 0
	for {
		f := c.readFrame()
		if f.Header.OpCode != ws.OpPong {
			continue
		}
		pongs++
		if bytes.Equal(f.Payload, last) {
			break
		}
	}
	require.Less(t, pongs, pingFlood)
	hs.h.requireNoClose(t)
}

func TestV3PingPacketsOnAWebSocketThatNeverReadsQueueOnePong(t *testing.T) {
	opts := Options{AllowEIO3: true}
	hs := newHarness(t, &opts)
	c, _, s := hs.openWS(3)
	ping := []byte("2" + strings.Repeat("x", 1000))
	writeMasked(t, c.conn, func(emit func(ws.OpCode, []byte)) {
		for range pingFlood / 10 {
			emit(ws.OpText, ping)
		}
		emit(ws.OpText, []byte("4done"))
	})
	require.Equal(t, "done", string(hs.h.nextMsg(t).data))
	packets, _ := s.QueueLen()
	require.LessOrEqual(t, packets, 1)
	// Every pong is empty, as Node's: the ping's 1,000 bytes are not echoed.
	for range 3 {
		require.Equal(t, "3", c.readText())
	}
	hs.h.requireNoClose(t)
}

func TestV3PingPacketsInPostsWhoseClientNeverGetsQueueOnePong(t *testing.T) {
	opts := Options{AllowEIO3: true}
	hs := newHarness(t, &opts)
	o, s, _ := hs.handshakeV3("")
	q := "EIO=3&transport=polling&sid=" + o.SID
	body := strings.Repeat("1:2", 100_000) // 300 KB of pings per POST
	for range 5 {
		resp, b := hs.post(q, body)
		require.Equal(t, 200, resp.StatusCode, "body %q", b)
	}
	packets, _ := s.QueueLen()
	require.Equal(t, 1, packets, "one pong waits for the GET, not 500,000")
	resp, b := hs.get(q)
	require.Equal(t, 200, resp.StatusCode)
	require.Equal(t, "1:3", string(b))
	hs.h.requireNoClose(t)
}

func TestV3PongIsEmptyButForTheUpgradeProbe(t *testing.T) {
	opts := Options{AllowEIO3: true}
	hs := newHarness(t, &opts)

	// On WebSocket, a ping with data, even "probe" once the session is on
	// it, gets an empty pong, as Node answers.
	c, _, _ := hs.openWS(3)
	c.writeText("2hello")
	require.Equal(t, "3", c.readText())
	c.writeText("2probe")
	require.Equal(t, "3", c.readText())

	// On polling too.
	o, _, _ := hs.handshakeV3("")
	q := "EIO=3&transport=polling&sid=" + o.SID
	resp, b := hs.post(q, "6:2hello")
	require.Equal(t, 200, resp.StatusCode, "body %q", b)
	_, b = hs.get(q)
	require.Equal(t, "1:3", string(b))

	// The upgrade probe alone is answered "3probe".
	p := hs.dialWS("EIO=3&transport=websocket&sid=" + o.SID)
	p.writeText("2probe")
	require.Equal(t, "3probe", p.readText())
	hs.h.requireNoClose(t)
}

// A large POST is checked whole before any of its packets is delivered,
// like a small one, though its packets are not collected.
func TestLargePostDeliversAllOrNothing(t *testing.T) {
	hs := newHarness(t, nil)
	o, _ := hs.handshakeV4()
	q := "EIO=4&transport=polling&sid=" + o.SID
	var good []string
	for i := range 5000 {
		good = append(good, fmt.Sprintf("4m%05d", i))
	}
	body := strings.Join(good, "\x1e")
	require.Greater(t, len(body), collectMaxBody)
	resp, b := hs.post(q, body)
	require.Equal(t, 200, resp.StatusCode, "body %q", b)
	for i := range 5000 {
		require.Equal(t, good[i][1:], string(hs.h.nextMsg(t).data))
	}

	resp, b = hs.post(q, body+"\x1e9bad")
	require.Equal(t, 400, resp.StatusCode, "body %q", b)
	cl := hs.h.nextClose(t)
	require.Equal(t, ReasonParseError, cl.reason)
	select {
	case m := <-hs.h.msgs:
		t.Fatalf("a payload with a bad packet delivered %q", m.data)
	default:
	}
}
