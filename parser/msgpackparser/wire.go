package msgpackparser

import (
	"encoding/binary"
	"fmt"
	"math"

	"github.com/gosio/gosio/parser"
)

// kind is the class of a MessagePack value as notepack.io reads it.
type kind uint8

const (
	kNil kind = iota
	kBool
	kInt   // i holds the value
	kUint  // u holds the value, above MaxInt64
	kFloat // f holds the value (float 32 or 64)
	kStr
	kBin
	kArray
	kMap
	kUndefined   // fixext 1, type 0
	kDate        // fixext 8, type 0: milliseconds since the epoch in i
	kArrayBuffer // ext 8/16/32, type 0
	kExt         // any other extension: ext holds its type
)

var kindNames = [...]string{"nil", "bool", "integer", "integer", "float", "string", "binary", "array",
	"map", "undefined", "Date", "ArrayBuffer", "extension"}

func (k kind) String() string { return kindNames[k] }

// token is the head of one value. For str, bin and extensions, data holds
// the payload; for arrays and maps, n is the element (pair) count and next
// is where the first element starts.
type token struct {
	kind kind
	b    bool
	i    int64
	u    uint64
	f    float64
	n    int
	ext  int8
	data []byte
}

func errShort() error {
	return fmt.Errorf("%w: msgpack: unexpected end of data", parser.ErrInvalidPayload)
}

// readToken reads the value head at off and returns it with the offset
// after it (after the whole value for everything but arrays and maps).
func readToken(b []byte, off int) (token, int, error) {
	if off >= len(b) {
		return token{}, off, errShort()
	}
	c := b[off]
	off++
	switch {
	case c < 0x80:
		return token{kind: kInt, i: int64(c)}, off, nil
	case c < 0x90:
		return token{kind: kMap, n: int(c & 0x0f)}, off, nil
	case c < 0xa0:
		return token{kind: kArray, n: int(c & 0x0f)}, off, nil
	case c < 0xc0:
		return payload(b, off, kStr, int(c&0x1f))
	case c >= 0xe0:
		return token{kind: kInt, i: int64(int8(c))}, off, nil
	}
	switch c {
	case 0xc0:
		return token{kind: kNil}, off, nil
	case 0xc2, 0xc3:
		return token{kind: kBool, b: c == 0xc3}, off, nil
	case 0xc4, 0xc5, 0xc6:
		n, off, err := length(b, off, 1<<(c-0xc4))
		if err != nil {
			return token{}, off, err
		}
		return payload(b, off, kBin, n)
	case 0xc7, 0xc8, 0xc9:
		n, off, err := length(b, off, 1<<(c-0xc7))
		if err != nil {
			return token{}, off, err
		}
		return extension(b, off, n, false)
	case 0xca:
		u, off, err := uintN(b, off, 4)
		return token{kind: kFloat, f: float64(math.Float32frombits(uint32(u)))}, off, err
	case 0xcb:
		u, off, err := uintN(b, off, 8)
		return token{kind: kFloat, f: math.Float64frombits(u)}, off, err
	case 0xcc, 0xcd, 0xce, 0xcf:
		u, off, err := uintN(b, off, 1<<(c-0xcc))
		if u > math.MaxInt64 {
			return token{kind: kUint, u: u}, off, err
		}
		return token{kind: kInt, i: int64(u)}, off, err
	case 0xd0:
		u, off, err := uintN(b, off, 1)
		return token{kind: kInt, i: int64(int8(u))}, off, err
	case 0xd1:
		u, off, err := uintN(b, off, 2)
		return token{kind: kInt, i: int64(int16(u))}, off, err
	case 0xd2:
		u, off, err := uintN(b, off, 4)
		return token{kind: kInt, i: int64(int32(u))}, off, err
	case 0xd3:
		u, off, err := uintN(b, off, 8)
		return token{kind: kInt, i: int64(u)}, off, err
	case 0xd4, 0xd5, 0xd6, 0xd7, 0xd8:
		return extension(b, off, 1<<(c-0xd4), true)
	case 0xd9, 0xda, 0xdb:
		n, off, err := length(b, off, 1<<(c-0xd9))
		if err != nil {
			return token{}, off, err
		}
		return payload(b, off, kStr, n)
	case 0xdc, 0xdd:
		n, off, err := length(b, off, 2<<(c-0xdc))
		if err != nil {
			return token{}, off, err
		}
		if n > len(b)-off { // each element takes a byte at least
			return token{}, off, errShort()
		}
		return token{kind: kArray, n: n}, off, nil
	case 0xde, 0xdf:
		n, off, err := length(b, off, 2<<(c-0xde))
		if err != nil {
			return token{}, off, err
		}
		if n > (len(b)-off)/2 {
			return token{}, off, errShort()
		}
		return token{kind: kMap, n: n}, off, nil
	}
	return token{}, off, fmt.Errorf("%w: msgpack: unknown prefix 0x%02x", parser.ErrInvalidPayload, c)
}

func uintN(b []byte, off, n int) (uint64, int, error) {
	if len(b)-off < n {
		return 0, off, errShort()
	}
	p := b[off : off+n]
	switch n {
	case 1:
		return uint64(p[0]), off + 1, nil
	case 2:
		return uint64(binary.BigEndian.Uint16(p)), off + 2, nil
	case 4:
		return uint64(binary.BigEndian.Uint32(p)), off + 4, nil
	}
	return binary.BigEndian.Uint64(p), off + 8, nil
}

func length(b []byte, off, n int) (int, int, error) {
	u, off, err := uintN(b, off, n)
	if err != nil {
		return 0, off, err
	}
	if u > uint64(len(b)-off) {
		return 0, off, errShort()
	}
	return int(u), off, nil
}

func payload(b []byte, off int, k kind, n int) (token, int, error) {
	if n > len(b)-off {
		return token{}, off, errShort()
	}
	end := off + n
	return token{kind: k, n: n, data: b[off:end:end]}, end, nil
}

// extension reads an extension's type and n data bytes, and classifies
// it as notepack.io does: type 0 is undefined in fixext 1, a Date in fixext
// 8 and an ArrayBuffer in ext 8/16/32.
func extension(b []byte, off, n int, fixed bool) (token, int, error) {
	if len(b)-off < 1+n {
		return token{}, off, errShort()
	}
	typ := int8(b[off])
	end := off + 1 + n
	t := token{kind: kExt, ext: typ, n: n, data: b[off+1 : end : end]}
	if typ == 0 {
		switch {
		case fixed && n == 1:
			t.kind = kUndefined
		case fixed && n == 8:
			t.kind = kDate
			t.i = int64(binary.BigEndian.Uint64(t.data))
		case !fixed:
			t.kind = kArrayBuffer
		}
	}
	return t, end, nil
}

// skip validates the value at off, nested no deeper than maxDepth, and
// returns the offset after it.
func skip(b []byte, off, depth, maxDepth int) (int, error) {
	t, off, err := readToken(b, off)
	if err != nil {
		return off, err
	}
	switch t.kind {
	case kArray, kMap:
		if depth >= maxDepth {
			return off, fmt.Errorf("%w: msgpack: nested deeper than %d", parser.ErrInvalidPayload, maxDepth)
		}
		n := t.n
		if t.kind == kMap {
			n *= 2
		}
		for range n {
			if off, err = skip(b, off, depth+1, maxDepth); err != nil {
				return off, err
			}
		}
	}
	return off, nil
}
