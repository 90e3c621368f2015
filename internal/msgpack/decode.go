package msgpack

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"time"
)

// ErrInvalid is returned for malformed input.
var ErrInvalid = errors.New("msgpack: invalid input")

// Unmarshal decodes one value that must span all of data.
func Unmarshal(data []byte) (any, error) {
	d := decoder{b: data}
	v, err := d.value(0)
	if err != nil {
		return nil, err
	}
	if d.off != len(d.b) {
		return nil, fmt.Errorf("%w: %d trailing bytes", ErrInvalid, len(d.b)-d.off)
	}
	return v, nil
}

type decoder struct {
	b   []byte
	off int
}

func (d *decoder) need(n int) ([]byte, error) {
	if n < 0 || len(d.b)-d.off < n {
		return nil, fmt.Errorf("%w: unexpected end of data", ErrInvalid)
	}
	p := d.b[d.off : d.off+n]
	d.off += n
	return p, nil
}

func (d *decoder) uint(n int) (uint64, error) {
	p, err := d.need(n)
	if err != nil {
		return 0, err
	}
	switch n {
	case 1:
		return uint64(p[0]), nil
	case 2:
		return uint64(binary.BigEndian.Uint16(p)), nil
	case 4:
		return uint64(binary.BigEndian.Uint32(p)), nil
	}
	return binary.BigEndian.Uint64(p), nil
}

// length reads an n-byte length and checks that at least min bytes per
// element remain, so hostile headers cannot make us allocate much.
func (d *decoder) length(n, min int) (int, error) {
	u, err := d.uint(n)
	if err != nil {
		return 0, err
	}
	if u > uint64(len(d.b)-d.off)/uint64(min) {
		return 0, fmt.Errorf("%w: length %d exceeds data", ErrInvalid, u)
	}
	return int(u), nil
}

func (d *decoder) value(depth int) (any, error) {
	if depth > maxDepth {
		return nil, fmt.Errorf("%w: too deep", ErrInvalid)
	}
	p, err := d.need(1)
	if err != nil {
		return nil, err
	}
	c := p[0]
	switch {
	case c < 0x80:
		return int64(c), nil
	case c < 0x90:
		return d.mapN(int(c&0x0f), depth)
	case c < 0xa0:
		return d.arrayN(int(c&0x0f), depth)
	case c < 0xc0:
		return d.str(int(c & 0x1f))
	case c >= 0xe0:
		return int64(int8(c)), nil
	}
	switch c {
	case 0xc0:
		return nil, nil
	case 0xc2:
		return false, nil
	case 0xc3:
		return true, nil
	case 0xc4, 0xc5, 0xc6:
		n, err := d.length(1<<(c-0xc4), 1)
		if err != nil {
			return nil, err
		}
		return d.bin(n)
	case 0xc7, 0xc8, 0xc9:
		n, err := d.length(1<<(c-0xc7), 1)
		if err != nil {
			return nil, err
		}
		return d.ext(n)
	case 0xca:
		u, err := d.uint(4)
		return float64(math.Float32frombits(uint32(u))), err
	case 0xcb:
		u, err := d.uint(8)
		return math.Float64frombits(u), err
	case 0xcc, 0xcd, 0xce, 0xcf:
		u, err := d.uint(1 << (c - 0xcc))
		if err != nil {
			return nil, err
		}
		if u > math.MaxInt64 {
			return u, nil
		}
		return int64(u), nil
	case 0xd0:
		u, err := d.uint(1)
		return int64(int8(u)), err
	case 0xd1:
		u, err := d.uint(2)
		return int64(int16(u)), err
	case 0xd2:
		u, err := d.uint(4)
		return int64(int32(u)), err
	case 0xd3:
		u, err := d.uint(8)
		return int64(u), err
	case 0xd4, 0xd5, 0xd6, 0xd7, 0xd8:
		return d.ext(1 << (c - 0xd4))
	case 0xd9, 0xda, 0xdb:
		n, err := d.length(1<<(c-0xd9), 1)
		if err != nil {
			return nil, err
		}
		return d.str(n)
	case 0xdc, 0xdd:
		n, err := d.length(2<<(c-0xdc), 1)
		if err != nil {
			return nil, err
		}
		return d.arrayN(n, depth)
	case 0xde, 0xdf:
		n, err := d.length(2<<(c-0xde), 2)
		if err != nil {
			return nil, err
		}
		return d.mapN(n, depth)
	}
	return nil, fmt.Errorf("%w: unknown prefix 0x%02x", ErrInvalid, c)
}

func (d *decoder) str(n int) (any, error) {
	p, err := d.need(n)
	if err != nil {
		return nil, err
	}
	return string(p), nil
}

func (d *decoder) bin(n int) (any, error) {
	p, err := d.need(n)
	if err != nil {
		return nil, err
	}
	return append([]byte{}, p...), nil
}

func (d *decoder) arrayN(n int, depth int) (any, error) {
	if n > len(d.b)-d.off {
		return nil, fmt.Errorf("%w: length %d exceeds data", ErrInvalid, n)
	}
	out := make([]any, n)
	for i := range out {
		v, err := d.value(depth + 1)
		if err != nil {
			return nil, err
		}
		out[i] = v
	}
	return out, nil
}

func (d *decoder) mapN(n int, depth int) (any, error) {
	if n > (len(d.b)-d.off)/2 {
		return nil, fmt.Errorf("%w: length %d exceeds data", ErrInvalid, n)
	}
	out := make(map[string]any, n)
	for range n {
		k, err := d.value(depth + 1)
		if err != nil {
			return nil, err
		}
		v, err := d.value(depth + 1)
		if err != nil {
			return nil, err
		}
		ks, ok := k.(string)
		if !ok {
			ks = fmt.Sprint(k)
		}
		out[ks] = v
	}
	return out, nil
}

// ext decodes an extension of n data bytes (the type byte comes first).
func (d *decoder) ext(n int) (any, error) {
	tp, err := d.need(1)
	if err != nil {
		return nil, err
	}
	typ := int8(tp[0])
	data, err := d.need(n)
	if err != nil {
		return nil, err
	}
	switch {
	case typ == 0 && n == 1: // notepack's undefined
		return nil, nil
	case typ == 0:
		return append([]byte{}, data...), nil // notepack's ArrayBuffer
	case typ == -1 && n == 4:
		return time.Unix(int64(binary.BigEndian.Uint32(data)), 0).UTC(), nil
	case typ == -1 && n == 8:
		u := binary.BigEndian.Uint64(data)
		return time.Unix(int64(u&(1<<34-1)), int64(u>>34)).UTC(), nil
	case typ == -1 && n == 12:
		ns := binary.BigEndian.Uint32(data)
		s := int64(binary.BigEndian.Uint64(data[4:]))
		return time.Unix(s, int64(ns)).UTC(), nil
	}
	return []any{int64(typ), append([]byte{}, data...)}, nil
}
