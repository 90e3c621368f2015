package parser

// RawValue is an undecoded payload value produced by a Decoder, codec-independent
// for the layers above.
type RawValue interface {
	// Unmarshal decodes the value into v (a pointer), resolving attachment
	// placeholders: into a []byte target (also nested struct fields / slice
	// elements of type []byte) the attachment bytes arrive; into an `any`
	// target placeholders become []byte values.
	Unmarshal(v any) error
	// Elems splits a JSON array value into its elements (for events: elems[0]
	// is the name). Error if not an array.
	Elems() ([]RawValue, error)
	// String returns the value if it is a JSON string (event names), ok=false otherwise.
	String() (string, bool)
	// Raw returns the encoded bytes (JSON text for the default codec,
	// placeholders NOT resolved). The caller must not modify them.
	Raw() []byte
}

// RawValuer is implemented by types that carry a received RawValue, such
// as socketio.RawArg. Encoders write the value carried, as they write a
// RawValue: the JSON codec as a Node server relaying it would
// (JSON.stringify(JSON.parse(text)): object key order kept, numbers and
// strings spelt as JavaScript spells them), its attachments still binary.
// A nil RawValue is written as null.
type RawValuer interface {
	RawValue() RawValue
}

// Codec is the pluggable packet codec (JSON by default; parser/msgpackparser
// is the msgpack one). A Codec is safe for concurrent use.
type Codec interface {
	// Encode appends the engine messages carrying p to dst and returns it.
	// The first is the packet itself, followed by one binary Frame per
	// attachment. Binary frames reference the caller's []byte values (no
	// copy), so they must not be modified until sent. On error dst is
	// returned unchanged and the error wraps ErrInvalidPacket.
	Encode(dst []Frame, p *Packet) ([]Frame, error)
	// NewDecoder returns a decoder for one connection (it holds
	// attachment-reassembly state).
	NewDecoder() Decoder
}

// TextAppender is implemented by codecs that can write a packet without
// binary attachments as one text message into the caller's buffer. Servers
// use it where a packet goes to one connection at once (an ack), to save
// Encode's allocations.
type TextAppender interface {
	// AppendText appends the text message carrying p to dst. ok is false,
	// with dst unchanged, when p needs binary frames (use Encode then). Errors
	// are those of Encode.
	// p is taken by value, so that a caller's packet can stay on its stack.
	AppendText(dst []byte, p Packet) (out []byte, ok bool, err error)
}

// Recycler is implemented by decoders that can reuse a packet's memory for
// a later one. A caller done with the packet Add returned last hands it back
// with Recycle, before the next Add; it must then keep neither the packet
// nor its Data value (values obtained from Data, such as its Elems, stay
// valid). A packet that is not handed back stays referenced by the decoder
// until the next Add.
type Recycler interface {
	Recycle(p *Packet)
}

// Decoder reassembles packets from engine messages of one connection.
// It is not safe for concurrent use.
type Decoder interface {
	// Add feeds one engine message. It returns a complete packet, or (nil, nil)
	// while waiting for attachments. After an error the decoder is reset and
	// may be reused. The decoder and the returned packet keep references to
	// data (no copy is made): the caller must not modify it afterwards.
	Add(binary bool, data []byte) (*Packet, error)
	// Reset drops partial state (e.g. on disconnect).
	Reset()
}

// DefaultMaxAttachments is the attachment cap used when JSONOptions.MaxAttachments
// is not set; it matches the reference socket.io-parser.
const DefaultMaxAttachments = 10

// DefaultMaxDepth is the nesting depth of arrays and objects a received
// payload may reach when JSONOptions.MaxDepth is not set.
const DefaultMaxDepth = 64

// JSONOptions configures the JSON codec.
type JSONOptions struct {
	// MaxAttachments caps the attachments a received binary packet may
	// announce. 0 (or negative) means DefaultMaxAttachments.
	MaxAttachments int
	// MaxDepth caps how deeply arrays and objects may nest in a received
	// payload, so a hostile client cannot make decoding recurse deeply.
	// 0 (or negative) means DefaultMaxDepth.
	MaxDepth int
}

// jsonCodec is the default Socket.IO codec (text packets with JSON payloads).
type jsonCodec struct {
	maxAttachments int
	maxDepth       int
}

// NewJSON returns the standard Socket.IO JSON codec. opts may be nil for defaults.
func NewJSON(opts *JSONOptions) Codec {
	c := &jsonCodec{maxAttachments: DefaultMaxAttachments, maxDepth: DefaultMaxDepth}
	if opts != nil && opts.MaxAttachments > 0 {
		c.maxAttachments = opts.MaxAttachments
	}
	if opts != nil && opts.MaxDepth > 0 {
		c.maxDepth = opts.MaxDepth
	}
	return c
}

// JSON is the default codec, equivalent to NewJSON(nil).
var JSON Codec = NewJSON(nil)

// NewDecoder implements Codec.
func (c *jsonCodec) NewDecoder() Decoder {
	return &jsonDecoder{maxAttachments: c.maxAttachments, maxDepth: c.maxDepth}
}
