package codec

import (
	"bytes"
	"encoding/base64"
	"fmt"
)

// PacketType is the Engine.IO packet type, identical in protocols 3 and 4.
type PacketType byte

// Engine.IO packet types. On the wire a text packet starts with the ASCII
// digit '0'+type; a v3 binary packet starts with the raw byte value.
const (
	// Open is sent by the server with the handshake JSON.
	Open PacketType = iota
	// Close requests closing the transport.
	Close
	// Ping is a heartbeat probe (client→server in v3, server→client in v4).
	Ping
	// Pong answers a Ping.
	Pong
	// Message carries application data, text or binary.
	Message
	// Upgrade completes a transport upgrade.
	Upgrade
	// Noop is used to flush a pending poll during upgrades.
	Noop
)

var typeNames = [...]string{"open", "close", "ping", "pong", "message", "upgrade", "noop"}

// Valid reports whether t is one of the seven defined packet types.
func (t PacketType) Valid() bool { return t <= Noop }

// String returns the protocol name of t ("open", "message", ...).
func (t PacketType) String() string {
	if t.Valid() {
		return typeNames[t]
	}
	return fmt.Sprintf("PacketType(%d)", byte(t))
}

// Packet is one Engine.IO packet. Binary is only meaningful for Message
// (protocol 4 can only express binary messages; protocol 3 technically
// allows any type in binary form and this codec preserves it).
// Data may alias the buffer it was decoded from; see the package doc.
// Empty data is decoded as nil.
type Packet struct {
	Type   PacketType
	Binary bool
	Data   []byte
}

// nilIfEmpty keeps decoded packets canonical: "4" and "4"+"" both decode
// to Data == nil, which makes comparisons in callers and tests simple.
func nilIfEmpty(b []byte) []byte {
	if len(b) == 0 {
		return nil
	}
	return b
}

func decodeType(c byte) (PacketType, error) {
	if c < '0' || c > '0'+byte(Noop) {
		return 0, fmt.Errorf("%w: unknown packet type %q", ErrInvalidPacket, c)
	}
	return PacketType(c - '0'), nil
}

// DecodeText decodes a plain text packet "<type digit><data>" as used by
// both protocol revisions (WebSocket text frames, payload entries). It does
// not interpret base64 ("b...") forms; use DecodeTextV3 or DecodeTextV4 for
// that, because the two revisions spell them differently.
func DecodeText(frame []byte) (Packet, error) {
	if len(frame) == 0 {
		return Packet{}, fmt.Errorf("%w: empty packet", ErrInvalidPacket)
	}
	t, err := decodeType(frame[0])
	if err != nil {
		return Packet{}, err
	}
	return Packet{Type: t, Data: nilIfEmpty(frame[1:])}, nil
}

// DecodeTextV4 decodes a protocol 4 text packet: either "<type><data>" or
// "b<base64>" (a binary message sent as text, as clients do inside polling
// payloads or when forced to base64). The base64 data is freshly allocated.
func DecodeTextV4(frame []byte) (Packet, error) {
	if len(frame) > 0 && frame[0] == 'b' {
		data, err := decodeBase64(frame[1:])
		if err != nil {
			return Packet{}, err
		}
		return Packet{Type: Message, Binary: true, Data: data}, nil
	}
	return DecodeText(frame)
}

// DecodeTextV3 decodes a protocol 3 text packet: either "<type><data>" or
// "b<type digit><base64>" (binary data sent as text: string-form payloads
// and b64=1 clients). The base64 data is freshly allocated.
func DecodeTextV3(frame []byte) (Packet, error) {
	if len(frame) > 0 && frame[0] == 'b' {
		if len(frame) < 2 {
			return Packet{}, fmt.Errorf("%w: base64 packet without type", ErrInvalidPacket)
		}
		t, err := decodeType(frame[1])
		if err != nil {
			return Packet{}, err
		}
		data, err := decodeBase64(frame[2:])
		if err != nil {
			return Packet{}, err
		}
		return Packet{Type: t, Binary: true, Data: data}, nil
	}
	return DecodeText(frame)
}

// DecodeBinaryV3 decodes a protocol 3 binary WebSocket frame (or binary
// packet inside a binary-form payload): one raw type byte (0–6, normally 4)
// followed by the data. Protocol 4 binary frames carry no type byte and are
// simply Packet{Type: Message, Binary: true, Data: frame}.
func DecodeBinaryV3(frame []byte) (Packet, error) {
	if len(frame) == 0 {
		return Packet{}, fmt.Errorf("%w: empty binary packet", ErrInvalidPacket)
	}
	t := PacketType(frame[0])
	if !t.Valid() {
		return Packet{}, fmt.Errorf("%w: unknown binary packet type %d", ErrInvalidPacket, frame[0])
	}
	// Binary data stays non-nil even when empty: an empty buffer is a value
	// (Buffer.alloc(0)), not an absence.
	return Packet{Type: t, Binary: true, Data: frame[1:]}, nil
}

// AppendText appends "<type digit><data>" to dst. t must be a valid type;
// the encoder trusts its caller (the server builds these packets itself).
func AppendText(dst []byte, t PacketType, data []byte) []byte {
	dst = append(dst, '0'+byte(t))
	return append(dst, data...)
}

// AppendBase64V4 appends the protocol 4 text form of a binary message,
// "b" + standard (padded) base64 of data.
func AppendBase64V4(dst []byte, data []byte) []byte {
	dst = append(dst, 'b')
	return base64.StdEncoding.AppendEncode(dst, data)
}

// AppendBase64V3 appends the protocol 3 text form of a binary packet,
// "b" + type digit + standard (padded) base64 of data.
func AppendBase64V3(dst []byte, t PacketType, data []byte) []byte {
	dst = append(dst, 'b', '0'+byte(t))
	return base64.StdEncoding.AppendEncode(dst, data)
}

// decodeBase64 accepts padded standard base64 (what btoa and
// base64-arraybuffer produce) and, leniently, unpadded input. CR/LF are
// rejected explicitly because encoding/base64 would silently skip them and
// no Engine.IO client ever emits them.
func decodeBase64(src []byte) ([]byte, error) {
	if bytes.ContainsAny(src, "\r\n") {
		return nil, fmt.Errorf("%w: bad base64: line break", ErrInvalidPacket)
	}
	enc := base64.StdEncoding
	if len(src)%4 != 0 && !bytes.ContainsRune(src, '=') {
		enc = base64.RawStdEncoding
	}
	out, err := enc.AppendDecode(nil, src)
	if err != nil {
		return nil, fmt.Errorf("%w: bad base64: %v", ErrInvalidPacket, err)
	}
	if out == nil {
		out = []byte{} // an empty buffer is still a buffer
	}
	return out, nil
}
