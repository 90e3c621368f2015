package parser

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
	"sync"
)

// encBuf pairs a buffer with a json.Encoder writing into it. Pooled because
// json.Marshal would HTML-escape '<', '>' and '&' (harmless but wasteful and
// it would alter json.RawMessage arguments), and an Encoder lets us turn that off.
type encBuf struct {
	buf bytes.Buffer
	enc *json.Encoder
	// fast is appendJSON's output, kept so that its capacity is reused.
	fast []byte
}

var encPool = sync.Pool{New: func() any {
	b := new(encBuf)
	b.enc = json.NewEncoder(&b.buf)
	b.enc.SetEscapeHTML(false)
	return b
}}

// maxPooledBuf keeps huge one-off payloads from pinning memory in the pool.
const maxPooledBuf = 64 << 10

// Encode implements Codec.
func (c *jsonCodec) Encode(dst []Frame, p *Packet) ([]Frame, error) {
	e, err := prepareText(p)
	if err != nil {
		return dst, err
	}
	// Build the text frame in one exactly sized allocation: the frame is
	// handed to the transport and must not alias the pooled buffer.
	b := e.appendTo(make([]byte, 0, e.size()))
	e.done()
	dst = append(dst, Frame{Data: b})
	for _, a := range e.atts {
		dst = append(dst, Frame{Binary: true, Data: a})
	}
	return dst, nil
}

// AppendText implements TextAppender.
func (c *jsonCodec) AppendText(dst []byte, p Packet) ([]byte, bool, error) {
	e, err := prepareText(&p)
	if err != nil {
		return dst, false, err
	}
	ok := len(e.atts) == 0
	if ok {
		dst = e.appendTo(dst)
	}
	e.done()
	return dst, ok, nil
}

// textPacket is a packet checked and ready to be written as text.
type textPacket struct {
	t       Type
	nsp     string
	query   string
	id      uint64
	hasID   bool
	payload []byte
	atts    [][]byte
	eb      *encBuf // holds payload when it was marshalled; see done
}

// prepareText checks p and marshals its payload.
func prepareText(p *Packet) (textPacket, error) {
	if p == nil {
		return textPacket{}, newErr(ErrInvalidPayload, "nil packet")
	}
	if !p.Type.Valid() {
		return textPacket{}, newErr(ErrUnknownType, "cannot encode type "+p.Type.String())
	}
	e := textPacket{nsp: p.Namespace, query: p.Query, id: p.ID, hasID: p.HasID}
	if e.nsp == "" {
		e.nsp = "/"
	}
	if err := checkNamespace(p.Type, e.nsp, p.Query); err != nil {
		return textPacket{}, err
	}

	data, atts, err := deconstructPayload(p.Data)
	if err != nil {
		return textPacket{}, err
	}
	e.atts = atts
	switch d := data.(type) {
	case nil:
	case json.RawMessage:
		// Already encoded: written as is, but it must be JSON or the peer
		// would drop the whole connection.
		if valid, _ := validJSON(d); !valid {
			return textPacket{}, newErr(ErrInvalidPayload, "json.RawMessage payload is not valid JSON")
		}
		e.payload = d
	default:
		e.eb = encPool.Get().(*encBuf)
		e.eb.buf.Reset()
		fast, ok := appendJSON(e.eb.fast[:0], d, 0)
		e.eb.fast = fast // its capacity is kept even when it gives up
		if ok {
			e.payload = fast
			break
		}
		if err := e.eb.enc.Encode(d); err != nil {
			e.done()
			return textPacket{}, wrapErr(ErrInvalidPayload, "cannot marshal payload", err)
		}
		e.payload = bytes.TrimSuffix(e.eb.buf.Bytes(), []byte{'\n'})
	}

	e.t = p.Type
	switch {
	case len(atts) > 0 && (e.t == Event || e.t == BinaryEvent):
		e.t = BinaryEvent
	case len(atts) > 0 && (e.t == Ack || e.t == BinaryAck):
		e.t = BinaryAck
	case len(atts) > 0:
		e.done()
		return textPacket{}, newErr(ErrInvalidPayload, "binary data is only allowed in EVENT and ACK packets")
	case e.t == BinaryEvent:
		e.t = Event
	case e.t == BinaryAck:
		e.t = Ack
	}
	if err := checkShape(e.t, e.payload, p.HasID); err != nil {
		e.done()
		return textPacket{}, err
	}
	return e, nil
}

// size bounds the length of the text appendTo writes.
func (e *textPacket) size() int {
	n := 1 + len(e.payload)
	if len(e.atts) > 0 {
		n += 4
	}
	if e.nsp != "/" || e.query != "" {
		n += len(e.nsp) + len(e.query) + 2
	}
	if e.hasID {
		n += 20
	}
	return n
}

// appendTo appends the packet's text: type, attachment count, namespace,
// ack id, payload.
func (e *textPacket) appendTo(b []byte) []byte {
	b = append(b, '0'+byte(e.t))
	if len(e.atts) > 0 {
		b = strconv.AppendInt(b, int64(len(e.atts)), 10)
		b = append(b, '-')
	}
	if e.nsp != "/" || e.query != "" {
		b = append(b, e.nsp...)
		if e.query != "" {
			b = append(b, '?')
			b = append(b, e.query...)
		}
		b = append(b, ',')
	}
	if e.hasID {
		b = strconv.AppendUint(b, e.id, 10)
	}
	return append(b, e.payload...)
}

// done returns the marshalling buffer to its pool; payload is invalid after.
func (e *textPacket) done() {
	putEncBuf(e.eb)
	e.eb = nil
}

func putEncBuf(eb *encBuf) {
	if eb != nil && eb.buf.Cap() <= maxPooledBuf && cap(eb.fast) <= maxPooledBuf {
		encPool.Put(eb)
	}
}

// checkNamespace rejects namespaces (and v4 queries) the decoder could not
// read back unchanged.
func checkNamespace(t Type, nsp, query string) error {
	if nsp[0] != '/' || strings.IndexByte(nsp, ',') >= 0 {
		return newErr(ErrInvalidNamespace, "namespace must start with '/' and not contain ','")
	}
	if t == Connect && strings.IndexByte(nsp, '?') >= 0 {
		// The decoder splits a CONNECT namespace at '?' (protocol v4 query).
		return newErr(ErrInvalidNamespace, "CONNECT namespace must not contain '?'")
	}
	if query != "" && t != Connect {
		return newErr(ErrInvalidNamespace, "query is only allowed on CONNECT packets")
	}
	if strings.IndexByte(query, ',') >= 0 {
		return newErr(ErrInvalidNamespace, "query must not contain ','")
	}
	return nil
}
