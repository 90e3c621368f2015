package msgpackparser

import (
	"cmp"
	"encoding"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"time"

	"github.com/gosio/gosio/internal/msgpack"
	"github.com/gosio/gosio/parser"
)

// maxEncodeDepth bounds the walk so that cyclic data ends in an error.
const maxEncodeDepth = 1000

var (
	jsonMarshalerType = reflect.TypeFor[json.Marshaler]()
	textMarshalerType = reflect.TypeFor[encoding.TextMarshaler]()
	timeType          = reflect.TypeFor[time.Time]()
)

func errEncode(format string, args ...any) error {
	return fmt.Errorf("%w: msgpack: "+format, append([]any{parser.ErrInvalidPayload}, args...)...)
}

// appendValue appends v with notepack.io's mapping (see the package doc).
func appendValue(b []byte, v any, depth int) ([]byte, error) {
	if depth > maxEncodeDepth {
		return b, errEncode("value nested too deeply (cycle?)")
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
		return msgpack.AppendString(b, x), nil
	case int:
		return msgpack.AppendInt(b, int64(x)), nil
	case int64:
		return msgpack.AppendInt(b, x), nil
	case int32:
		return msgpack.AppendInt(b, int64(x)), nil
	case uint64:
		return msgpack.AppendUint(b, x), nil
	case uint32:
		return msgpack.AppendUint(b, uint64(x)), nil
	case uint:
		return msgpack.AppendUint(b, uint64(x)), nil
	case float64:
		return appendFloat(b, x), nil
	case float32:
		return appendFloat(b, float64(x)), nil
	case []byte:
		if x == nil {
			return append(b, 0xc0), nil
		}
		return appendBin(b, x), nil
	case ArrayBuffer:
		return appendArrayBuffer(b, x), nil
	case Undefined:
		return append(b, 0xd4, 0, 0), nil
	case time.Time:
		return appendDate(b, x), nil
	case []any:
		return appendArray(b, x, depth)
	case *[]any:
		if x == nil {
			return append(b, 0xc0), nil
		}
		return appendArray(b, *x, depth)
	case map[string]any:
		return appendMap(b, x, depth)
	case []string:
		b = appendArrayHeader(b, len(x))
		for _, s := range x {
			b = msgpack.AppendString(b, s)
		}
		return b, nil
	case *value:
		return append(b, x.raw...), nil // our own value: forwarded as received
	case json.RawMessage:
		return appendJSON(b, x, depth)
	case parser.RawValuer: // a received value relayed, such as socketio.RawArg
		rv := x.RawValue()
		if rv == nil {
			return append(b, 0xc0), nil
		}
		return appendValue(b, rv, depth)
	case parser.RawValue:
		var g any // another codec's value, such as a JSON one
		if err := x.Unmarshal(&g); err != nil {
			return b, errEncode("cannot re-encode a %T: %v", x, err)
		}
		return appendValue(b, g, depth+1)
	}
	return appendReflect(b, reflect.ValueOf(v), depth)
}

// appendFloat writes a number as notepack.io writes a JavaScript number:
// integral values in the smallest integer format, others (NaN and the
// infinities too) as float 64.
func appendFloat(b []byte, f float64) []byte { return msgpack.AppendFloat(b, f) }

func appendBin(b, data []byte) []byte {
	n := len(data)
	switch {
	case n < 1<<8:
		b = append(b, 0xc4, byte(n))
	case n < 1<<16:
		b = append(b, 0xc5, byte(n>>8), byte(n))
	default:
		b = binary.BigEndian.AppendUint32(append(b, 0xc6), uint32(n))
	}
	return append(b, data...)
}

// appendArrayBuffer writes notepack.io's ArrayBuffer: ext 8/16/32 of type
// 0, never a fixext, whose type 0 forms mean undefined and Date.
func appendArrayBuffer(b, data []byte) []byte {
	n := len(data)
	switch {
	case n < 1<<8:
		b = append(b, 0xc7, byte(n), 0)
	case n < 1<<16:
		b = append(b, 0xc8, byte(n>>8), byte(n), 0)
	default:
		b = append(binary.BigEndian.AppendUint32(append(b, 0xc9), uint32(n)), 0)
	}
	return append(b, data...)
}

// appendDate writes notepack.io's Date: fixext 8 of type 0 holding the
// milliseconds since the epoch.
func appendDate(b []byte, t time.Time) []byte {
	return binary.BigEndian.AppendUint64(append(b, 0xd7, 0), uint64(t.UnixMilli()))
}

func appendArrayHeader(b []byte, n int) []byte {
	switch {
	case n < 16:
		return append(b, 0x90|byte(n))
	case n < 1<<16:
		return append(b, 0xdc, byte(n>>8), byte(n))
	}
	return binary.BigEndian.AppendUint32(append(b, 0xdd), uint32(n))
}

func appendMapHeader(b []byte, n int) []byte {
	switch {
	case n < 16:
		return append(b, 0x80|byte(n))
	case n < 1<<16:
		return append(b, 0xde, byte(n>>8), byte(n))
	}
	return binary.BigEndian.AppendUint32(append(b, 0xdf), uint32(n))
}

func appendArray(b []byte, a []any, depth int) ([]byte, error) {
	b = appendArrayHeader(b, len(a))
	var err error
	for _, e := range a {
		if b, err = appendValue(b, e, depth+1); err != nil {
			return b, err
		}
	}
	return b, nil
}

// appendMap writes a map with its keys sorted, as encoding/json does, so
// that equal maps give equal bytes.
func appendMap(b []byte, m map[string]any, depth int) ([]byte, error) {
	if m == nil {
		return append(b, 0xc0), nil
	}
	b = appendMapHeader(b, len(m))
	var small [8]string
	keys := small[:0]
	if len(m) > len(small) {
		keys = make([]string, 0, len(m))
	}
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var err error
	for _, k := range keys {
		b = msgpack.AppendString(b, k)
		if b, err = appendValue(b, m[k], depth+1); err != nil {
			return b, err
		}
	}
	return b, nil
}

// appendReflect writes the other Go values as encoding/json would shape
// them (json struct tags, Marshalers), with []byte as binary.
func appendReflect(b []byte, v reflect.Value, depth int) ([]byte, error) {
	if !v.IsValid() {
		return append(b, 0xc0), nil
	}
	t := v.Type()
	switch {
	case t == timeType:
		return appendDate(b, v.Interface().(time.Time)), nil
	case t.Kind() == reflect.Pointer && t.Elem() == timeType:
		if v.IsNil() {
			return append(b, 0xc0), nil
		}
		return appendDate(b, v.Elem().Interface().(time.Time)), nil
	}
	if t.Implements(jsonMarshalerType) {
		if (t.Kind() == reflect.Pointer || t.Kind() == reflect.Interface) && v.IsNil() {
			return append(b, 0xc0), nil
		}
		return appendMarshaler(b, v.Interface().(json.Marshaler), depth)
	}
	if v.CanAddr() && reflect.PointerTo(t).Implements(jsonMarshalerType) {
		return appendMarshaler(b, v.Addr().Interface().(json.Marshaler), depth)
	}
	if t.Implements(textMarshalerType) && t.Kind() != reflect.Pointer {
		text, err := v.Interface().(encoding.TextMarshaler).MarshalText()
		if err != nil {
			return b, errEncode("%s: %v", t, err)
		}
		return msgpack.AppendString(b, string(text)), nil
	}
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return append(b, 0xc0), nil
		}
		e := v.Elem()
		if v.Kind() == reflect.Interface && e.CanInterface() {
			return appendValue(b, e.Interface(), depth+1)
		}
		return appendReflect(b, e, depth+1)
	case reflect.Struct:
		return appendStruct(b, v, depth)
	case reflect.Map:
		return appendReflectMap(b, v, depth)
	case reflect.Slice:
		if v.IsNil() {
			return append(b, 0xc0), nil
		}
		if t.Elem().Kind() == reflect.Uint8 && !t.Elem().Implements(jsonMarshalerType) {
			return appendBin(b, v.Bytes()), nil
		}
		fallthrough
	case reflect.Array:
		n := v.Len()
		b = appendArrayHeader(b, n)
		var err error
		for i := range n {
			if b, err = appendReflect(b, v.Index(i), depth+1); err != nil {
				return b, err
			}
		}
		return b, nil
	case reflect.String:
		return msgpack.AppendString(b, v.String()), nil
	case reflect.Bool:
		return appendValue(b, v.Bool(), depth)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return msgpack.AppendInt(b, v.Int()), nil
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return msgpack.AppendUint(b, v.Uint()), nil
	case reflect.Float32, reflect.Float64:
		return appendFloat(b, v.Float()), nil
	}
	return b, errEncode("unsupported type %s", t)
}

// appendMarshaler writes what a json.Marshaler produces, converted.
func appendMarshaler(b []byte, m json.Marshaler, depth int) ([]byte, error) {
	js, err := m.MarshalJSON()
	if err != nil {
		return b, errEncode("%T: %v", m, err)
	}
	return appendJSON(b, js, depth)
}

func appendStruct(b []byte, v reflect.Value, depth int) ([]byte, error) {
	fields := structFields(v.Type())
	// Count first: omitempty fields make the header depend on the values.
	var buf [16]reflect.Value
	vals := buf[:0]
	var present [16]bool
	var keep []bool
	if len(fields) <= len(present) {
		keep = present[:len(fields)]
	} else {
		keep = make([]bool, len(fields))
	}
	n := 0
	for i := range fields {
		f := &fields[i]
		fv, ok := fieldByIndex(v, f.index)
		if !ok || (f.omitEmpty && isEmpty(fv)) || (f.omitZero && fv.IsZero()) {
			vals = append(vals, reflect.Value{})
			continue
		}
		vals = append(vals, fv)
		keep[i] = true
		n++
	}
	b = appendMapHeader(b, n)
	var err error
	for i := range fields {
		if !keep[i] {
			continue
		}
		b = append(b, fields[i].key...)
		if b, err = appendReflect(b, vals[i], depth+1); err != nil {
			return b, err
		}
	}
	return b, nil
}

// fieldByIndex follows an embedded path; ok is false through a nil
// embedded pointer, where encoding/json skips the field.
func fieldByIndex(v reflect.Value, index []int) (reflect.Value, bool) {
	for i, x := range index {
		if i > 0 && v.Kind() == reflect.Pointer {
			if v.IsNil() {
				return reflect.Value{}, false
			}
			v = v.Elem()
		}
		v = v.Field(x)
	}
	return v, true
}

func isEmpty(v reflect.Value) bool {
	switch v.Kind() {
	case reflect.Array, reflect.Map, reflect.Slice, reflect.String:
		return v.Len() == 0
	case reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr,
		reflect.Float32, reflect.Float64, reflect.Interface, reflect.Pointer:
		return v.IsZero()
	}
	return false
}

// appendReflectMap writes a map with string, integer or TextMarshaler
// keys, sorted by their text as encoding/json sorts them.
func appendReflectMap(b []byte, v reflect.Value, depth int) ([]byte, error) {
	if v.IsNil() {
		return append(b, 0xc0), nil
	}
	type kv struct {
		k string
		v reflect.Value
	}
	kvs := make([]kv, 0, v.Len())
	it := v.MapRange()
	for it.Next() {
		k, err := mapKey(it.Key())
		if err != nil {
			return b, err
		}
		kvs = append(kvs, kv{k, it.Value()})
	}
	slices.SortFunc(kvs, func(a, b kv) int { return cmp.Compare(a.k, b.k) })
	b = appendMapHeader(b, len(kvs))
	var err error
	for _, e := range kvs {
		b = msgpack.AppendString(b, e.k)
		if b, err = appendReflect(b, e.v, depth+1); err != nil {
			return b, err
		}
	}
	return b, nil
}

func mapKey(k reflect.Value) (string, error) {
	if k.Kind() == reflect.String {
		return k.String(), nil
	}
	if tm, ok := k.Interface().(encoding.TextMarshaler); ok {
		text, err := tm.MarshalText()
		return string(text), err
	}
	switch k.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return strconv.FormatInt(k.Int(), 10), nil
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return strconv.FormatUint(k.Uint(), 10), nil
	}
	return "", errEncode("unsupported map key type %s", k.Type())
}
