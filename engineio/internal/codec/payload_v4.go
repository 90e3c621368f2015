package codec

import (
	"bytes"
	"fmt"
)

// RecordSeparator joins packets in a protocol 4 polling payload. It was
// chosen because it cannot appear in JSON text without escaping; raw
// message text containing it would break framing, exactly as with the
// reference implementation.
const RecordSeparator byte = 0x1E

// AppendPayloadV4 appends a protocol 4 polling payload: each packet in its
// text form, binary messages as "b"+base64 (their Type is ignored: v4 can
// only send binary messages), joined by RecordSeparator. No packets yields
// nothing appended.
func AppendPayloadV4(dst []byte, pkts []Packet) []byte {
	for i, p := range pkts {
		if i > 0 {
			dst = append(dst, RecordSeparator)
		}
		if p.Binary {
			dst = AppendBase64V4(dst, p.Data)
		} else {
			dst = AppendText(dst, p.Type, p.Data)
		}
	}
	return dst
}

// DecodePayloadV4 decodes a protocol 4 polling payload and calls fn for
// each packet in order. Decoding stops at the first bad packet (like the
// reference parser, which stops at the first error) or the first error
// returned by fn, which is returned unchanged. Packets already passed to fn
// stay delivered. An empty body or an empty record is an error.
func DecodePayloadV4(body []byte, fn func(Packet) error) error {
	if len(body) == 0 {
		return fmt.Errorf("%w: empty payload", ErrInvalidPayload)
	}
	for idx := 0; ; idx++ {
		seg, rest, more := body, []byte(nil), false
		if i := bytes.IndexByte(body, RecordSeparator); i >= 0 {
			seg, rest, more = body[:i], body[i+1:], true
		}
		p, err := DecodeTextV4(seg)
		if err != nil {
			return fmt.Errorf("%w: packet %d: %w", ErrInvalidPayload, idx, err)
		}
		if err := fn(p); err != nil {
			return err
		}
		if !more {
			return nil
		}
		body = rest
	}
}
