package codec

import (
	"fmt"
	"strconv"
	"unicode/utf8"
)

// Binary-form payload markers (protocol 3).
const (
	v3StringMarker byte = 0    // packet is UTF-8 text "<type><data>"
	v3BinaryMarker byte = 1    // packet is <type byte><data>
	v3LengthEnd    byte = 0xFF // terminates the length digits
)

// AppendPayloadV3 appends a protocol 3 polling payload and reports which
// form it used. Like engine.io-parser 2.x, the binary form is used only when
// the client supports binary (XHR2, no b64=1) and at least one packet is
// binary; otherwise the string form, where binary packets become
// "b<type><base64>". An empty pkts yields "0:" (string form), which is what
// the reference encoder sends and clients accept as "no packets".
//
// In string form the length prefix is the packet's UTF-16 length (see
// UTF16Len); in binary form it is the packet's byte length, because the
// reference encoder UTF-8-encodes string packets before measuring them.
func AppendPayloadV3(dst []byte, pkts []Packet, supportsBinary bool) (out []byte, binaryForm bool) {
	if supportsBinary {
		for _, p := range pkts {
			if p.Binary {
				return appendPayloadV3Binary(dst, pkts), true
			}
		}
	}
	if len(pkts) == 0 {
		return append(dst, '0', ':'), false
	}
	for _, p := range pkts {
		if p.Binary {
			// "b" + type digit + base64: pure ASCII, so bytes == units.
			n := 2 + base64Len(len(p.Data))
			dst = strconv.AppendInt(dst, int64(n), 10)
			dst = append(dst, ':')
			dst = AppendBase64V3(dst, p.Type, p.Data)
			continue
		}
		dst = strconv.AppendInt(dst, int64(1+UTF16Len(p.Data)), 10)
		dst = append(dst, ':')
		dst = AppendText(dst, p.Type, p.Data)
	}
	return dst, false
}

func base64Len(n int) int { return (n + 2) / 3 * 4 }

func appendPayloadV3Binary(dst []byte, pkts []Packet) []byte {
	for _, p := range pkts {
		if p.Binary {
			dst = append(dst, v3BinaryMarker)
			dst = appendLengthDigits(dst, 1+len(p.Data))
			dst = append(dst, byte(p.Type))
		} else {
			dst = append(dst, v3StringMarker)
			dst = appendLengthDigits(dst, 1+len(p.Data))
			dst = append(dst, '0'+byte(p.Type))
		}
		dst = append(dst, p.Data...)
	}
	return dst
}

// appendLengthDigits writes n as one byte per decimal digit with values
// 0–9 (not ASCII) followed by 0xFF, the binary-form length header.
func appendLengthDigits(dst []byte, n int) []byte {
	start := len(dst)
	dst = strconv.AppendInt(dst, int64(n), 10)
	for i := start; i < len(dst); i++ {
		dst[i] -= '0'
	}
	return append(dst, v3LengthEnd)
}

// DecodePayloadV3 decodes a protocol 3 polling payload in either form and
// calls fn for each packet in order. A first byte of 0 or 1 selects the
// binary form (a string-form payload always starts with an ASCII digit);
// clients POST the binary form with Content-Type application/octet-stream.
// Decoding stops at the first framing or packet error, or the first error
// from fn (returned unchanged). An empty body is an error; string-form
// zero-length entries ("0:") are skipped, as the reference parser does.
func DecodePayloadV3(body []byte, fn func(Packet) error) error {
	if len(body) == 0 {
		return fmt.Errorf("%w: empty payload", ErrInvalidPayload)
	}
	if body[0] == v3StringMarker || body[0] == v3BinaryMarker {
		return decodePayloadV3Binary(body, fn)
	}
	return decodePayloadV3String(body, fn)
}

func decodePayloadV3String(body []byte, fn func(Packet) error) error {
	pos := 0
	for idx := 0; pos < len(body); idx++ {
		// Length prefix: decimal digits up to ':'. Bound it by the bytes
		// left, since every UTF-16 unit needs at least one byte; this also
		// rules out integer overflow.
		start := pos
		n := 0
		for {
			if pos >= len(body) {
				return fmt.Errorf("%w: packet %d: truncated length (missing ':')", ErrInvalidPayload, idx)
			}
			c := body[pos]
			pos++
			if c == ':' {
				break
			}
			if c < '0' || c > '9' {
				return fmt.Errorf("%w: packet %d: invalid length character %q", ErrInvalidPayload, idx, c)
			}
			n = n*10 + int(c-'0')
			if n > len(body) {
				return fmt.Errorf("%w: packet %d: length exceeds payload", ErrInvalidPayload, idx)
			}
		}
		if pos-1 == start {
			return fmt.Errorf("%w: packet %d: empty length", ErrInvalidPayload, idx)
		}
		// Walk n UTF-16 units, never stopping inside a UTF-8 sequence.
		dataStart := pos
		for units := 0; units < n; {
			if pos >= len(body) {
				return fmt.Errorf("%w: packet %d: length %d past end of payload", ErrInvalidPayload, idx, n)
			}
			if body[pos] < utf8.RuneSelf { // ASCII fast path: 1 byte, 1 unit
				units++
				pos++
				continue
			}
			size, u, _ := nextSeq(body[pos:])
			if units+u > n {
				return fmt.Errorf("%w: packet %d: length %d splits a character", ErrInvalidPayload, idx, n)
			}
			units += u
			pos += size
		}
		if n == 0 {
			continue
		}
		p, err := DecodeTextV3(body[dataStart:pos])
		if err != nil {
			return fmt.Errorf("%w: packet %d: %w", ErrInvalidPayload, idx, err)
		}
		if err := fn(p); err != nil {
			return err
		}
	}
	return nil
}

func decodePayloadV3Binary(body []byte, fn func(Packet) error) error {
	pos := 0
	for idx := 0; pos < len(body); idx++ {
		marker := body[pos]
		if marker != v3StringMarker && marker != v3BinaryMarker {
			return fmt.Errorf("%w: packet %d: invalid marker %d", ErrInvalidPayload, idx, marker)
		}
		pos++
		n, digits := 0, 0
		for {
			if pos >= len(body) {
				return fmt.Errorf("%w: packet %d: truncated length (missing 0xFF)", ErrInvalidPayload, idx)
			}
			c := body[pos]
			pos++
			if c == v3LengthEnd {
				break
			}
			if c > 9 {
				return fmt.Errorf("%w: packet %d: invalid length digit %d", ErrInvalidPayload, idx, c)
			}
			digits++
			n = n*10 + int(c)
			if n > len(body) {
				return fmt.Errorf("%w: packet %d: length exceeds payload", ErrInvalidPayload, idx)
			}
		}
		if digits == 0 {
			return fmt.Errorf("%w: packet %d: empty length", ErrInvalidPayload, idx)
		}
		if n > len(body)-pos {
			return fmt.Errorf("%w: packet %d: length %d past end of payload", ErrInvalidPayload, idx, n)
		}
		raw := body[pos : pos+n]
		pos += n
		var p Packet
		var err error
		if marker == v3StringMarker {
			p, err = DecodeTextV3(raw)
		} else {
			p, err = DecodeBinaryV3(raw)
		}
		if err != nil {
			return fmt.Errorf("%w: packet %d: %w", ErrInvalidPayload, idx, err)
		}
		if err := fn(p); err != nil {
			return err
		}
	}
	return nil
}
