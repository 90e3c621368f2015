package engineio

import (
	"errors"
	"io"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gosio/gosio/engineio/internal/codec"
)

// upgradeNoopDelay is how long a GET that arrives during an upgrade waits
// for the upgrade to complete before it is answered with a noop; Node's
// upgrade check answers such a GET within 100 ms.
const upgradeNoopDelay = 50 * time.Millisecond

var (
	errPollOverlap     = errors.New("engineio: overlapping polling requests")
	errPollAborted     = errors.New("engineio: poll connection closed prematurely")
	errPayloadTooLarge = errors.New("engineio: payload too large")
)

// servePoll answers a long-polling GET with everything queued, waiting until
// something is queued or the session ends.
func (s *Session) servePoll(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	if s.state == stateClosed || s.websocket {
		s.mu.Unlock()
		writeError(w, ErrBadRequest)
		return
	}
	if s.pollActive {
		s.mu.Unlock()
		writeError(w, ErrBadRequest)
		s.finish(ReasonTransportError, errPollOverlap)
		return
	}
	s.pollActive = true
	if s.pollArrived != nil {
		close(s.pollArrived) // a close waits for this GET
		s.pollArrived = nil
	}
	var batch []outPacket
	noop := false
	// A GET sent after the probe was answered may come from a client that
	// has sent its upgrade packet on the WebSocket already, where it may
	// not be read yet: it waits a moment for the upgrade to complete, so
	// that it gets 400 as the session's old transport, as with Node.
	var late <-chan time.Time
	if s.upgrading {
		t := time.NewTimer(upgradeNoopDelay)
		defer t.Stop()
		late = t.C
	}
	for {
		if s.state == stateClosed {
			// The session ended while this GET waited: tell the client
			// cleanly, as Node does, rather than with an error; a client
			// that closed it itself gets a noop, since it knows.
			s.pollActive = false
			typ := codec.Close
			if s.byClient {
				typ = codec.Noop
			}
			s.mu.Unlock()
			s.writePayload(w, r, []outPacket{{typ: typ}})
			return
		}
		if s.websocket && late != nil {
			s.pollActive = false
			s.mu.Unlock()
			writeError(w, ErrBadRequest)
			return
		}
		if s.websocket || (s.upgrading && len(s.queue) == 0 && late == nil) {
			// The client is moving to WebSocket: complete its poll so it can.
			noop = true
			break
		}
		if len(s.queue) > 0 && !s.byClient {
			batch = s.takeOwnedQueueLocked()
			if n := len(batch); n > 1 && batch[n-1].typ == codec.Close {
				// The close packet goes alone in the next response: some
				// clients handle a payload's packets on a later tick and
				// would see the close before the packets before it.
				s.queue = append(s.queue, batch[n-1])
				batch = batch[:n-1]
			}
			break
		}
		s.mu.Unlock()
		select {
		case <-s.pollWake:
		case <-late:
			late = nil // the upgrade has not completed: answer noop
		case <-s.done:
		case <-r.Context().Done():
			s.mu.Lock()
			s.pollActive = false
			s.mu.Unlock()
			s.finish(ReasonTransportError, errPollAborted)
			return
		}
		s.mu.Lock()
	}
	s.pollActive = false
	s.mu.Unlock()

	if noop {
		batch = []outPacket{{typ: codec.Noop}}
	}
	s.writePayload(w, r, batch)
	s.flushed(batch)
	s.recycleBatch(batch)
}

// maxRecycledBatch bounds the queue array a session keeps between polls, so
// that one burst does not pin a large array for the session's lifetime.
const maxRecycledBatch = 64

// recycleBatch gives a written batch's array back to the session as its
// empty queue, so the next Send does not allocate one: with sequential
// emits, every poll would otherwise cost a fresh array.
func (s *Session) recycleBatch(batch []outPacket) {
	if c := cap(batch); c == 0 || c > maxRecycledBatch {
		return
	}
	batch = batch[:cap(batch)]
	clear(batch) // the messages are written: let them go
	s.mu.Lock()
	if s.queue == nil && s.state != stateClosed {
		s.queue = batch[:0]
	}
	s.mu.Unlock()
}

// collectMaxBody is the largest POST body whose packets are collected in
// one pass; a larger one is decoded twice (see servePost).
const collectMaxBody = 16 << 10

// maxPooledPackets keeps a slice grown by a payload of many packets out of
// the pool.
const maxPooledPackets = 1024

// packetPool recycles the codec packet slices used to build and read payloads.
var packetPool = sync.Pool{New: func() any { s := make([]codec.Packet, 0, 16); return &s }}

// bodyPool recycles response body buffers: net/http copies what a handler
// writes before Write returns, so a body is garbage as soon as it is written.
var bodyPool = sync.Pool{New: func() any { b := make([]byte, 0, 512); return &b }}

// maxPooledBody keeps the rare huge payload's buffer out of the pool.
const maxPooledBody = 64 << 10

func getBody() *[]byte { return bodyPool.Get().(*[]byte) }

func putBody(bp *[]byte, b []byte) {
	if cap(b) <= maxPooledBody {
		*bp = b[:0]
		bodyPool.Put(bp)
	}
}

// Response header values, shared by every response: assigning them to the
// header map spares the one-element slice Header.Set allocates per call.
// net/http only reads them (its Clone copies values, Add appends to a full
// slice, which copies), so sharing is safe.
var (
	hdrTextPlain   = []string{"text/plain; charset=UTF-8"}
	hdrOctetStream = []string{"application/octet-stream"}
	hdrJavaScript  = []string{"text/javascript; charset=UTF-8"}
	hdrTextHTML    = []string{"text/html"}
	hdrNoStore     = []string{"no-store"}
)

// writePayload encodes batch as one polling payload in the client's format.
func (s *Session) writePayload(w http.ResponseWriter, r *http.Request, batch []outPacket) {
	pp := packetPool.Get().(*[]codec.Packet)
	pkts := (*pp)[:0]
	for i := range batch {
		p := &batch[i]
		if p.msg != nil {
			pkts = append(pkts, codec.Packet{Type: codec.Message, Binary: p.msg.binary, Data: p.msg.data})
		} else if p.raw == nil && p.typ != typeWSPong {
			pkts = append(pkts, codec.Packet{Type: p.typ, Data: p.data})
		}
	}
	contentType := hdrTextPlain
	bp := getBody()
	body := *bp
	if s.protocol == 3 {
		var binaryForm bool
		body, binaryForm = codec.AppendPayloadV3(body, pkts, s.supportsBinary)
		if binaryForm {
			contentType = hdrOctetStream
		}
	} else {
		body = codec.AppendPayloadV4(body, pkts)
	}
	clear(pkts)
	*pp = pkts[:0]
	packetPool.Put(pp)

	if s.jsonp != "" {
		jp := getBody()
		wrapped := codec.AppendJSONP(*jp, s.jsonp, body)
		putBody(bp, body)
		bp, body = jp, wrapped
		contentType = hdrJavaScript
	}
	h := w.Header()
	h["Content-Type"] = contentType
	h["Cache-Control"] = hdrNoStore
	s.srv.writeBody(w, r, body)
	putBody(bp, body)
}

// servePost reads a payload the client sent and delivers its packets.
func (s *Session) servePost(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	if s.state == stateClosed || s.websocket {
		s.mu.Unlock()
		writeError(w, ErrBadRequest)
		return
	}
	if s.postActive {
		s.mu.Unlock()
		writeError(w, ErrBadRequest)
		s.finish(ReasonTransportError, errPollOverlap)
		return
	}
	s.postActive = true
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		s.postActive = false
		s.mu.Unlock()
	}()

	limit := s.srv.opts.MaxHTTPBufferSize
	if s.jsonp != "" {
		limit = limit*2 + 16 // form encoding may double the size
	}
	if r.ContentLength > limit {
		s.rejectTooLarge(w)
		return
	}
	body, err := readBody(r, limit)
	if err != nil {
		writeError(w, ErrBadRequest)
		s.finish(ReasonTransportError, err)
		return
	}
	if int64(len(body)) > limit {
		s.rejectTooLarge(w)
		return
	}
	if s.jsonp != "" {
		if body, err = codec.DecodeJSONPBody(body); err != nil {
			writeError(w, ErrBadRequest)
			s.finish(ReasonParseError, err)
			return
		}
	}
	// A payload with a bad packet delivers nothing, so it is checked whole
	// before any packet is delivered. The usual small payload's packets are
	// collected as they are checked; a large one is decoded twice instead,
	// as its packets can take ten times its size (a 1 MB body of 3-byte
	// packets would make 333,333 of them).
	decode := codec.DecodePayloadV4
	if s.protocol == 3 {
		decode = codec.DecodePayloadV3
	}
	var pkts []codec.Packet
	if len(body) <= collectMaxBody {
		pp := packetPool.Get().(*[]codec.Packet)
		pkts = (*pp)[:0]
		err = decode(body, func(p codec.Packet) error { pkts = append(pkts, p); return nil })
		defer func() {
			clear(pkts) // their data belongs to the handler now
			if cap(pkts) <= maxPooledPackets {
				*pp = pkts[:0]
				packetPool.Put(pp)
			}
		}()
	} else {
		err = decode(body, func(codec.Packet) error { return nil })
	}
	if err != nil {
		writeError(w, ErrBadRequest)
		s.finish(ReasonParseError, err)
		return
	}
	if s.closed.Load() {
		// The session ended while the body was read: nothing is delivered,
		// and the client must not believe otherwise.
		writeError(w, ErrBadRequest)
		return
	}
	// Deliver, then answer, as Node does: the client sends its next POST
	// only after this one is answered, so packets of consecutive POSTs are
	// delivered in order and never overlap, and a handler that cannot keep
	// up slows the client down instead of piling up its messages.
	deliver := func(p codec.Packet) error {
		if p.Type == codec.Close {
			s.awaitPoll()
		}
		s.onPacket(p)
		return nil
	}
	if len(body) <= collectMaxBody {
		for _, p := range pkts {
			_ = deliver(p)
		}
	} else {
		_ = decode(body, deliver)
	}
	// No Content-Length: net/http computes it for a body this small
	// without allocating, and one header fewer is one fewer to copy and
	// write.
	w.Header()["Content-Type"] = hdrTextHTML
	_, _ = w.Write(okBody)
}

var okBody = []byte("ok")

// pollCloseGrace is how long a client's close packet waits for the GET the
// client may have sent with it, when none is waiting.
const pollCloseGrace = 50 * time.Millisecond

// awaitPoll runs before a close packet the client POSTed is handled: when
// no GET is waiting, it waits, at most pollCloseGrace, for one to arrive.
// A client that closes while polling sends its close with a GET pending,
// which gets a noop and must not get 400; both come on their own
// connections at about the same time, and the server may read the POST
// first.
func (s *Session) awaitPoll() {
	s.mu.Lock()
	if s.state == stateClosed {
		s.mu.Unlock()
		return
	}
	s.byClient = true // a GET that arrives now waits for the end
	if s.pollActive || s.websocket || s.done == nil {
		s.mu.Unlock()
		return
	}
	arrived := make(chan struct{})
	s.pollArrived = arrived
	s.mu.Unlock()
	t := time.NewTimer(pollCloseGrace)
	select {
	case <-arrived:
	case <-t.C:
	case <-s.done:
	}
	t.Stop()
	s.mu.Lock()
	if s.pollArrived == arrived {
		s.pollArrived = nil
	}
	s.mu.Unlock()
}

// readBody reads a POST body of at most limit bytes; a longer one is
// returned longer than limit. The body becomes message data the handler
// owns, so it is a fresh buffer. One of a small declared length is read
// into a buffer of exactly that size instead of one grown by doubling; a
// large one is still read as it arrives, so that a client declaring a
// large body it never sends makes the server hold no more than it sent.
func readBody(r *http.Request, limit int64) ([]byte, error) {
	if n := r.ContentLength; n >= 0 && n <= min(limit, exactReadMax) {
		body := make([]byte, n)
		if _, err := io.ReadFull(r.Body, body); err != nil {
			return nil, err
		}
		return body, nil
	}
	return io.ReadAll(io.LimitReader(r.Body, limit+1))
}

// exactReadMax is the largest declared body allocated before it arrives:
// the size of net/http's own read buffer per connection.
const exactReadMax = 4 << 10

func (s *Session) rejectTooLarge(w http.ResponseWriter) {
	w.Header().Set("Connection", "close")
	w.WriteHeader(http.StatusRequestEntityTooLarge)
	s.srv.count(func(st *Stats) *atomic.Uint64 { return &st.PayloadTooLarge })
	s.finish(ReasonTransportError, errPayloadTooLarge)
}

// writeBody writes a response body, compressed when the client accepts it
// and the body reaches the threshold.
func (srv *Server) writeBody(w http.ResponseWriter, r *http.Request, body []byte) {
	h := w.Header()
	if c := srv.opts.HTTPCompression; !c.Disable && len(body) >= c.Threshold {
		if enc := acceptedEncoding(r); enc != "" {
			if z, ok := compressBody(enc, body); ok {
				h.Set("Content-Encoding", enc)
				h.Add("Vary", "Accept-Encoding")
				body = z
			}
		}
	}
	if len(body) > autoContentLengthMax {
		h.Set("Content-Length", strconv.Itoa(len(body)))
	}
	_, _ = w.Write(body)
}

// autoContentLengthMax is the largest body left to net/http to frame: a
// handler that returns with less than its 2 KiB response buffer written
// gets a Content-Length computed without allocating, and one header fewer
// to copy and write. A larger body would be sent chunked, so it gets its
// length here.
const autoContentLengthMax = 1024
