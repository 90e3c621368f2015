package wsconn

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"sync"
	"unicode/utf8"

	"github.com/gobwas/ws"
)

// DefaultMaxMessageSize is the message size limit used when
// ReaderOptions.MaxMessageSize is 0.
const DefaultMaxMessageSize = 1_000_000

// readChunk bounds how much payload buffer is allocated ahead of the bytes
// that actually arrived: the frame length is declared by the peer, so
// trusting it would let a client make us allocate MaxMessageSize per
// connection by sending a header alone.
const readChunk = 32 << 10

// ReaderOptions configures a Reader.
type ReaderOptions struct {
	// MaxMessageSize limits the total payload bytes of one message, summed
	// over its fragments and measured after decompression. 0 means
	// DefaultMaxMessageSize.
	MaxMessageSize int64
	// Compression reports that permessage-deflate was negotiated: RSV1 on
	// the first frame of a message then means the message is compressed.
	// Without it any RSV bit is a protocol error.
	Compression bool
	// OnPing is told, from the ReadMessage goroutine, the payload of each
	// ping control frame; it should queue a pong with the same payload
	// (AppendControlFrame(dst, ws.OpPong, payload)). The payload is a copy
	// it may keep. Nil ignores pings.
	OnPing PingHandler
}

// PingHandler answers pings. An interface rather than a func, so that a
// connection can be its own handler without a closure per connection.
type PingHandler interface {
	OnPing(payload []byte)
}

// PingFunc is a func as a PingHandler.
type PingFunc func(payload []byte)

// OnPing calls f.
func (f PingFunc) OnPing(payload []byte) { f(payload) }

// Reader reads client messages from one server-side connection. It is not
// safe for concurrent use: one goroutine reads. Once ReadMessage returned an
// error, the stream position is unknown and every later call returns the same
// error.
//
// An idle Reader holds no buffer; payload buffers are allocated per message.
type Reader struct {
	src         io.Reader
	max         int64
	compression bool
	onPing      PingHandler
	err         error // sticky error, see ReadMessage

	// scratch is held only during ReadMessage, so that the many idle
	// connections of a server do not each keep one.
	scratch *scratch
}

type scratch struct {
	hdr  [ws.MaxHeaderSize]byte              // frame header
	ctrl [ws.MaxControlFramePayloadSize]byte // control frame payload
}

var scratchPool = sync.Pool{New: func() any { return new(scratch) }}

// NewReader returns a Reader reading frames from r. Every frame header is read
// with one or two small reads, so r should be buffered (a small
// bufio.Reader, e.g. the one returned by the upgrade) when the connection is
// a raw net.Conn.
func NewReader(r io.Reader, opts ReaderOptions) *Reader {
	rd := new(Reader)
	rd.Init(r, opts)
	return rd
}

// Init makes r a Reader of src, as NewReader does; for a Reader embedded in
// a larger struct.
func (r *Reader) Init(src io.Reader, opts ReaderOptions) {
	limit := opts.MaxMessageSize
	if limit <= 0 {
		limit = DefaultMaxMessageSize
	}
	// Buffers are indexed with int; also keeps limit arithmetic from
	// overflowing.
	limit = min(limit, math.MaxInt/2)
	*r = Reader{
		src:         src,
		max:         limit,
		compression: opts.Compression,
		onPing:      opts.OnPing,
	}
}

// ReadMessage reads the next complete data message, reassembling fragments
// and handling the control frames in between: pings go to OnPing, pongs are
// ignored, a close frame ends reading with a *CloseError. text is true for a
// text message. payload is newly allocated (decompressed if needed) and owned
// by the caller.
//
// Errors: *CloseError (client closed), ErrMessageTooBig, *ProtocolError (see
// CloseStatus for the close code to answer with), or the io error of the
// underlying reader as is (io.EOF between messages, io.ErrUnexpectedEOF
// inside one).
func (r *Reader) ReadMessage() (text bool, payload []byte, err error) {
	if r.err != nil {
		return false, nil, r.err
	}
	r.scratch = scratchPool.Get().(*scratch)
	text, payload, err = r.readMessage()
	scratchPool.Put(r.scratch)
	r.scratch = nil
	if err != nil {
		r.err = err
		return false, nil, err
	}
	return text, payload, nil
}

func (r *Reader) readMessage() (bool, []byte, error) {
	var (
		buf        []byte
		started    bool // a data frame without FIN was read
		text       bool
		compressed bool
		validated  int // bytes of buf known to be valid UTF-8
	)
	for {
		h, err := r.readHeader(started)
		if err != nil {
			return false, nil, err
		}
		if h.OpCode.IsControl() {
			err = r.control(h)
			if err != nil {
				return false, nil, err
			}
			continue
		}
		switch {
		case h.OpCode == ws.OpContinuation && !started:
			return false, nil, protocolErr("continuation frame without a message start")
		case h.OpCode != ws.OpContinuation && started:
			return false, nil, protocolErr("new data frame while a fragmented message is in progress")
		case h.OpCode != ws.OpContinuation:
			started = true
			text = h.OpCode == ws.OpText
			compressed = h.Rsv1()
		}

		limit := r.max
		if compressed {
			limit = compressedLimit(r.max)
		}
		if h.Length > limit-int64(len(buf)) {
			return false, nil, ErrMessageTooBig
		}
		start := len(buf)
		buf, err = readAppend(r.src, buf, int(h.Length), int(limit))
		if err != nil {
			return false, nil, unexpectedEOF(err)
		}
		ws.Cipher(buf[start:], h.Mask, 0)

		if text && !compressed {
			n, ok := validUTF8Prefix(buf[validated:], h.Fin)
			if !ok {
				return false, nil, invalidDataErr("invalid UTF-8 in text message")
			}
			validated += n
		}
		if !h.Fin {
			continue
		}
		if compressed {
			buf, err = inflate(buf, r.max)
			if err != nil {
				return false, nil, err
			}
			if text && !utf8.Valid(buf) {
				return false, nil, invalidDataErr("invalid UTF-8 in text message")
			}
		}
		if buf == nil {
			buf = []byte{} // empty message: non-nil, no allocation
		}
		return text, buf, nil
	}
}

// compressedLimit bounds the wire size of a compressed message whose
// inflated size is limited to limit. Deflate can expand incompressible data
// by a few bytes per stored block (5 bytes per 64 KiB), so the wire limit
// gets a little slack; the real limit is applied while inflating.
func compressedLimit(limit int64) int64 {
	return limit + limit/4096 + 64
}

// readHeader reads and validates one client frame header. Checks that only
// need the first two bytes run before reading the rest, so a bad frame fails
// without waiting for more input. inMessage turns a clean io.EOF into
// io.ErrUnexpectedEOF.
func (r *Reader) readHeader(inMessage bool) (h ws.Header, err error) {
	b := r.scratch.hdr[:2]
	_, err = io.ReadFull(r.src, b)
	if err != nil {
		if inMessage {
			err = unexpectedEOF(err)
		}
		return h, err
	}
	h.Fin = b[0]&0x80 != 0
	h.Rsv = (b[0] >> 4) & 0x07
	h.OpCode = ws.OpCode(b[0] & 0x0f)
	h.Masked = b[1]&0x80 != 0
	length := b[1] & 0x7f

	switch {
	case h.OpCode.IsReserved():
		return h, protocolErr(fmt.Sprintf("unknown opcode %#x", byte(h.OpCode)))
	case !h.Masked:
		// RFC 6455 5.1: the server MUST close the connection upon
		// receiving a frame that is not masked.
		return h, protocolErr("unmasked client frame")
	case h.Rsv != 0 && !(r.compression && h.Rsv == ws.Rsv(true, false, false) && h.OpCode.IsData() && h.OpCode != ws.OpContinuation):
		// RFC 7692 6: only RSV1, only with permessage-deflate and only on
		// the first frame of a data message.
		return h, protocolErr("reserved bits set")
	case h.OpCode.IsControl() && length > ws.MaxControlFramePayloadSize:
		return h, protocolErr("control frame payload longer than 125 bytes")
	case h.OpCode.IsControl() && !h.Fin:
		return h, protocolErr("fragmented control frame")
	}

	extra := 4 // mask
	switch length {
	case 126:
		extra += 2
	case 127:
		extra += 8
	}
	b = r.scratch.hdr[2 : 2+extra]
	_, err = io.ReadFull(r.src, b)
	if err != nil {
		return h, unexpectedEOF(err)
	}
	switch length {
	case 126:
		h.Length = int64(binary.BigEndian.Uint16(b))
		b = b[2:]
	case 127:
		l := binary.BigEndian.Uint64(b)
		if l > math.MaxInt64 {
			return h, protocolErr("most significant bit of 64-bit payload length set")
		}
		h.Length = int64(l)
		b = b[8:]
	default:
		h.Length = int64(length)
	}
	copy(h.Mask[:], b)
	return h, nil
}

// control reads the payload of a control frame and handles it.
func (r *Reader) control(h ws.Header) error {
	p := r.scratch.ctrl[:h.Length] // readHeader checked Length <= 125
	_, err := io.ReadFull(r.src, p)
	if err != nil {
		return unexpectedEOF(err)
	}
	ws.Cipher(p, h.Mask, 0)
	switch h.OpCode {
	case ws.OpPing:
		if r.onPing != nil {
			r.onPing.OnPing(bytes.Clone(p))
		}
	case ws.OpClose:
		return parseClose(p)
	}
	return nil // pong: nothing to do, we do not send unsolicited pings at this level
}

// parseClose validates a close frame payload (RFC 6455 5.5.1, 7.4) and
// returns the *CloseError or *ProtocolError that ends reading.
func parseClose(p []byte) error {
	switch len(p) {
	case 0:
		return &CloseError{Code: ws.StatusNoStatusRcvd}
	case 1:
		return protocolErr("close frame payload of 1 byte")
	}
	code := ws.StatusCode(binary.BigEndian.Uint16(p))
	reason := p[2:]
	// CheckCloseFrameData accepts codes >= 5000, which RFC 6455 7.4.2 does
	// not define, so they are rejected here.
	if code >= 5000 || ws.CheckCloseFrameData(code, "") != nil {
		return protocolErr(fmt.Sprintf("invalid close code %d", code))
	}
	if !utf8.Valid(reason) {
		return invalidDataErr("invalid UTF-8 in close reason")
	}
	return &CloseError{Code: code, Reason: string(reason)}
}

// readAppend appends exactly n bytes from r to buf. The buffer grows as data
// arrives (at most readChunk, or doubling, ahead of what was read) and never
// beyond limit bytes of capacity, instead of trusting the peer-declared n.
func readAppend(r io.Reader, buf []byte, n, limit int) ([]byte, error) {
	for n > 0 {
		if len(buf) == cap(buf) {
			// Doubling keeps fragmented messages linear; a small single
			// frame gets an exactly sized buffer.
			grow := min(max(len(buf), min(n, readChunk)), limit-len(buf))
			nb := make([]byte, len(buf), len(buf)+grow)
			copy(nb, buf)
			buf = nb
		}
		m := min(n, cap(buf)-len(buf))
		k, err := io.ReadFull(r, buf[len(buf):len(buf)+m])
		buf = buf[:len(buf)+k]
		n -= k
		if err != nil {
			return buf, err
		}
	}
	return buf, nil
}

// unexpectedEOF converts io.EOF in the middle of a frame or message into
// io.ErrUnexpectedEOF, so only a clean end between messages reads as io.EOF.
func unexpectedEOF(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}
