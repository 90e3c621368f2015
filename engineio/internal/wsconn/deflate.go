package wsconn

import (
	"bytes"
	"compress/flate"
	"io"
	"sync"

	"github.com/gobwas/httphead"
	"github.com/gobwas/ws/wsflate"
)

// Deflate negotiates permessage-deflate (RFC 7692) during the upgrade. Plug
// its Negotiate method into ws.HTTPUpgrader (or ws.Upgrader) and ask Accepted
// after the upgrade:
//
//	var d wsconn.Deflate
//	u := ws.HTTPUpgrader{Negotiate: d.Negotiate}
//	conn, rw, _, err := u.Upgrade(r, w)
//	compress := err == nil && d.Accepted()
//
// Only the no-context-takeover variant is accepted (every message is
// compressed on its own, so no per-connection flate state is kept); the
// answer is "permessage-deflate;server_no_context_takeover;client_no_context_takeover"
// (gobwas omits the optional spaces). Offers that ask for a smaller server window
// (server_max_window_bits) or that are malformed are declined, not failed.
// Use one Deflate per upgrade; it is not safe for concurrent use.
type Deflate struct {
	ext wsflate.Extension
}

// Negotiate inspects one offered extension and returns the accepted
// permessage-deflate option, or a zero option to decline it. It never returns
// an error, so an odd offer does not fail the handshake.
func (d *Deflate) Negotiate(opt httphead.Option) (httphead.Option, error) {
	d.ext.Parameters = wsflate.Parameters{
		ServerNoContextTakeover: true,
		ClientNoContextTakeover: true,
	}
	accept, err := d.ext.Negotiate(opt)
	if err != nil {
		// RFC 7692 5: the server declines an offer with unknown or
		// invalid parameters; the connection itself is fine.
		return httphead.Option{}, nil
	}
	return accept, nil
}

// Accepted reports whether permessage-deflate was accepted by Negotiate; pass
// it as ReaderOptions.Compression and use AppendCompressedFrame for writes.
func (d *Deflate) Accepted() bool {
	_, ok := d.ext.Accepted()
	return ok
}

// deflateTail completes a received message for the inflater: the 00 00 ff ff
// that the sender removed (RFC 7692 7.2.2), followed by an empty final stored
// block so that the inflater ends with io.EOF.
var deflateTail = []byte{0x00, 0x00, 0xff, 0xff, 0x01, 0x00, 0x00, 0xff, 0xff}

// syncTail is the empty stored block a sync flush ends with; RFC 7692 7.2.1
// has the sender drop it.
var syncTail = []byte{0x00, 0x00, 0xff, 0xff}

// tailReader reads p then tail. It implements io.ByteReader so the flate
// reader does not wrap it in a 4 KiB bufio.Reader on every Reset.
type tailReader struct {
	p, tail []byte
}

func (t *tailReader) Read(b []byte) (int, error) {
	if len(t.p) == 0 {
		t.p, t.tail = t.tail, nil
		if len(t.p) == 0 {
			return 0, io.EOF
		}
	}
	n := copy(b, t.p)
	t.p = t.p[n:]
	return n, nil
}

func (t *tailReader) ReadByte() (byte, error) {
	if len(t.p) == 0 {
		t.p, t.tail = t.tail, nil
		if len(t.p) == 0 {
			return 0, io.EOF
		}
	}
	c := t.p[0]
	t.p = t.p[1:]
	return c, nil
}

// inflater is a pooled flate reader with its source; the decompressor holds
// a 32 KiB window, so it is only borrowed for compressed messages.
type inflater struct {
	src tailReader
	fr  io.ReadCloser
}

var inflaterPool = sync.Pool{New: func() any {
	inf := &inflater{}
	inf.fr = flate.NewReader(&inf.src)
	return inf
}}

// inflate decompresses one permessage-deflate message. The output is limited
// to limit bytes while inflating, so a small "deflate bomb" cannot make us
// allocate more than the message size limit.
func inflate(compressed []byte, limit int64) ([]byte, error) {
	inf := inflaterPool.Get().(*inflater)
	defer func() {
		inf.src = tailReader{} // do not keep the message alive in the pool
		inflaterPool.Put(inf)
	}()
	inf.src = tailReader{p: compressed, tail: deflateTail}
	err := inf.fr.(flate.Resetter).Reset(&inf.src, nil)
	if err != nil {
		return nil, err
	}

	lim := int(limit)
	out := make([]byte, 0, min(lim, 2*len(compressed)+64))
	for {
		if len(out) == cap(out) {
			if len(out) >= lim {
				// Full: one more byte of output means too big.
				var one [1]byte
				n, err := io.ReadFull(inf.fr, one[:])
				if n > 0 {
					return nil, ErrMessageTooBig
				}
				if err != io.EOF {
					return nil, invalidDataErr("invalid compressed data: " + err.Error())
				}
				return out, nil
			}
			// Grow only as output is produced, doubling.
			nb := make([]byte, len(out), len(out)+min(max(len(out), 512), lim-len(out)))
			copy(nb, out)
			out = nb
		}
		n, err := inf.fr.Read(out[len(out):cap(out)])
		out = out[:len(out)+n]
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, invalidDataErr("invalid compressed data: " + err.Error())
		}
	}
}

// appendWriter is an io.Writer appending to a byte slice.
type appendWriter struct{ buf []byte }

func (w *appendWriter) Write(p []byte) (int, error) {
	w.buf = append(w.buf, p...)
	return len(p), nil
}

// deflater is a pooled flate writer (hundreds of KiB of state) with its sink.
type deflater struct {
	out appendWriter
	fw  *flate.Writer
}

var deflaterPool = sync.Pool{New: func() any {
	d := &deflater{}
	// BestSpeed: realtime messages are small and latency matters more than
	// the last few percent of ratio. The error only reports a bad level.
	d.fw, _ = flate.NewWriter(&d.out, flate.BestSpeed)
	return d
}}

// AppendCompressedFrame appends a complete, unmasked data frame whose payload
// is payload compressed for permessage-deflate with no context takeover:
// raw deflate, sync-flushed, with the trailing 00 00 ff ff removed (RFC 7692
// 7.2.1), and RSV1 set. Like AppendFrame, the bytes can be shared between
// connections that negotiated compression. Safe for concurrent use.
// The error is non-nil only if the compressor fails, which it does not for
// in-memory output; dst is then returned unchanged.
func AppendCompressedFrame(dst []byte, text bool, payload []byte) ([]byte, error) {
	const room = 10 // largest server header; the header size depends on the compressed size
	start := len(dst)
	dst = append(dst, make([]byte, room)...)

	d := deflaterPool.Get().(*deflater)
	d.out.buf = dst
	d.fw.Reset(&d.out) // fresh dictionary: no context takeover
	_, err := d.fw.Write(payload)
	if err == nil {
		err = d.fw.Flush()
	}
	dst = d.out.buf
	d.out.buf = nil // do not keep the caller's buffer alive in the pool
	deflaterPool.Put(d)
	if err != nil {
		return dst[:start], err
	}

	body := start + room
	if bytes.HasSuffix(dst[body:], syncTail) {
		dst = dst[:len(dst)-len(syncTail)]
	}
	n := len(dst) - body
	hl := headerLen(n)
	copy(dst[start+hl:], dst[body:])
	AppendHeader(dst[:start], dataOp(text), true, n) // writes into the freed room
	return dst[:start+hl+n], nil
}
