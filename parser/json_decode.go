package parser

import (
	"bytes"
	"math"
	"sync"
)

// jsonDecoder implements Decoder for the JSON codec.
type jsonDecoder struct {
	maxAttachments int
	maxDepth       int
	pending        *decoded    // binary packet waiting for its attachments
	bin            *binPayload // its attachment state
	want           int         // announced attachment count

	// last is the packet Add returned last, until Recycle hands it back.
	last *decoded
}

// decodedPool holds packets handed back by Recycle. It is shared rather
// than kept per decoder so that an idle connection holds none.
var decodedPool = sync.Pool{New: func() any { return new(decoded) }}

// decoded bundles a packet with its payload value so that decoding a
// packet costs a single allocation for both.
type decoded struct {
	p Packet
	v jsonValue
}

// Reset implements Decoder.
func (d *jsonDecoder) Reset() {
	d.pending, d.bin, d.want = nil, nil, 0
}

// Add implements Decoder.
func (d *jsonDecoder) Add(binary bool, data []byte) (*Packet, error) {
	if d.pending != nil {
		if !binary {
			d.Reset()
			return nil, newErr(ErrUnexpectedText, "text message while waiting for attachments")
		}
		d.bin.atts = append(d.bin.atts, data)
		if len(d.bin.atts) < d.want {
			return nil, nil
		}
		dec := d.pending
		dec.p.Attachments = d.bin.atts
		d.Reset()
		d.last = dec
		return &dec.p, nil
	}
	if binary {
		return nil, newErr(ErrUnexpectedBinary, "binary message without a pending binary packet")
	}
	dec, n, err := d.decodeText(data)
	if err != nil {
		return nil, err
	}
	if n == 0 {
		d.last = dec
		return &dec.p, nil
	}
	d.pending = dec
	d.bin = dec.v.bin
	d.want = n
	return nil, nil
}

// Recycle implements Recycler.
func (d *jsonDecoder) Recycle(p *Packet) {
	if d.last != nil && p == &d.last.p {
		dec := d.last
		d.last = nil
		*dec = decoded{} // drops its references to the message
		decodedPool.Put(dec)
	}
}

// decodeText parses `<type>[<n>-][<nsp>,][<id>][<json>]` and returns the
// packet and its announced attachment count.
func (d *jsonDecoder) decodeText(data []byte) (*decoded, int, error) {
	if len(data) == 0 {
		return nil, 0, newErr(ErrUnknownType, "empty packet")
	}
	if data[0] < '0' || data[0] > '0'+byte(BinaryAck) {
		return nil, 0, newErr(ErrUnknownType, "type digit must be 0-6")
	}
	dec := decodedPool.Get().(*decoded)
	dec.p = Packet{Type: Type(data[0] - '0'), Namespace: "/"}
	p := &dec.p
	i := 1

	// Attachment count: only for binary types, mandatory, "<digits>-".
	n := 0
	if p.Type.isBinary() {
		start := i
		for i < len(data) && isDigit(data[i]) {
			n = n*10 + int(data[i]-'0')
			if n > d.maxAttachments {
				return nil, 0, newErr(ErrTooManyAttachments, "attachment count exceeds the limit")
			}
			i++
		}
		if i == start || i >= len(data) || data[i] != '-' {
			return nil, 0, newErr(ErrInvalidAttachments, "malformed attachment count")
		}
		if n == 0 {
			// A binary packet must carry binary; the reference parser rejects it too.
			return nil, 0, newErr(ErrInvalidAttachments, "binary packet without attachments")
		}
		i++
	}

	// Namespace: "/..." up to ',' (or the end, as the reference parser allows).
	if i < len(data) && data[i] == '/' {
		start := i
		end := bytes.IndexByte(data[i:], ',')
		if end < 0 {
			i = len(data)
		} else {
			i += end
		}
		nsp := data[start:i]
		if i < len(data) {
			i++ // skip ','
		}
		if p.Type == Connect {
			// Protocol v4 (socket.io-client 2.x) appends the query to the
			// namespace of CONNECT packets: "/admin?token=abc".
			if q := bytes.IndexByte(nsp, '?'); q >= 0 {
				p.Query = string(nsp[q+1:])
				nsp = nsp[:q]
			}
		}
		if len(nsp) > 1 {
			p.Namespace = string(nsp)
		}
	}

	// Ack id.
	if i < len(data) && isDigit(data[i]) {
		var id uint64
		for i < len(data) && isDigit(data[i]) {
			c := uint64(data[i] - '0')
			if id > (math.MaxUint64-c)/10 {
				return nil, 0, newErr(ErrInvalidAckID, "ack id overflows uint64")
			}
			id = id*10 + c
			i++
		}
		p.ID, p.HasID = id, true
	}

	payload := data[i:]
	if tooDeep(payload, d.maxDepth) {
		return nil, 0, newErr(ErrInvalidPayload, "payload nested too deeply")
	}
	if valid, _ := validJSON(payload); len(payload) > 0 && !valid {
		return nil, 0, newErr(ErrInvalidPayload, "payload is not valid JSON")
	}
	if err := checkShape(p.Type, payload, p.HasID); err != nil {
		return nil, 0, err
	}
	if len(payload) == 0 {
		return dec, 0, nil
	}
	dec.v.raw = payload
	p.Data = &dec.v
	if n > 0 {
		spans, err := findPlaceholders(payload, n)
		if err != nil {
			return nil, 0, err
		}
		dec.v.bin = &binPayload{atts: make([][]byte, 0, n), spans: spans}
	}
	return dec, n, nil
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// checkShape validates the payload (valid JSON or empty) against the packet
// type. It is shared by the decoder and the encoder so that everything the
// encoder produces is accepted by the decoder.
func checkShape(t Type, payload []byte, hasID bool) error {
	c := firstByte(payload)
	switch t {
	case Connect:
		if c != 0 && c != '{' {
			return newErr(ErrInvalidPayload, "CONNECT payload must be an object")
		}
	case Disconnect:
		if c != 0 {
			return newErr(ErrInvalidPayload, "DISCONNECT has no payload")
		}
	case Event, BinaryEvent:
		if c != '[' {
			return newErr(ErrInvalidPayload, "EVENT payload must be an array")
		}
		i := skipSpace(payload, skipSpace(payload, 0)+1)
		if i >= len(payload) || payload[i] != '"' {
			return newErr(ErrInvalidPayload, "EVENT payload must start with the event name")
		}
	case Ack, BinaryAck:
		if !hasID {
			return newErr(ErrInvalidAckID, "ACK without ack id")
		}
		if c != '[' {
			return newErr(ErrInvalidPayload, "ACK payload must be an array")
		}
	case ConnectError:
		if c != '{' && c != '"' {
			return newErr(ErrInvalidPayload, "CONNECT_ERROR payload must be an object or a string")
		}
	default:
		return newErr(ErrUnknownType, "unknown packet type")
	}
	return nil
}
