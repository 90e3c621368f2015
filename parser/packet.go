package parser

import "strconv"

// Type is a Socket.IO packet type. Its value is the digit sent on the wire.
type Type byte

// Packet types (protocol v5 names; v4 calls ConnectError "ERROR").
const (
	Connect      Type = iota // 0: connect to a namespace
	Disconnect               // 1: disconnect from a namespace
	Event                    // 2: event without binary
	Ack                      // 3: acknowledgement without binary
	ConnectError             // 4: namespace connection refused (v4: ERROR)
	BinaryEvent              // 5: event with binary attachments
	BinaryAck                // 6: acknowledgement with binary attachments
)

var typeNames = [...]string{"CONNECT", "DISCONNECT", "EVENT", "ACK", "CONNECT_ERROR", "BINARY_EVENT", "BINARY_ACK"}

// String returns the protocol name of the type ("CONNECT", "BINARY_EVENT", ...).
func (t Type) String() string {
	if int(t) < len(typeNames) {
		return typeNames[t]
	}
	return "UNKNOWN(" + strconv.Itoa(int(t)) + ")"
}

// Valid reports whether t is one of the seven protocol packet types.
func (t Type) Valid() bool { return t <= BinaryAck }

// isBinary reports whether packets of this type carry attachments.
func (t Type) isBinary() bool { return t == BinaryEvent || t == BinaryAck }

// Packet is one Socket.IO packet.
type Packet struct {
	Type      Type
	Namespace string // "/" when absent on the wire
	Query     string // protocol v4 only: query carried in a CONNECT namespace ("a=1&b=2"), without '?'
	ID        uint64 // ack id, meaningful when HasID
	HasID     bool

	// Data is the payload.
	//
	// Encoding: any Go value encoding/json can marshal, or nil for none.
	// EVENT: []any{"name", arg1, ...}; ACK: []any{args...}; CONNECT:
	// e.g. map[string]any{"sid": "..."} or nil; CONNECT_ERROR: a map/struct
	// {message, data} or a string. A *[]any is written as the slice it
	// points to (as encoding/json does) and as fast: unlike a slice, a
	// pointer goes into Data without an allocation. A json.RawMessage is
	// written as is, and a RawValue (e.g. received from a Decoder) is
	// forwarded. []byte values found anywhere in []any, map[string]any,
	// slices, maps, arrays and exported struct fields become binary
	// attachments.
	//
	// Decoding: a RawValue holding the payload, or nil when the packet had none.
	Data any

	// Attachments holds the binary attachments: on decoding the reassembled
	// buffers; ignored on encoding (computed from Data).
	Attachments [][]byte
}

// Frame is one engine-level message produced by the encoder: the text packet,
// then one binary frame per attachment.
type Frame struct {
	Binary bool
	Data   []byte
}
