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
	if p == nil {
		return dst, newErr(ErrInvalidPayload, "nil packet")
	}
	if !p.Type.Valid() {
		return dst, newErr(ErrUnknownType, "cannot encode type "+p.Type.String())
	}
	nsp := p.Namespace
	if nsp == "" {
		nsp = "/"
	}
	if err := checkNamespace(p.Type, nsp, p.Query); err != nil {
		return dst, err
	}

	data, atts, err := deconstructPayload(p.Data)
	if err != nil {
		return dst, err
	}
	var eb *encBuf
	var payload []byte
	switch d := data.(type) {
	case nil:
	case json.RawMessage:
		// Already encoded: written as is, but it must be JSON or the peer
		// would drop the whole connection.
		if valid, _ := validJSON(d); !valid {
			return dst, newErr(ErrInvalidPayload, "json.RawMessage payload is not valid JSON")
		}
		payload = d
	default:
		eb = encPool.Get().(*encBuf)
		eb.buf.Reset()
		if fast, ok := appendJSON(eb.buf.AvailableBuffer(), d, 0); ok {
			payload = fast
			break
		}
		if err := eb.enc.Encode(d); err != nil {
			putEncBuf(eb)
			return dst, wrapErr(ErrInvalidPayload, "cannot marshal payload", err)
		}
		payload = bytes.TrimSuffix(eb.buf.Bytes(), []byte{'\n'})
	}

	t := p.Type
	switch {
	case len(atts) > 0 && (t == Event || t == BinaryEvent):
		t = BinaryEvent
	case len(atts) > 0 && (t == Ack || t == BinaryAck):
		t = BinaryAck
	case len(atts) > 0:
		putEncBuf(eb)
		return dst, newErr(ErrInvalidPayload, "binary data is only allowed in EVENT and ACK packets")
	case t == BinaryEvent:
		t = Event
	case t == BinaryAck:
		t = Ack
	}
	if err := checkShape(t, payload, p.HasID); err != nil {
		putEncBuf(eb)
		return dst, err
	}

	// Build the text frame in one exactly sized allocation: the frame is
	// handed to the transport and must not alias the pooled buffer.
	size := 1 + len(payload)
	if len(atts) > 0 {
		size += 4
	}
	if nsp != "/" || p.Query != "" {
		size += len(nsp) + len(p.Query) + 2
	}
	if p.HasID {
		size += 20
	}
	b := make([]byte, 0, size)
	b = append(b, '0'+byte(t))
	if len(atts) > 0 {
		b = strconv.AppendInt(b, int64(len(atts)), 10)
		b = append(b, '-')
	}
	if nsp != "/" || p.Query != "" {
		b = append(b, nsp...)
		if p.Query != "" {
			b = append(b, '?')
			b = append(b, p.Query...)
		}
		b = append(b, ',')
	}
	if p.HasID {
		b = strconv.AppendUint(b, p.ID, 10)
	}
	b = append(b, payload...)
	putEncBuf(eb)

	dst = append(dst, Frame{Data: b})
	for _, a := range atts {
		dst = append(dst, Frame{Binary: true, Data: a})
	}
	return dst, nil
}

func putEncBuf(eb *encBuf) {
	if eb != nil && eb.buf.Cap() <= maxPooledBuf {
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
