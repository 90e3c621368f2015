package hostile

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gobwas/ws"
)

// Scenarios returns every scenario: one per finding of issue 15 (items 1-7)
// and one per protection that held before it.
func Scenarios() []*Scenario {
	return []*Scenario{
		{Name: "ws-ping-frames", What: "item 1", Attack: wsPingFrames},
		{Name: "eio3-ws-pings", What: "item 1", Attack: eio3WSPings},
		{Name: "eio3-polling-pings", What: "item 1", Attack: eio3PollingPings},
		{Name: "eio3-big-pings", What: "item 2", Attack: eio3BigPings, HeldHeap: 16 * MB},
		// Three streams of 1 MB events: the garbage of those read and
		// refused varies the peak; what is held is bounded tighter.
		{Name: "pending-event-bytes", What: "item 3", Attack: pendingEventBytes, GoroutineSlack: 8,
			PeakRSS: 100 * MB, HeldHeap: 32 * MB},
		{Name: "context-done-listeners", What: "item 4", Attack: contextDoneListeners, Check: checkContextDone},
		{Name: "stuck-listener-close", What: "item 5", Attack: stuckListenerClose, GoroutineSlack: 8},
		{Name: "disconnect-during-connect", What: "item 6", Attack: disconnectDuringConnect, Check: checkAllDisconnected},
		{Name: "header-flood", What: "item 7", Attack: headerFlood, TargetArgs: headerFloodArgs, Settle: 15 * time.Second},
		{Name: "deep-json", What: "holds", Attack: deepJSON},
		{Name: "panicking-listener", What: "holds", Attack: panickingListener, Check: checkAllDisconnected},
		// The queue holds 16 MiB; the rest is socket buffers and the GC's
		// headroom over the listener's 1 MB encodes.
		{Name: "outbound-queue-cap", What: "holds", Attack: outboundQueueCap, PeakRSS: 80 * MB, HeldHeap: 32 * MB},
		{Name: "sid-entropy", What: "holds", Attack: sidEntropy},
		{Name: "room-cap", What: "holds", Attack: roomCap},
		{Name: "handshake-memory", What: "holds", Attack: handshakeMemory, Settle: 10 * time.Second},
	}
}

// openSockets opens n protocol 5 clients connected to "/", which leave
// (close their TCP connection) when the attack is over.
func openSockets(e *Env, n int) ([]*Conn, error) {
	conns := make([]*Conn, 0, n)
	for range n {
		c, err := OpenSocket(e.Addr)
		if err != nil {
			return conns, err
		}
		e.OnLeave(func() { c.Close() })
		conns = append(conns, c)
	}
	return conns, nil
}

// flood writes frame count times, never reading.
func flood(c *Conn, frame []byte, count int) error {
	_ = c.SetWriteDeadline(time.Now().Add(2 * time.Minute))
	for range count {
		if _, err := c.Write(frame); err != nil {
			return err
		}
	}
	return c.Flush()
}

func wsPingFrames(e *Env) error {
	c, err := openSockets(e, 1)
	if err != nil {
		return err
	}
	total := e.Pick(50, 500) * MB
	frame := Frame(ws.OpPing, bytes.Repeat([]byte("p"), 125))
	e.Input("%d MB of WebSocket ping frames (125-byte payloads) from a client that never reads", total/MB)
	return flood(c[0], frame, total/len(frame))
}

func eio3WSPings(e *Env) error {
	c, err := DialWS(e.Addr, 3)
	if err != nil {
		return err
	}
	e.OnLeave(func() { c.Close() })
	if err := c.Open(); err != nil {
		return err
	}
	total := e.Pick(50, 500) * MB
	frame := Frame(ws.OpText, []byte("2"+strings.Repeat("x", 120)))
	e.Input("%d MB of protocol 3 ping packets (121 bytes) on WebSocket, never reading", total/MB)
	return flood(c, frame, total/len(frame))
}

func eio3PollingPings(e *Env) error {
	p, err := OpenPolling(e.Addr, 3)
	if err != nil {
		return err
	}
	e.OnLeave(func() {
		_, _ = p.Post([]byte("1:1")) // the close packet: no heartbeat wait
		p.Close()
	})
	body := bytes.Repeat([]byte("1:2"), 333_333) // 999,999 bytes: under MaxHTTPBufferSize
	n := e.Pick(50, 500)
	e.Input("%d POSTs of 1 MB of protocol 3 pings `1:2`, never GETting", n)
	for range n {
		code, err := p.Post(body)
		if err != nil {
			return err
		}
		if code != 200 {
			return fmt.Errorf("POST answered %d", code)
		}
	}
	return nil
}

func eio3BigPings(e *Env) error {
	c, err := DialWS(e.Addr, 3)
	if err != nil {
		return err
	}
	e.OnLeave(func() { c.Close() })
	if err := c.Open(); err != nil {
		return err
	}
	n := e.Pick(100, 500)
	e.Input("%d protocol 3 pings of 999 KB on WebSocket, never reading", n)
	if err := flood(c, Frame(ws.OpText, []byte("2"+strings.Repeat("x", 999_000))), n); err != nil {
		return err
	}
	// Once the flood is in, the client reads: every pong is empty. (The
	// Socket.IO CONNECT "40" of protocol 4 may come first.)
	for pongs := 0; pongs < 3; {
		t, err := c.ReadText(10 * time.Second)
		if err != nil {
			return err
		}
		if strings.HasPrefix(t, "4") {
			continue
		}
		if t != "3" {
			e.Failf("a pong carries %d bytes, not none", len(t)-1)
			break
		}
		pongs++
	}
	return nil
}

// stuckThenSink makes c's listener stuck and queues n "sink" events of arg
// behind it, with a write deadline: a server that stops reading blocks the
// writes, which ends them.
func stuckThenSink(c *Conn, n int, arg string) (sent int, err error) {
	_ = c.SetWriteDeadline(time.Now().Add(10 * time.Second))
	if _, err := c.Write(Frame(ws.OpText, []byte(Event(-1, "stuck")))); err != nil {
		return 0, err
	}
	frame := Frame(ws.OpText, []byte(Event(-1, "sink", arg)))
	for sent = 0; sent < n; sent++ {
		if _, err := c.Write(frame); err != nil {
			return sent, err
		}
	}
	return sent, c.Flush()
}

func pendingEventBytes(e *Env) error {
	conns, err := openSockets(e, 3)
	if err != nil {
		return err
	}
	n := e.Pick(40, 300)
	arg := strings.Repeat("y", 999_000)
	e.Input("3 clients, each a stuck listener then %d events of 1 MB", n)
	var wg sync.WaitGroup
	for _, c := range conns {
		wg.Go(func() {
			sent, err := stuckThenSink(c, n, arg)
			if err != nil && !isTimeout(err) && !isClosed(err) {
				e.Failf("sending: %v", err)
			}
			if sent < n && isTimeout(err) {
				e.Notef("the server stopped reading after %d events", sent)
			}
		})
	}
	wg.Wait()
	// Give the target time to read what is in the socket buffers.
	time.Sleep(500 * time.Millisecond)
	return nil
}

func contextDoneListeners(e *Env) error {
	n := e.Pick(20, 100)
	conns, err := openSockets(e, n)
	if err != nil {
		return err
	}
	e.Input("%d clients whose listener waits for s.Context().Done(), then leave", n)
	for _, c := range conns {
		if err := c.SendText(Event(-1, "wait-done")); err != nil {
			return err
		}
	}
	e.WaitFor("every wait-done listener running", 5*time.Second, func(st Stats) bool { return st.Waiting >= int64(n) })
	return nil
}

func checkContextDone(e *Env, base, after Stats) {
	if after.Released != after.Waiting {
		e.Failf("%d of %d listeners waiting for s.Context().Done() released", after.Released, after.Waiting)
	}
	checkAllDisconnected(e, base, after)
}

// checkAllDisconnected: every "connection" the app saw got its "disconnect".
func checkAllDisconnected(e *Env, _, after Stats) {
	if after.Disconnects != after.Connections {
		e.Failf("%d connections but %d disconnect listeners ran", after.Connections, after.Disconnects)
	}
}

func stuckListenerClose(e *Env) error {
	conns, err := openSockets(e, 2)
	if err != nil {
		return err
	}
	n := 300 // beyond the 256 pending events that used to stop the reader
	e.Input("2 clients: a stuck listener, %d events behind it, then one sends DISCONNECT and the other closes TCP", n)
	for _, c := range conns {
		if _, err := stuckThenSink(c, n, "z"); err != nil && !isTimeout(err) {
			return err
		}
	}
	start := time.Now()
	_ = conns[0].SetWriteDeadline(time.Now().Add(time.Second))
	_ = conns[0].SendText("41")
	conns[1].Close()
	_, took, ok := e.WaitFor("both leavings seen within 1 s", time.Second, func(st Stats) bool {
		// The one that sent DISCONNECT keeps its Engine.IO session.
		return st.Sessions <= e.Base.Sessions+1 && st.Rooms <= e.Base.Rooms
	})
	if ok {
		e.Notef("leavings seen in %v", took.Round(time.Millisecond))
	} else {
		e.Notef("leavings not seen after %v", time.Since(start).Round(time.Millisecond))
	}
	return nil
}

func disconnectDuringConnect(e *Env) error {
	n := e.Pick(50, 200)
	e.Input("%d connections sending CONNECT then DISCONNECT back to back", n)
	for range n {
		c, err := DialWS(e.Addr, 4)
		if err != nil {
			return err
		}
		e.OnLeave(func() { c.Close() })
		if err := c.Open(); err != nil {
			return err
		}
		_, _ = c.Write(Frame(ws.OpText, []byte("40")))
		_, _ = c.Write(Frame(ws.OpText, []byte("41")))
		if err := c.Flush(); err != nil {
			return err
		}
	}
	_, took, ok := e.WaitFor("no socket left within 1 s", time.Second, func(st Stats) bool {
		return st.Sockets <= e.Base.Sockets && st.Rooms <= e.Base.Rooms && st.Disconnects == st.Connections
	})
	if ok {
		e.Notef("no socket left after %v", took.Round(time.Millisecond))
	}
	return nil
}

// headerFloodTimeout is the target's ReadHeaderTimeout in the small run, so
// that stalled header connections are dropped quickly.
const headerFloodTimeout = 2 * time.Second

func headerFloodArgs(sc Scale) []string {
	if sc == Small {
		return []string{"-read-header-timeout", headerFloodTimeout.String()}
	}
	return nil
}

func headerFlood(e *Env) error {
	n := e.Pick(200, 600)
	e.Input("%d connections sending 1 MB of unfinished header lines, and %d that stall after the request line", n, n/4)
	line := []byte("X-Hostile: " + strings.Repeat("h", 1000) + "\r\n")
	var wg sync.WaitGroup
	defer wg.Wait() // also when a dial fails half-way: each ends by its deadline
	var refused, stalledClosed atomic.Int64
	var closedAfter atomic.Int64 // the longest time the server took to drop a stalled one, in ms
	for i := range n + n/4 {
		nc, err := net.DialTimeout("tcp", e.Addr, 5*time.Second)
		if err != nil {
			return err
		}
		e.OnLeave(func() { nc.Close() })
		start := time.Now()
		_ = nc.SetDeadline(start.Add(15 * time.Second)) // past ReadHeaderTimeout (10 s)
		if _, err := io.WriteString(nc, "GET /socket.io/?EIO=4&transport=polling HTTP/1.1\r\nHost: x\r\n"); err != nil {
			return err
		}
		stall := i >= n
		wg.Go(func() {
			if stall {
				// The server must drop it after ReadHeaderTimeout.
				if _, err := nc.Read(make([]byte, 1)); err != nil && !isTimeout(err) {
					stalledClosed.Add(1)
					ms := time.Since(start).Milliseconds()
					for {
						old := closedAfter.Load()
						if ms <= old || closedAfter.CompareAndSwap(old, ms) {
							break
						}
					}
				}
				return
			}
			for sent := 0; sent < MB; sent += len(line) {
				if _, err := nc.Write(line); err != nil {
					break // the server has given up on it
				}
			}
			// A server that bounds headers has answered 431 by now.
			status := make([]byte, 12)
			if _, err := io.ReadFull(nc, status); err == nil && string(status[9:]) == "431" {
				refused.Add(1)
			}
		})
	}
	wg.Wait()
	e.Notef("%d of %d answered 431; %d of %d stalled ones dropped, the last after %v",
		refused.Load(), n, stalledClosed.Load(), n/4, time.Duration(closedAfter.Load())*time.Millisecond)
	if stalledClosed.Load() != int64(n/4) {
		e.Failf("%d stalled header connections still open", int64(n/4)-stalledClosed.Load())
	}
	return nil
}

func deepJSON(e *Env) error {
	n := e.Pick(10, 100)
	depth := 100_000
	e.Input("%d clients each sending an event nested %d levels deep", n, depth)
	msg := Frame(ws.OpText, []byte(`42["echo",`+strings.Repeat("[", depth)+strings.Repeat("]", depth)+`]`))
	for range n {
		c, err := OpenSocket(e.Addr)
		if err != nil {
			return err
		}
		_, _ = c.Write(msg)
		if err := c.Flush(); err != nil {
			c.Close()
			return err
		}
		// Refused: the connection ends (close packet, close frame).
		for {
			t, err := c.ReadText(5 * time.Second)
			if err != nil {
				if isTimeout(err) {
					e.Failf("a 100,000-deep packet left the connection open")
				}
				break
			}
			if strings.HasPrefix(t, "43") {
				e.Failf("a 100,000-deep packet was acknowledged")
				break
			}
		}
		c.Close()
	}
	return nil
}

func panickingListener(e *Env) error {
	n := e.Pick(50, 500)
	e.Input("%d clients whose listener panics", n)
	conns, err := openSockets(e, n)
	if err != nil {
		return err
	}
	for _, c := range conns {
		if err := c.SendText(Event(-1, "panic")); err != nil {
			return err
		}
	}
	for _, c := range conns {
		for {
			t, err := c.ReadText(5 * time.Second)
			if err != nil {
				e.Failf("no DISCONNECT after a panic: %v", err)
				break
			}
			if t == "41" {
				break
			}
		}
	}
	return nil
}

func outboundQueueCap(e *Env) error {
	c, err := openSockets(e, 1)
	if err != nil {
		return err
	}
	n := e.Pick(100, 500)
	e.Input("a client that never reads asks for %d MB of events", n)
	if err := c[0].SendText(Event(-1, "flood", n, MB)); err != nil {
		return err
	}
	st, _, _ := e.WaitFor("the flood emitted", time.Minute, func(st Stats) bool { return st.Floods > 0 })
	e.Notef("%d of %d emits refused (queue full)", st.Refused, n)
	if st.Refused == 0 {
		e.Failf("no emit refused: the queue held %d MB", n)
	}
	return nil
}

func sidEntropy(e *Env) error {
	n := e.Pick(200, 2000)
	e.Input("%d handshakes; every sid decoded", n)
	seen := make(map[string]bool, n)
	minBits := 1 << 30
	for range n {
		p, err := OpenPolling(e.Addr, 4)
		if err != nil {
			return err
		}
		if seen[p.SID] {
			e.Failf("sid %q handed out twice", p.SID)
		}
		seen[p.SID] = true
		minBits = min(minBits, sidBits(p.SID))
		_, _ = p.Post([]byte("1")) // leave at once
		p.Close()
	}
	c, err := openSockets(e, 1)
	if err != nil {
		return err
	}
	minBits = min(minBits, sidBits(c[0].SID))
	e.Notef("every sid distinct, at least %d bits", minBits)
	if minBits < 128 {
		e.Failf("a sid carries %d bits, fewer than 128", minBits)
	}
	return nil
}

// sidBits is how many bits a base64url sid encodes.
func sidBits(sid string) int {
	b, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(sid, "="))
	if err != nil {
		return 0
	}
	return len(b) * 8
}

func roomCap(e *Env) error {
	c, err := openSockets(e, 1)
	if err != nil {
		return err
	}
	n := e.Pick(2000, 20000)
	e.Input("one client asks to join %d rooms", n)
	_ = c[0].SetWriteDeadline(time.Now().Add(time.Minute))
	for i := range n {
		if _, err := c[0].Write(Frame(ws.OpText, []byte(Event(i, "join", "r"+strconv.Itoa(i))))); err != nil {
			return err
		}
	}
	if err := c[0].Flush(); err != nil {
		return err
	}
	joined := 0
	for i := range n {
		got, err := c[0].Ack(i, 30*time.Second)
		if err != nil {
			return err
		}
		if got == "[true]" {
			joined++
		}
	}
	e.Notef("%d joined", joined)
	if st := e.Stats(); st.Rooms > 1024+1 { // its own room and its id's, and the probe's
		e.Failf("%d rooms held", st.Rooms)
	}
	return nil
}

func handshakeMemory(e *Env) error {
	n := e.Pick(500, 5000)
	e.Input("%d idle Socket.IO clients (WebSocket)", n)
	base, err := e.Target.Stats(true)
	if err != nil {
		return err
	}
	if _, err := openSockets(e, n); err != nil {
		return err
	}
	st, err := e.Target.Stats(true)
	if err != nil {
		return err
	}
	perRSS := (int64(st.RSS) - int64(base.RSS)) / int64(n)
	perHeap := (int64(st.Heap) - int64(base.Heap)) / int64(n)
	e.Notef("%.1f KB RSS, %.1f KB heap per connection", float64(perRSS)/1024, float64(perHeap)/1024)
	if perHeap > 16<<10 {
		e.Failf("%d bytes of heap per idle connection", perHeap)
	}
	return nil
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

func isClosed(err error) bool {
	return errors.Is(err, net.ErrClosed) || errors.Is(err, io.EOF) ||
		strings.Contains(err.Error(), "reset by peer") || strings.Contains(err.Error(), "broken pipe")
}
