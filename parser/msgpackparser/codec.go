package msgpackparser

import (
	"fmt"
	"sync"

	"github.com/gosio/gosio/internal/msgpack"
	"github.com/gosio/gosio/parser"
)

// Options configures the codec.
type Options struct {
	// MaxDepth caps how deeply arrays and maps may nest in a received
	// packet, so a hostile client cannot make decoding recurse deeply.
	// 0 (or negative) means parser.DefaultMaxDepth.
	MaxDepth int
}

// Codec is the msgpack parser. It is safe for concurrent use.
type Codec struct{ maxDepth int }

var _ parser.Codec = (*Codec)(nil)

// New returns the codec. opts may be nil for defaults.
func New(opts *Options) *Codec {
	c := &Codec{maxDepth: parser.DefaultMaxDepth}
	if opts != nil && opts.MaxDepth > 0 {
		c.maxDepth = opts.MaxDepth
	}
	return c
}

// Packet keys, encoded.
var (
	keyType = msgpack.AppendString(nil, "type")
	keyData = msgpack.AppendString(nil, "data")
	keyNsp  = msgpack.AppendString(nil, "nsp")
	keyID   = msgpack.AppendString(nil, "id")
)

// Encode implements parser.Codec: the packet becomes one binary message,
// a map with Node's keys in Node's order (id, type, data, nsp for an ACK;
// type, data, id, nsp for an EVENT; type, data, nsp otherwise). A key with
// nothing to carry is left out, never written as nil: the client rejects
// an id or a DISCONNECT data that is nil.
func (c *Codec) Encode(dst []parser.Frame, p *parser.Packet) ([]parser.Frame, error) {
	typ := p.Type
	switch typ {
	case parser.BinaryEvent:
		typ = parser.Event // binary travels inside the packet
	case parser.BinaryAck:
		typ = parser.Ack
	}
	if !typ.Valid() {
		return dst, fmt.Errorf("%w: %d", parser.ErrUnknownType, p.Type)
	}
	if typ == parser.Ack && !p.HasID {
		return dst, fmt.Errorf("%w: an ACK needs an id", parser.ErrInvalidAckID)
	}
	nsp := p.Namespace
	if nsp == "" {
		nsp = "/"
	}
	hasData := p.Data != nil && typ != parser.Disconnect
	hasID := p.HasID && (typ == parser.Event || typ == parser.Ack)
	n := 2
	if hasData {
		n++
	}
	if hasID {
		n++
	}
	sb := scratch.Get().(*scratchBuf)
	defer scratch.Put(sb)
	b := append(sb.b[:0], 0x80|byte(n))
	if hasID && typ == parser.Ack {
		b = msgpack.AppendUint(append(b, keyID...), p.ID)
	}
	b = append(append(b, keyType...), byte(typ))
	if hasData {
		var err error
		if b, err = appendValue(append(b, keyData...), p.Data, 0); err != nil {
			return dst, err
		}
	}
	if hasID && typ == parser.Event {
		b = msgpack.AppendUint(append(b, keyID...), p.ID)
	}
	b = msgpack.AppendString(append(b, keyNsp...), nsp)
	if cap(b) <= maxScratch {
		sb.b = b
	}
	// The message is kept until sent: exactly its size, in one allocation.
	return append(dst, parser.Frame{Binary: true, Data: append([]byte(nil), b...)}), nil
}

// scratchBuf is where Encode writes a packet before copying it out.
type scratchBuf struct{ b []byte }

var scratch = sync.Pool{New: func() any { return &scratchBuf{b: make([]byte, 0, 1024)} }}

// maxScratch keeps a huge packet's buffer out of the pool.
const maxScratch = 64 << 10

// NewDecoder implements parser.Codec.
func (c *Codec) NewDecoder() parser.Decoder { return &decoder{maxDepth: c.maxDepth} }

// decoder reads packets: each is one binary message. It holds no state
// between messages.
type decoder struct{ maxDepth int }

// Reset implements parser.Decoder.
func (d *decoder) Reset() {}

// Add implements parser.Decoder. Keys other than type, nsp, data and id
// (socket.io-client adds options) are ignored; a key holding undefined is
// taken as absent, as in JavaScript.
func (d *decoder) Add(binary bool, data []byte) (*parser.Packet, error) {
	if !binary {
		return nil, fmt.Errorf("%w: a text message (is the client using the JSON parser?)", parser.ErrUnexpectedText)
	}
	end, err := skip(data, 0, 0, d.maxDepth+1) // the packet map is one level more
	if err != nil {
		return nil, err
	}
	if end != len(data) {
		return nil, fmt.Errorf("%w: %d trailing bytes", parser.ErrInvalidPayload, len(data)-end)
	}
	top, off, _ := readToken(data, 0)
	if top.kind != kMap {
		return nil, fmt.Errorf("%w: a packet is a map, not %s", parser.ErrInvalidPayload, top.kind)
	}
	// The packet and its data value in one allocation.
	pv := new(struct {
		p parser.Packet
		v value
	})
	p := &pv.p
	var hasType, hasNsp bool
	var payload []byte
	for range top.n {
		k, next, _ := readToken(data, off)
		valEnd, _ := skip(data, next, 0, d.maxDepth+1)
		v, _, _ := readToken(data, next)
		off = valEnd
		if k.kind != kStr || v.kind == kUndefined {
			continue
		}
		switch string(k.data) {
		case "type":
			t, ok := asUint(v)
			if !ok || t > uint64(parser.ConnectError) { // an integral float is an integer in JavaScript
				return nil, fmt.Errorf("%w: %s", parser.ErrUnknownType, describe(v))
			}
			p.Type, hasType = parser.Type(t), true
		case "nsp":
			if v.kind != kStr || len(v.data) == 0 || v.data[0] != '/' {
				return nil, fmt.Errorf("%w: %s", parser.ErrInvalidNamespace, describe(v))
			}
			p.Namespace, hasNsp = string(v.data), true
		case "data":
			payload = data[next:valEnd:valEnd]
		case "id":
			id, ok := asUint(v)
			if !ok {
				return nil, fmt.Errorf("%w: %s", parser.ErrInvalidAckID, describe(v))
			}
			p.ID, p.HasID = id, true
		}
	}
	if !hasType {
		return nil, fmt.Errorf("%w: no type", parser.ErrUnknownType)
	}
	if p.Type != parser.Event && p.Type != parser.Ack {
		p.ID, p.HasID = 0, false // valid, and meaningless, as in Node
	}
	if !hasNsp {
		return nil, fmt.Errorf("%w: no nsp", parser.ErrInvalidNamespace)
	}
	var kind kind = kUndefined
	if payload != nil {
		t, _, _ := readToken(payload, 0)
		kind = t.kind
	}
	ok := false
	switch p.Type {
	case parser.Connect:
		ok = kind == kUndefined || kind == kMap
	case parser.Disconnect:
		ok = kind == kUndefined
	case parser.ConnectError:
		ok = kind == kStr || kind == kMap
	case parser.Event, parser.Ack:
		ok = kind == kArray
	}
	if !ok {
		return nil, fmt.Errorf("%w: %s data in a %s", parser.ErrInvalidPayload, kind, p.Type)
	}
	if p.Type == parser.Ack && !p.HasID {
		return nil, fmt.Errorf("%w: an ACK needs an id", parser.ErrInvalidAckID)
	}
	if payload != nil {
		pv.v.raw = payload
		p.Data = &pv.v
	}
	return p, nil
}
