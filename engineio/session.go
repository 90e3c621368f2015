package engineio

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gobwas/ws"

	"github.com/gosio/gosio/engineio/internal/codec"
	"github.com/gosio/gosio/engineio/internal/wsconn"
)

// Session is one Engine.IO client session. It outlives the HTTP requests and
// the transports that carry it.
//
// Send and Close may be called from any goroutine. Messages reach the
// [Handler] in the order the client sent them, one at a time unless the
// Handler calls [Session.ReleaseReader].
type Session struct {
	// What a send and a flush touch comes first, in one cache line: a
	// broadcast reaches many sessions, and each line it loads costs.
	srv        *Server
	mu         sync.Mutex
	queue      []outPacket // waiting to be written, in order
	queueBytes int64       // payload bytes of the messages in queue
	ws         *wsConn     // the WebSocket when on WebSocket
	state      sessionState
	websocket  bool // on WebSocket, from the handshake or since the upgrade
	upgrading  bool // probe answered: polling GETs return at once
	pollActive bool // a long-polling GET is waiting
	postActive bool // a POST is being read
	writing    bool // a writer (flusher, drain, SendNow caller) holds the queue
	// pongs says which answers to the client's pings are queued and not
	// yet taken by a writer: one of each kind is enough, so a client that
	// pings without reading costs a bounded queue (see queuePongLocked).
	pongs pongKinds
	// byClient: the client ended the session with a close packet, so a GET
	// still waiting is answered with a noop, as Node does, not a close.
	byClient bool

	spare []outPacket // the previous batch's array, reused
	// pollArrived, set while a client's close waits for its GET, is closed
	// by the GET that arrives (see awaitPoll).
	pollArrived chan struct{}
	probe       *wsConn        // a WebSocket being probed for an upgrade
	closing     *gracefulClose // set once a close waits for the queue to flush
	pollWake    chan struct{}  // signals the waiting GET; capacity 1

	id       string
	protocol int
	req      *handshakeRequest

	// Protocol 3 polling details fixed at the handshake.
	jsonp          string // JSONP callback index, "" when not JSONP
	ip             string // client address counted by the per-IP limits
	supportsBinary bool   // the client reads the binary payload form (no b64=1)

	// recvMu makes deliveries to the Handler sequential across transports.
	recvMu sync.Mutex

	heartbeat heartbeat
	wheelAt   int64 // the deadline the heartbeat wheel has; guarded by the wheel
	wheelPos  uint8 // where the wheel keeps the session; guarded by the wheel
	closed    atomic.Bool

	done  chan struct{} // closed when the session has ended; made on demand
	value atomic.Pointer[any]
}

type sessionState uint8

const (
	stateOpen    sessionState = iota
	stateClosing              // a close packet is queued; no more sends
	stateClosed
)

// outPacket is one queued outbound Engine.IO packet.
type outPacket struct {
	typ codec.PacketType
	msg *Message // for message packets
	// data is the payload of control packets (open, pong "probe", ...).
	data []byte
	// raw, if set, is a WebSocket control frame (pong, close) written as is.
	raw []byte
}

// ID returns the session id (the "sid").
func (s *Session) ID() string { return s.id }

// Protocol returns the Engine.IO protocol revision of the client: 3 or 4.
func (s *Session) Protocol() int { return s.protocol }

// Transport returns the name of the transport currently in use: "polling" or
// "websocket".
func (s *Session) Transport() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.websocket {
		return TransportWebSocket
	}
	return TransportPolling
}

// Request returns the handshake request: its method, URL, protocol, header,
// host, remote address, request URI, TLS state and context, whose values
// (what HTTP middleware attached) are kept but which is never cancelled.
// Other fields are zero: the body is empty. It is rebuilt from a
// compact copy on the first call, and the same request is returned after
// that; treat it as read-only.
func (s *Session) Request() *http.Request { return s.req.request() }

// SetValue attaches a value to the session, for the layer above. It is safe for
// concurrent use.
func (s *Session) SetValue(v any) { s.value.Store(&v) }

// Value returns the value set by SetValue, or nil.
func (s *Session) Value() any {
	if p := s.value.Load(); p != nil {
		return *p
	}
	return nil
}

// Done returns a channel that is closed when the session has ended.
func (s *Session) Done() <-chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.done == nil {
		// Made on demand: most sessions are never asked.
		s.done = make(chan struct{})
		if s.state == stateClosed {
			if s.done != nil {
				close(s.done)
			}
		}
	}
	return s.done
}

// Send queues messages for the client, in order and contiguously: messages of
// one call are never interleaved with those of another. It does not wait for
// the network. It returns ErrSessionClosed once the session is closing, and
// ErrQueueFull when the messages would exceed MaxQueuedMessages or
// MaxQueuedBytes (with the SlowClientDisconnect policy the session is then
// closed as well).
func (s *Session) Send(msgs ...*Message) error {
	s.mu.Lock()
	if s.state != stateOpen {
		s.mu.Unlock()
		return ErrSessionClosed
	}
	size := messagesSize(msgs)
	if !s.fitsLocked(len(msgs), size) {
		s.mu.Unlock()
		s.srv.count(func(st *Stats) *atomic.Uint64 { return &st.QueueFull })
		if s.srv.opts.SlowClient == SlowClientDisconnect {
			s.srv.count(func(st *Stats) *atomic.Uint64 { return &st.SlowClientDisconnects })
			s.finish(ReasonTransportError, ErrSlowClient)
		}
		return ErrQueueFull
	}
	s.appendLocked(msgs, size)
	s.mu.Unlock()
	return nil
}

// QueueLen returns the number of packets and the payload bytes waiting to be
// written to the client: a measure of how far behind it is.
func (s *Session) QueueLen() (packets int, bytes int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.queue), s.queueBytes
}

func messagesSize(msgs []*Message) int64 {
	var n int64
	for _, m := range msgs {
		n += int64(len(m.data))
	}
	return n
}

func (s *Session) fitsLocked(count int, size int64) bool {
	o := &s.srv.opts
	return len(s.queue)+count <= o.MaxQueuedMessages && s.queueBytes+size <= o.MaxQueuedBytes
}

func (s *Session) appendLocked(msgs []*Message, size int64) {
	s.srv.countOut(len(msgs), size)
	for _, m := range msgs {
		s.queue = append(s.queue, outPacket{typ: codec.Message, msg: m})
	}
	s.queueBytes += size
	s.wakeLocked()
}

// SendNow is Send for one reply: when the session's WebSocket is not busy
// writing and nothing is queued, the calling goroutine writes the message
// itself, as far as the socket takes it without blocking, and leaves the
// rest to the writer goroutine. That saves a goroutine hand-off per reply.
// Broadcasts should use Send, so that what queues up while a write is in
// progress goes out in one vectored write. Errors are those of Send.
func (s *Session) SendNow(m *Message) error {
	c := s.claimWriter()
	if c == nil {
		return s.Send(m)
	}
	s.srv.countOut(1, int64(len(m.data)))
	frame := c.messageFrame(s, m, true) // a reply goes to this session only
	s.writeNow(c, frame, false)
	return nil
}

// SendNowText is SendNow for a text message given as bytes, which the caller
// may reuse once it returns: written at once, they are never copied into a
// Message, which is the point.
func (s *Session) SendNowText(text []byte) error {
	c := s.claimWriter()
	if c == nil || (c.compress && len(text) >= s.srv.deflateThreshold()) {
		if c != nil {
			s.releaseWriter(c)
		}
		return s.Send(TextMessage(bytes.Clone(text)))
	}
	s.srv.countOut(1, int64(len(text)))
	fb := frameBufs.Get().(*frameBuf)
	frame := wsconn.AppendFrameHeader(fb.b[:0], true, len(text)+1)
	frame = append(append(frame, '4'), text...)
	s.writeNow(c, frame, true)
	if cap(frame) <= maxPooledFrame {
		fb.b = frame
		frameBufs.Put(fb)
	}
	return nil
}

// frameBuf is SendNowText's scratch frame, pooled.
type frameBuf struct{ b []byte }

var frameBufs = sync.Pool{New: func() any { return &frameBuf{b: make([]byte, 0, 512)} }}

// maxPooledFrame keeps a huge reply from pinning memory in the pool.
const maxPooledFrame = 64 << 10

// claimWriter makes the caller the session's writer and returns its
// WebSocket, when it is idle with nothing queued; nil otherwise.
func (s *Session) claimWriter() *wsConn {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.ws
	if c == nil || c.raw == nil || s.state != stateOpen || s.writing || len(s.queue) > 0 {
		return nil
	}
	s.writing = true // this goroutine is the writer until it is done
	return c
}

// releaseWriter gives up the role claimWriter gave, starting the writer
// goroutine for what was queued meanwhile.
func (s *Session) releaseWriter(c *wsConn) {
	s.mu.Lock()
	s.handOffWriterLocked(c)
	s.mu.Unlock()
}

func (s *Session) handOffWriterLocked(c *wsConn) {
	if len(s.queue) > 0 && s.state != stateClosed {
		c.startDrain(s)
	} else {
		s.writing = false
	}
}

// writeNow writes frame as far as the socket takes it without blocking, as
// the writer claimed with claimWriter, and leaves the rest to the writer
// goroutine; scratch says frame is the caller's, so the rest is copied.
func (s *Session) writeNow(c *wsConn, frame []byte, scratch bool) {
	n, err := c.tryWrite(frame)
	s.mu.Lock()
	if err != nil {
		s.writing = false
		s.mu.Unlock()
		s.finish(ReasonTransportError, err) // as with Send, the loss shows as the session's end
		return
	}
	if rest := frame[n:]; len(rest) > 0 {
		// The socket is full: the writer goroutine sends the rest first.
		if scratch {
			rest = bytes.Clone(rest)
		}
		s.queue = append(s.queue, outPacket{})
		copy(s.queue[1:], s.queue)
		s.queue[0] = outPacket{raw: rest}
	}
	s.handOffWriterLocked(c)
	s.mu.Unlock()
}

// ReleaseReader lets the session's WebSocket go on reading on another
// goroutine while the Handler's OnMessage call in progress keeps running: a
// handler about to wait for something the client has yet to send (the
// answer to a request, say) calls it, or a watchdog calls it for a handler
// that runs long. Messages read from then on may be delivered before that
// OnMessage call returns. It reports false, doing nothing, when no OnMessage
// call is running on a WebSocket reader (long-polling delivers each request's
// messages on that request's goroutine, which cannot be handed over) or the
// reader was released already.
func (s *Session) ReleaseReader() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.state == stateClosed || s.ws == nil {
		return false
	}
	if !s.ws.release(s) {
		return false
	}
	s.recvMu.Unlock() // held by the released reader's deliver
	return true
}

// CanReleaseReader reports whether the OnMessage call in progress runs on a
// WebSocket reader that ReleaseReader can hand over. A Handler may use it to
// decide to do blocking work inline. It is meaningful only during OnMessage.
func (s *Session) CanReleaseReader() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.ws != nil && s.ws.relay.Load()&1 == 1
}

// SendVolatile queues msgs only if the transport can write them at once (a
// WebSocket that is not busy writing, or a waiting polling GET), and drops
// them otherwise. It reports whether they were queued. Volatile messages
// suit data that is stale by the next update, such as positions.
func (s *Session) SendVolatile(msgs ...*Message) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.state != stateOpen || len(s.queue) > 0 || s.upgrading {
		return false
	}
	writable := (s.ws != nil && !s.writing) || (s.ws == nil && s.pollActive)
	size := messagesSize(msgs)
	if !writable || !s.fitsLocked(len(msgs), size) {
		s.srv.count(func(st *Stats) *atomic.Uint64 { return &st.VolatileDropped })
		return false
	}
	s.appendLocked(msgs, size)
	return true
}

// Close closes the session after the messages already queued have been sent;
// the Handler sees reason "forced close".
func (s *Session) Close() error {
	s.closeGracefully(ReasonForcedClose)
	return nil
}

// enqueueLocked queues a control packet. s.mu must be held.
func (s *Session) enqueueLocked(p outPacket) {
	s.queue = append(s.queue, p)
	s.wakeLocked()
}

// pongKinds is a set of the pong kinds a session has queued.
type pongKinds uint8

const (
	pongEngine pongKinds = 1 << iota // a protocol 3 pong packet "3"
	pongFrame                        // a WebSocket pong frame (typeWSPong)
)

// typeWSPong marks the queue entry of a WebSocket pong frame. Its bytes are
// made when a writer takes the queue, from the latest ping's payload: RFC
// 6455 (5.5.3) lets a pong answer only the most recent of the pings not yet
// answered.
const typeWSPong codec.PacketType = 0xff

// queuePongLocked queues the pong packet answering a protocol 3 ping,
// unless one is queued already. Pongs are not counted against
// MaxQueuedMessages and MaxQueuedBytes, since they never queue more than
// one: a client that pings without reading holds one pong, not one per
// ping. Its payload is empty, as Node's: echoing the ping's data would let
// a client make the server queue whatever it sends. s.mu must be held.
func (s *Session) queuePongLocked() {
	if s.state == stateClosed || s.pongs&pongEngine != 0 {
		return
	}
	s.pongs |= pongEngine
	s.enqueueLocked(outPacket{typ: codec.Pong})
}

// queueFramePongLocked queues the pong frame answering a WebSocket ping
// frame carrying payload on c, the session's WebSocket, or, if one is
// queued already, makes that one carry payload instead. s.mu must be held.
func (s *Session) queueFramePongLocked(c *wsConn, payload []byte) {
	if c.pong == nil {
		c.pong = new([]byte)
	}
	*c.pong = append((*c.pong)[:0], payload...)
	if s.pongs&pongFrame != 0 {
		return
	}
	s.pongs |= pongFrame
	s.enqueueLocked(outPacket{typ: typeWSPong})
}

// tookQueueLocked is called when a writer has taken batch from the queue:
// the pongs in it are no longer pending, and a WebSocket pong gets its
// bytes. s.mu must be held.
func (s *Session) tookQueueLocked(batch []outPacket) {
	if s.pongs&pongFrame != 0 && s.ws != nil && s.ws.pong != nil {
		for i := range batch {
			if batch[i].typ == typeWSPong && batch[i].raw == nil {
				batch[i].raw = wsconn.AppendControlFrame(nil, ws.OpPong, *s.ws.pong)
			}
		}
	}
	s.pongs = 0
}

// wakeLocked tells the active transport that the queue has data: the waiting
// GET is signalled, or the WebSocket writer is started. s.mu must be held.
func (s *Session) wakeLocked() {
	switch {
	case s.ws != nil:
		if !s.writing && len(s.queue) > 0 {
			s.writing = true
			if s.ws.raw != nil {
				s.srv.flush.push(s)
				return
			}
			s.ws.startDrain(s)
		}
	default:
		select {
		case s.pollWake <- struct{}{}:
		default:
		}
	}
}

// keptBatch is the largest queue array a session keeps once its queue has
// drained: a burst must not leave every idle session holding a big array.
const keptBatch = 64

// shrinkLocked drops the spare queue array if a burst made it big. s.mu
// must be held.
func (s *Session) shrinkLocked() {
	if cap(s.spare) > keptBatch {
		s.spare = nil
	}
	if len(s.queue) == 0 && cap(s.queue) > keptBatch {
		s.queue = nil
	}
}

// releaseIdle drops the queue arrays and c's write vector of a session
// whose connection is being parked, if nothing is being written: an idle
// session need not keep them, and a busy one does not park.
func (s *Session) releaseIdle(c *wsConn) {
	s.mu.Lock()
	if !s.writing && len(s.queue) == 0 {
		s.queue, s.spare = nil, nil
		c.bufs = nil
	}
	s.mu.Unlock()
}

// takeOwnedQueueLocked returns the queued packets and empties the queue
// without reusing the array: the polling writer keeps its batch after it
// has let go of the session's lock, when another request may take the
// queue.
func (s *Session) takeOwnedQueueLocked() []outPacket {
	batch := s.queue
	s.queue = nil
	s.queueBytes = 0
	if s.pongs != 0 {
		s.tookQueueLocked(batch)
	}
	return batch
}

// takeQueueLocked returns the queued packets and empties the queue, reusing
// the previous batch's array. The caller owns the batch until its next call,
// so only the single WebSocket writer may use it.
func (s *Session) takeQueueLocked() []outPacket {
	batch := s.queue
	clear(s.spare)
	s.queue = s.spare[:0]
	s.spare = batch
	s.queueBytes = 0
	if s.pongs != 0 {
		s.tookQueueLocked(batch)
	}
	return batch
}

// closeGracefully queues a close packet behind what is queued and ends the
// session once it is written, or after a grace period if no transport takes it.
func (s *Session) closeGracefully(reason CloseReason) {
	s.mu.Lock()
	if s.state != stateOpen {
		s.mu.Unlock()
		return
	}
	s.state = stateClosing
	s.enqueueLocked(outPacket{typ: codec.Close})
	// A polling client may never come back for the close packet.
	grace := s.srv.opts.PingInterval + s.srv.opts.PingTimeout
	s.closing = &gracefulClose{reason: reason, timer: time.AfterFunc(grace, func() { s.finish(reason, nil) })}
	s.mu.Unlock()
}

// gracefulClose is a close that waits for the queue to flush; apart from
// the Session, which few sessions need before their end.
type gracefulClose struct {
	reason CloseReason
	timer  *time.Timer
}

// gracefulReasonLocked returns the reason of the graceful close under way,
// if any. s.mu must be held.
func (s *Session) gracefulReasonLocked() CloseReason {
	if s.closing == nil {
		return ""
	}
	return s.closing.reason
}

// flushed is called by a transport after it wrote a batch. If the batch held
// the close packet of a graceful close, the session ends.
func (s *Session) flushed(batch []outPacket) {
	for i := range batch {
		if batch[i].typ == codec.Close {
			s.mu.Lock()
			reason := s.gracefulReasonLocked()
			s.mu.Unlock()
			s.finish(reason, nil)
			return
		}
	}
}

// testHookFinishing, when set by a test, runs in the finish that ends a
// session, after it has marked the session closed and before it closes the
// transports and runs OnClose.
var testHookFinishing atomic.Pointer[func(*Session)]

// finish ends the session at once: transports are closed, the server forgets
// the session and the Handler's OnClose runs. Only the first call counts.
func (s *Session) finish(reason CloseReason, err error) {
	s.mu.Lock()
	if s.state == stateClosed {
		// Another finish came first. It counted its OnClose goroutine
		// before it let go of s.mu, so a Server.Close that gets here waits
		// for that OnClose too.
		s.mu.Unlock()
		return
	}
	// The OnClose goroutine is counted before the session shows as closed,
	// under s.mu while it is open: a Close whose own finish of this session
	// comes second still waits for it, and so does a Shutdown that sees the
	// server empty. Close finishes every session before it waits, so this
	// Add also happens before its Wait, as sync.WaitGroup requires.
	s.srv.wg.Add(1)
	s.closed.Store(true)
	if s.state == stateClosing && (reason == ReasonTransportClose || reason == ReasonTransportError) {
		// The server was closing the session (its close packet queued or
		// sent): the client hanging up in answer does not change why.
		reason = s.gracefulReasonLocked()
	}
	s.state = stateClosed
	s.queue, s.spare = nil, nil
	s.pongs = 0
	s.stopHeartbeatLocked()
	if s.closing != nil {
		s.closing.timer.Stop()
	}
	ws, probe := s.ws, s.probe
	if s.done != nil {
		close(s.done)
	}
	s.mu.Unlock()
	if hook := testHookFinishing.Load(); hook != nil {
		(*hook)(s)
	}
	s.srv.heartbeats.remove(s)
	if ws != nil {
		ws.close()
	}
	if probe != nil {
		probe.close()
	}
	s.srv.forget(s)
	s.srv.notifyClosed(s, reason)
	if log := s.srv.opts.Logger; log.Enabled(context.Background(), slog.LevelDebug) {
		log.Debug("engineio: session closed", "sid", s.id, "transport", s.Transport(), "reason", string(reason), "err", err)
	}
	// OnClose runs after any delivery in progress, on its own goroutine, so a
	// handler that closes its own session does not deadlock.
	go func() {
		defer s.srv.wg.Done()
		s.recvMu.Lock()
		defer s.recvMu.Unlock()
		s.srv.handler.OnClose(s, reason, err)
	}()
}

// onPacket handles one packet from the client, whatever the transport.
func (s *Session) onPacket(p codec.Packet) {
	if s.closed.Load() {
		return
	}
	switch p.Type {
	case codec.Message:
		s.srv.countIn(len(p.Data))
		s.recvMu.Lock()
		if !s.closed.Load() {
			s.srv.handler.OnMessage(s, p.Binary, p.Data)
		}
		s.recvMu.Unlock()
		if s.protocol == 3 {
			s.heartbeatReceived()
		}
	case codec.Ping:
		if s.protocol != 3 {
			s.finish(ReasonTransportError, errHeartbeatDirection)
			return
		}
		s.heartbeatReceived()
		s.mu.Lock()
		s.queuePongLocked()
		s.mu.Unlock()
	case codec.Pong:
		if s.protocol == 3 {
			s.finish(ReasonTransportError, errHeartbeatDirection)
			return
		}
		s.heartbeatReceived()
	case codec.Close:
		s.mu.Lock()
		if s.state != stateClosed {
			s.byClient = true
		}
		s.mu.Unlock()
		s.finish(ReasonTransportClose, nil)
	case codec.Noop, codec.Upgrade:
		// A noop carries nothing; a stray upgrade outside a probe is ignored,
		// as Node does.
	default:
		s.finish(ReasonParseError, errUnexpectedPacket)
	}
}
