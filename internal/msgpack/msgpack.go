// Package msgpack is a small MessagePack encoder and decoder with the value
// mapping of notepack.io, the codec Node's Socket.IO Redis adapter and
// emitter use, so that gosio's cluster messages read and write the same
// bytes as theirs.
//
// Mapping (encode): nil → nil; bool; integers → the smallest int/uint
// format (positive values as fixint/uint*, negative as fixint/int*);
// float64/float32 → an integer format when integral (as notepack does for
// JavaScript numbers), else float 64; string → str; []byte → bin;
// time.Time → timestamp extension (-1); []any and other slices → array;
// map[string]any and other string-keyed maps → map, keys sorted (Go maps
// have no order; sorting makes the bytes the same every time); [Map] → map,
// keys in its order.
//
// Mapping (decode): nil → nil; bool; integers → int64 (uint64 above
// MaxInt64); float 32/64 → float64; str → string; bin → []byte; array →
// []any; map → map[string]any (non-string keys are formatted with %v);
// timestamp extension → time.Time; fixext 1 of type 0 (notepack's
// undefined) → nil; ext 0 → []byte (an ArrayBuffer); other extensions →
// []any{int64(type), []byte(data)}, as notepack returns them.
package msgpack

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"reflect"
	"slices"
	"strings"
	"time"
)

// maxDepth bounds nesting on both sides.
const maxDepth = 512

// ErrUnsupported is returned for values the encoder cannot represent (use
// Normalize first for arbitrary Go values).
var ErrUnsupported = errors.New("msgpack: unsupported type")

// Marshal encodes v.
func Marshal(v any) ([]byte, error) { return Append(nil, v) }

// Append appends the encoding of v to dst.
func Append(dst []byte, v any) ([]byte, error) { return appendValue(dst, v, 0) }

func appendValue(b []byte, v any, depth int) ([]byte, error) {
	if depth > maxDepth {
		return b, errors.New("msgpack: value too deep")
	}
	switch x := v.(type) {
	case nil:
		return append(b, 0xc0), nil
	case bool:
		if x {
			return append(b, 0xc3), nil
		}
		return append(b, 0xc2), nil
	case string:
		return AppendString(b, x), nil
	case []byte:
		if x == nil {
			return append(b, 0xc0), nil
		}
		return appendBin(b, x), nil
	case int:
		return AppendInt(b, int64(x)), nil
	case int8:
		return AppendInt(b, int64(x)), nil
	case int16:
		return AppendInt(b, int64(x)), nil
	case int32:
		return AppendInt(b, int64(x)), nil
	case int64:
		return AppendInt(b, x), nil
	case uint:
		return AppendUint(b, uint64(x)), nil
	case uint8:
		return AppendUint(b, uint64(x)), nil
	case uint16:
		return AppendUint(b, uint64(x)), nil
	case uint32:
		return AppendUint(b, uint64(x)), nil
	case uint64:
		return AppendUint(b, x), nil
	case float32:
		return AppendFloat(b, float64(x)), nil
	case float64:
		return AppendFloat(b, x), nil
	case time.Time:
		return appendTime(b, x), nil
	case []any:
		b = appendArrayHeader(b, len(x))
		var err error
		for _, e := range x {
			if b, err = appendValue(b, e, depth+1); err != nil {
				return b, err
			}
		}
		return b, nil
	case []string:
		b = appendArrayHeader(b, len(x))
		for _, e := range x {
			b = AppendString(b, e)
		}
		return b, nil
	case Map:
		b = appendMapHeader(b, len(x))
		var err error
		for _, kv := range x {
			b = AppendString(b, kv.Key)
			if b, err = appendValue(b, kv.Value, depth+1); err != nil {
				return b, err
			}
		}
		return b, nil
	case map[string]any:
		b = appendMapHeader(b, len(x))
		var err error
		for _, k := range sortedKeys(x) {
			b = AppendString(b, k)
			if b, err = appendValue(b, x[k], depth+1); err != nil {
				return b, err
			}
		}
		return b, nil
	case map[string]string:
		b = appendMapHeader(b, len(x))
		for _, k := range sortedKeys(x) {
			b = AppendString(AppendString(b, k), x[k])
		}
		return b, nil
	}
	return appendReflect(b, reflect.ValueOf(v), depth)
}

// appendReflect handles other slices, arrays, string-keyed maps and
// pointers; anything else is ErrUnsupported.
func appendReflect(b []byte, rv reflect.Value, depth int) ([]byte, error) {
	switch rv.Kind() {
	case reflect.Pointer, reflect.Interface:
		if rv.IsNil() {
			return append(b, 0xc0), nil
		}
		return appendValue(b, rv.Elem().Interface(), depth+1)
	case reflect.Slice, reflect.Array:
		if rv.Kind() == reflect.Slice && rv.IsNil() {
			return append(b, 0xc0), nil
		}
		if rv.Type().Elem().Kind() == reflect.Uint8 {
			data := make([]byte, rv.Len())
			reflect.Copy(reflect.ValueOf(data), rv)
			return appendBin(b, data), nil
		}
		b = appendArrayHeader(b, rv.Len())
		var err error
		for i := range rv.Len() {
			if b, err = appendValue(b, rv.Index(i).Interface(), depth+1); err != nil {
				return b, err
			}
		}
		return b, nil
	case reflect.Map:
		if rv.Type().Key().Kind() != reflect.String {
			break
		}
		if rv.IsNil() {
			return append(b, 0xc0), nil
		}
		b = appendMapHeader(b, rv.Len())
		keys := rv.MapKeys()
		slices.SortFunc(keys, func(x, y reflect.Value) int { return strings.Compare(x.String(), y.String()) })
		var err error
		for _, k := range keys {
			b = AppendString(b, k.String())
			if b, err = appendValue(b, rv.MapIndex(k).Interface(), depth+1); err != nil {
				return b, err
			}
		}
		return b, nil
	case reflect.String:
		return AppendString(b, rv.String()), nil
	case reflect.Bool:
		return appendValue(b, rv.Bool(), depth)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return AppendInt(b, rv.Int()), nil
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return AppendUint(b, rv.Uint()), nil
	case reflect.Float32, reflect.Float64:
		return AppendFloat(b, rv.Float()), nil
	}
	return b, fmt.Errorf("%w: %s", ErrUnsupported, rv.Type())
}

// AppendString appends a str.
func AppendString(b []byte, s string) []byte {
	n := len(s)
	switch {
	case n < 32:
		b = append(b, 0xa0|byte(n))
	case n < 1<<8:
		b = append(b, 0xd9, byte(n))
	case n < 1<<16:
		b = append(b, 0xda, byte(n>>8), byte(n))
	default:
		b = append(b, 0xdb)
		b = binary.BigEndian.AppendUint32(b, uint32(n))
	}
	return append(b, s...)
}

func appendBin(b []byte, data []byte) []byte {
	n := len(data)
	switch {
	case n < 1<<8:
		b = append(b, 0xc4, byte(n))
	case n < 1<<16:
		b = append(b, 0xc5, byte(n>>8), byte(n))
	default:
		b = append(b, 0xc6)
		b = binary.BigEndian.AppendUint32(b, uint32(n))
	}
	return append(b, data...)
}

// AppendInt appends an integer in the smallest format, as notepack does.
func AppendInt(b []byte, v int64) []byte {
	if v >= 0 {
		return AppendUint(b, uint64(v))
	}
	switch {
	case v >= -32:
		return append(b, byte(v))
	case v >= math.MinInt8:
		return append(b, 0xd0, byte(v))
	case v >= math.MinInt16:
		return append(b, 0xd1, byte(v>>8), byte(v))
	case v >= math.MinInt32:
		b = append(b, 0xd2)
		return binary.BigEndian.AppendUint32(b, uint32(v))
	}
	b = append(b, 0xd3)
	return binary.BigEndian.AppendUint64(b, uint64(v))
}

// AppendUint appends a non-negative integer in the smallest format.
func AppendUint(b []byte, v uint64) []byte {
	switch {
	case v < 0x80:
		return append(b, byte(v))
	case v < 1<<8:
		return append(b, 0xcc, byte(v))
	case v < 1<<16:
		return append(b, 0xcd, byte(v>>8), byte(v))
	case v < 1<<32:
		b = append(b, 0xce)
		return binary.BigEndian.AppendUint32(b, uint32(v))
	}
	b = append(b, 0xcf)
	return binary.BigEndian.AppendUint64(b, v)
}

// AppendFloat appends a number the way notepack encodes a JavaScript
// number: integral finite values in an integer format, others as float 64.
func AppendFloat(b []byte, f float64) []byte {
	if f == math.Trunc(f) && !math.IsInf(f, 0) && !math.IsNaN(f) &&
		f >= -(1<<63) && f < 1<<64 { // -0 too, like notepack
		if f < 0 {
			return AppendInt(b, int64(f))
		}
		return AppendUint(b, uint64(f))
	}
	b = append(b, 0xcb)
	return binary.BigEndian.AppendUint64(b, math.Float64bits(f))
}

func appendArrayHeader(b []byte, n int) []byte {
	switch {
	case n < 16:
		return append(b, 0x90|byte(n))
	case n < 1<<16:
		return append(b, 0xdc, byte(n>>8), byte(n))
	}
	b = append(b, 0xdd)
	return binary.BigEndian.AppendUint32(b, uint32(n))
}

func appendMapHeader(b []byte, n int) []byte {
	switch {
	case n < 16:
		return append(b, 0x80|byte(n))
	case n < 1<<16:
		return append(b, 0xde, byte(n>>8), byte(n))
	}
	b = append(b, 0xdf)
	return binary.BigEndian.AppendUint32(b, uint32(n))
}

// appendTime writes the timestamp extension in its smallest form.
func appendTime(b []byte, t time.Time) []byte {
	s, ns := t.Unix(), int64(t.Nanosecond())
	switch {
	case s >= 0 && s < 1<<34 && ns == 0 && s < 1<<32:
		b = append(b, 0xd6, 0xff)
		return binary.BigEndian.AppendUint32(b, uint32(s))
	case s >= 0 && s < 1<<34:
		b = append(b, 0xd7, 0xff)
		return binary.BigEndian.AppendUint64(b, uint64(ns)<<34|uint64(s))
	}
	b = append(b, 0xc7, 12, 0xff)
	b = binary.BigEndian.AppendUint32(b, uint32(ns))
	return binary.BigEndian.AppendUint64(b, uint64(s))
}
