package engineio

import (
	"bytes"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/gobwas/ws"

	"github.com/gosio/gosio/engineio/internal/codec"
	"github.com/gosio/gosio/engineio/internal/wsconn"
)

// wsConn is one WebSocket connection carrying (or probing for) a session.
// Reads happen on its read goroutine, which exists only while the connection
// is busy (see park). Writes happen on whichever goroutine holds the
// session's writer role (s.writing): a server flusher goroutine
// (flusher.go), the connection's own writer goroutine (drain) when the
// socket is full, or a SendNow caller for one reply; during the upgrade
// probe the read goroutine is the only one that touches the connection.
type wsConn struct {
	// What a write touches comes first, in one cache line: a broadcast
	// writes to many connections, and each line it loads costs.
	//
	// bufs is the writer's scratch vector; only the writer (drain or the
	// flusher) touches it.
	bufs net.Buffers
	// raw, for a plain socket, lets a sender write without blocking
	// (SendNow, the flusher); nil otherwise.
	raw syscall.RawConn
	// writeMu serialises the writer with the close frame the reader sends
	// after a protocol error; uncontended otherwise.
	writeMu sync.Mutex
	// midFrame, guarded by writeMu, is set while a non-blocking write has
	// left part of a frame for the writer goroutine to finish: nothing else
	// may be written in between.
	midFrame bool
	compress bool // permessage-deflate negotiated
	// base64 is set for clients that asked for binary as base64 text
	// (b64=1, engine.io-client's forceBase64).
	base64 bool
	// Parking: an idle connection's reader goroutine is released and the
	// server's poller watches it (see poller_linux.go).
	parkable  bool // a plain socket, and parking is on
	heartbeat bool // the last packet read was a heartbeat: park at once
	pollAdded bool // registered with the poller's epoll once
	srv       *Server

	in     wsInput // what reader reads
	reader wsconn.Reader
	// sess is the session the connection carries, for answering pings.
	sess atomic.Pointer[Session]
	// pong holds the payload of the latest ping frame, for the pong frame
	// queued to answer it; guarded by the session's mu.
	pong      *[]byte
	closeOnce sync.Once
	pollToken uint64 // the poller's key while parked; guarded by the poller

	// relay is the reader's generation shifted left by one, with the low
	// bit set while the reader is inside OnMessage. ReleaseReader bumps the
	// generation, so the reader that was delivering knows, once OnMessage
	// returns, that another goroutine reads the connection now.
	relay atomic.Uint64
}

// Frames of control packets; the same bytes serve every session.
var (
	framePing  = wsconn.AppendFrame(nil, true, []byte("2"))
	framePong  = wsconn.AppendFrame(nil, true, []byte("3"))
	frameProbe = wsconn.AppendFrame(nil, true, []byte("3probe"))
	frameNoop  = wsconn.AppendFrame(nil, true, []byte("6"))
	frameClose = wsconn.AppendFrame(nil, true, []byte("1"))
	frameWSBye = wsconn.CloseFrame(1000, "")
)

func isWebSocketRequest(r *http.Request) bool {
	return r.Method == http.MethodGet &&
		strings.EqualFold(r.Header.Get("Upgrade"), "websocket") &&
		headerHasToken(r.Header, "Connection", "upgrade")
}

func headerHasToken(h http.Header, name, token string) bool {
	for _, v := range h.Values(name) {
		for part := range strings.SplitSeq(v, ",") {
			if strings.EqualFold(strings.TrimSpace(part), token) {
				return true
			}
		}
	}
	return false
}

// acceptWebSocket upgrades the request. On failure it has answered the
// request and returns nil.
func (srv *Server) acceptWebSocket(w http.ResponseWriter, r *http.Request, header http.Header) *wsConn {
	var deflate *wsconn.Deflate
	u := ws.HTTPUpgrader{Header: header.Clone()}
	if srv.opts.PerMessageDeflate != nil {
		deflate = &wsconn.Deflate{}
		u.Negotiate = deflate.Negotiate
	}
	conn, rw, _, err := u.Upgrade(r, w)
	if err != nil {
		srv.opts.Logger.Debug("engineio: websocket upgrade failed", "sid", r.URL.Query().Get("sid"), "address", r.RemoteAddr, "err", err)
		return nil // the upgrader has answered with an HTTP error
	}
	c := &wsConn{srv: srv, compress: deflate != nil && deflate.Accepted(), base64: queryHas(r.URL.RawQuery, "b64")}
	// Bytes the client sent right after its handshake may sit in net/http's
	// buffer; they are read first, then the buffer is dropped.
	if rw != nil && rw.Reader.Buffered() > 0 {
		pending, _ := rw.Reader.Peek(rw.Reader.Buffered())
		c.in.pending = bytes.Clone(pending)
	}
	c.in.conn = conn
	c.in.idle = srv.opts.IdleReadRelease
	if isPlainSocket(conn) {
		c.parkable = srv.opts.IdleReadRelease > 0
		c.raw, _ = conn.(syscall.Conn).SyscallConn()
	}
	c.reader.Init(&c.in, wsconn.ReaderOptions{
		MaxMessageSize: srv.opts.MaxHTTPBufferSize,
		Compression:    c.compress,
		OnPing:         c,
	})
	return c
}

func (c *wsConn) close() {
	c.closeOnce.Do(func() {
		if p := c.srv.startedPoller(); p != nil {
			p.forget(c)
		}
		_ = c.in.conn.Close()
	})
}

// sendClose answers a read error with the close frame RFC 6455 asks for
// (1002 protocol error, 1007 invalid UTF-8, 1009 too big, or the client's
// own code echoed), best effort and bounded in time.
func (c *wsConn) sendClose(err error) {
	code, ok := wsconn.CloseStatus(err)
	if !ok {
		return
	}
	c.writeMu.Lock()
	defer c.writeMu.Unlock()
	if c.midFrame {
		// A close frame now would land inside the data frame half sent.
		// The connection is about to be closed anyway: give it up.
		return
	}
	_ = c.in.conn.SetWriteDeadline(time.Now().Add(time.Second))
	_, _ = c.in.conn.Write(wsconn.CloseFrame(code, ""))
}

// readLoop reads the client's messages until the connection fails or the
// session ends.
func (c *wsConn) readLoop(s *Session) {
	c.sess.Store(s)
	gen := c.relay.Load() >> 1
	for {
		if c.parkable && c.in.drained() && (c.heartbeat || !c.in.waitIdle()) && c.park() {
			return // the poller starts a reader when input comes
		}
		c.heartbeat = false
		text, data, err := c.reader.ReadMessage()
		if err != nil {
			c.sendClose(err)
			s.finish(readErrorReason(err), err)
			return
		}
		p, err := decodeWSMessage(s.protocol, text, data)
		if err != nil {
			s.finish(ReasonParseError, err)
			return
		}
		if p.Type == codec.Message {
			if !c.deliver(s, p, gen) {
				return // released: the next reader owns the connection
			}
		} else {
			s.onPacket(p)
		}
		if s.closed.Load() {
			return
		}
		// After a heartbeat the client is likely quiet until the next one.
		c.heartbeat = p.Type == codec.Pong || p.Type == codec.Ping
	}
}

// deliver hands a message to the Handler. It reports false if, while
// OnMessage ran, ReleaseReader started another reader; that reader owns the
// connection from then on, and this one must not touch it again.
func (c *wsConn) deliver(s *Session, p codec.Packet, gen uint64) bool {
	if s.protocol == 3 {
		s.heartbeatReceived()
	}
	s.recvMu.Lock()
	if s.closed.Load() {
		s.recvMu.Unlock()
		return true
	}
	c.relay.Store(gen<<1 | 1)
	s.srv.countIn(len(p.Data))
	s.srv.handler.OnMessage(s, p.Binary, p.Data)
	if !c.relay.CompareAndSwap(gen<<1|1, gen<<1) {
		return false // ReleaseReader has unlocked recvMu on our behalf
	}
	s.recvMu.Unlock()
	return true
}

// release starts another reader for the connection while the current one is
// inside OnMessage. s.mu is held, with the session open and c its transport.
func (c *wsConn) release(s *Session) bool {
	st := c.relay.Load()
	if st&1 == 0 || !c.relay.CompareAndSwap(st, (st>>1+1)<<1) {
		return false // not delivering, or released already
	}
	// Counted under s.mu while the session is open, as for the first reader.
	s.srv.wg.Add(1)
	go c.resume()
	return true
}

// park hands the idle connection to the server's poller and releases its
// read buffer. It reports false when the connection cannot be parked; the
// caller then goes on reading.
func (c *wsConn) park() bool {
	p := c.srv.poller()
	if p == nil {
		c.parkable = false
		return false
	}
	c.in.disarm()
	c.in.release()
	c.heartbeat = false // the next reader reads before parking again
	if s := c.sess.Load(); s != nil {
		s.releaseIdle(c)
	}
	return p.park(c)
}

// resume is the reader goroutine the poller starts for a parked connection
// that has input.
func (c *wsConn) resume() {
	defer c.srv.wg.Done()
	if s := c.sess.Load(); s != nil {
		c.readLoop(s)
	}
}

// OnPing queues the pong answering a WebSocket ping frame. Browsers do not
// send pings, but other clients and proxies may. One pong at most waits in
// the queue, answering the latest ping, so pings from a client that does
// not read cost nothing more.
func (c *wsConn) OnPing(payload []byte) {
	s := c.sess.Load()
	if s == nil {
		return
	}
	s.mu.Lock()
	if s.state != stateClosed && s.ws == c {
		s.queueFramePongLocked(c, payload)
	}
	s.mu.Unlock()
}

// readErrorReason maps a read error to Node's reason: a clean end of the
// connection is "transport close", anything else "transport error".
func readErrorReason(err error) CloseReason {
	var ce *wsconn.CloseError
	if errors.As(err, &ce) || errors.Is(err, io.EOF) || errors.Is(err, net.ErrClosed) {
		return ReasonTransportClose
	}
	return ReasonTransportError
}

func decodeWSMessage(protocol int, text bool, data []byte) (codec.Packet, error) {
	switch {
	case text && protocol == 3:
		return codec.DecodeTextV3(data) // may be "b4"+base64 (b64=1 clients)
	case text:
		return codec.DecodeTextV4(data) // may be "b"+base64 (b64=1 clients)
	case protocol == 3:
		return codec.DecodeBinaryV3(data)
	default:
		return codec.Packet{Type: codec.Message, Binary: true, Data: data}, nil
	}
}

// startDrain starts a writer goroutine for s, which holds s's writer role
// (s.writing) already; s.mu is held and s is not closed, so the goroutine is
// counted before Close waits. Sockets that the flusher serves need one only
// when full.
func (c *wsConn) startDrain(s *Session) {
	s.srv.wg.Add(1)
	go func() {
		defer s.srv.wg.Done()
		c.drain(s)
	}()
}

// drain is the session's WebSocket writer: it sends everything queued in one
// vectored write per round, until the queue is empty, then returns. Only one
// drain runs per session (s.writing).
func (c *wsConn) drain(s *Session) {
	for {
		s.mu.Lock()
		if s.ws != c || len(s.queue) == 0 || s.state == stateClosed {
			if cap(c.bufs) > keptBatch {
				c.bufs = nil // still the writer: the next one may start below
			}
			s.writing = false
			s.shrinkLocked()
			s.mu.Unlock()
			return
		}
		batch := s.takeQueueLocked()
		s.mu.Unlock()

		bufs := c.bufs[:0]
		closing := false
		for i := range batch {
			bufs = c.appendFrames(bufs, s, &batch[i])
			closing = closing || batch[i].typ == codec.Close
		}
		c.bufs = bufs
		// WriteTo consumes its receiver; c.bufs stays intact. The copy moves
		// to the heap, which the rare drain (a full socket, a close, a
		// connection the flusher cannot write) can afford.
		toWrite := bufs
		c.writeMu.Lock()
		_, err := toWrite.WriteTo(c.in.conn)
		c.midFrame = err != nil // written whole, the rest of a frame included
		c.writeMu.Unlock()
		clear(c.bufs)
		if err != nil {
			s.mu.Lock()
			s.writing = false
			s.mu.Unlock()
			s.finish(ReasonTransportError, err)
			return
		}
		if closing {
			s.flushed(batch)
		}
		// The batch array stays as the queue's spare: drop what it points
		// to, so an idle session does not keep its last messages alive.
		clear(batch)
	}
}

// appendFrames appends the frame bytes of p to bufs.
func (c *wsConn) appendFrames(bufs net.Buffers, s *Session, p *outPacket) net.Buffers {
	switch {
	case p.msg != nil:
		return append(bufs, c.messageFrame(s, p.msg, false))
	case p.raw != nil:
		return append(bufs, p.raw)
	case p.typ == codec.Ping:
		return append(bufs, framePing)
	case p.typ == codec.Pong && len(p.data) == 0:
		return append(bufs, framePong)
	case p.typ == codec.Noop:
		return append(bufs, frameNoop)
	case p.typ == codec.Close:
		return append(bufs, frameClose, frameWSBye)
	default:
		return append(bufs, wsconn.AppendFrame(nil, true, codec.AppendText(nil, p.typ, p.data)))
	}
}

// messageFrame returns the frame carrying m, cached in m for the other
// sessions it goes to unless once says it goes to this one only.
func (c *wsConn) messageFrame(s *Session, m *Message, once bool) []byte {
	if m.binary && c.base64 {
		return base64Frame(s.protocol, m.data)
	}
	compress := c.compress && !m.noCompress && len(m.data) >= s.srv.deflateThreshold()
	if once {
		return m.buildFrame(s.protocol, compress)
	}
	return m.wsFrame(s.protocol, compress)
}

// base64Frame carries a binary message as text for clients that cannot
// take binary frames; rare enough not to be cached.
func base64Frame(protocol int, data []byte) []byte {
	var text []byte
	if protocol == 3 {
		text = codec.AppendBase64V3(nil, codec.Message, data)
	} else {
		text = codec.AppendBase64V4(nil, data)
	}
	return wsconn.AppendFrame(nil, true, text)
}

func (srv *Server) deflateThreshold() int {
	if srv.opts.PerMessageDeflate == nil {
		return int(^uint(0) >> 1)
	}
	return srv.opts.PerMessageDeflate.Threshold
}
