package engineio

import (
	"errors"
	"io"
	"net/http"
	"strconv"
	"sync"

	"github.com/gosio/gosio/engineio/internal/codec"
)

var (
	errPollOverlap     = errors.New("engineio: overlapping polling requests")
	errPollAborted     = errors.New("engineio: poll connection closed prematurely")
	errPayloadTooLarge = errors.New("engineio: payload too large")
)

// servePoll answers a long-polling GET with everything queued, waiting until
// something is queued or the session ends.
func (s *Session) servePoll(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	if s.state == stateClosed || s.transport != TransportPolling {
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
	var batch []outPacket
	noop := false
	for {
		if s.state == stateClosed {
			// The session ended while this GET waited: tell the client
			// cleanly, as Node does, rather than with an error.
			s.pollActive = false
			s.mu.Unlock()
			s.writePayload(w, r, []outPacket{{typ: codec.Close}})
			return
		}
		if s.transport != TransportPolling || (s.upgrading && len(s.queue) == 0) {
			// The client is moving to WebSocket: complete its poll so it can.
			noop = true
			break
		}
		if len(s.queue) > 0 {
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
}

// packetPool recycles the codec packet slices used to build payloads.
var packetPool = sync.Pool{New: func() any { s := make([]codec.Packet, 0, 16); return &s }}

// writePayload encodes batch as one polling payload in the client's format.
func (s *Session) writePayload(w http.ResponseWriter, r *http.Request, batch []outPacket) {
	pp := packetPool.Get().(*[]codec.Packet)
	pkts := (*pp)[:0]
	for i := range batch {
		p := &batch[i]
		if p.msg != nil {
			pkts = append(pkts, codec.Packet{Type: codec.Message, Binary: p.msg.binary, Data: p.msg.data})
		} else if p.raw == nil {
			pkts = append(pkts, codec.Packet{Type: p.typ, Data: p.data})
		}
	}
	contentType := "text/plain; charset=UTF-8"
	var body []byte
	if s.protocol == 3 {
		var binaryForm bool
		body, binaryForm = codec.AppendPayloadV3(nil, pkts, s.supportsBinary)
		if binaryForm {
			contentType = "application/octet-stream"
		}
	} else {
		body = codec.AppendPayloadV4(nil, pkts)
	}
	clear(pkts)
	*pp = pkts[:0]
	packetPool.Put(pp)

	if s.jsonp != "" {
		body = codec.AppendJSONP(nil, s.jsonp, body)
		contentType = "text/javascript; charset=UTF-8"
	}
	h := w.Header()
	h.Set("Content-Type", contentType)
	h.Set("Cache-Control", "no-store")
	s.srv.writeBody(w, r, body)
}

// servePost reads a payload the client sent and delivers its packets.
func (s *Session) servePost(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	if s.state == stateClosed || s.transport != TransportPolling {
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
	body, err := io.ReadAll(io.LimitReader(r.Body, limit+1))
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
	var pkts []codec.Packet
	collect := func(p codec.Packet) error { pkts = append(pkts, p); return nil }
	if s.protocol == 3 {
		err = codec.DecodePayloadV3(body, collect)
	} else {
		err = codec.DecodePayloadV4(body, collect)
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
	for _, p := range pkts {
		s.onPacket(p)
	}
	h := w.Header()
	h.Set("Content-Type", "text/html")
	h.Set("Content-Length", "2")
	_, _ = io.WriteString(w, "ok")
}

func (s *Session) rejectTooLarge(w http.ResponseWriter) {
	w.Header().Set("Connection", "close")
	w.WriteHeader(http.StatusRequestEntityTooLarge)
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
	h.Set("Content-Length", strconv.Itoa(len(body)))
	_, _ = w.Write(body)
}
