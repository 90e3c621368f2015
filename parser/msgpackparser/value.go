package msgpackparser

import (
	"fmt"
	"math"
	"reflect"
	"strconv"
	"time"

	"github.com/gosio/gosio/parser"
)

// value is the codec's parser.RawValue: one MessagePack value, validated
// when its packet was decoded, pointing into the received message.
type value struct{ raw []byte }

var _ parser.RawValue = (*value)(nil)

// Raw implements parser.RawValue: the value's MessagePack bytes.
func (v *value) Raw() []byte { return v.raw }

// String implements parser.RawValue.
func (v *value) String() (string, bool) {
	t, _, err := readToken(v.raw, 0)
	if err != nil || t.kind != kStr {
		return "", false
	}
	return string(t.data), true
}

// Elems implements parser.RawValue.
func (v *value) Elems() ([]parser.RawValue, error) {
	t, off, err := readToken(v.raw, 0)
	if err != nil {
		return nil, err
	}
	if t.kind != kArray {
		return nil, fmt.Errorf("%w: value is not an array", parser.ErrInvalidPayload)
	}
	vals, out := newElems(t.n)
	for k := range t.n {
		end, err := skip(v.raw, off, 0, math.MaxInt)
		if err != nil {
			return nil, err
		}
		vals[k].raw = v.raw[off:end:end]
		out[k] = &vals[k]
		off = end
	}
	return out, nil
}

// newElems returns room for n values and their interfaces, in one
// allocation for the short arrays events are.
func newElems(n int) ([]value, []parser.RawValue) {
	if n <= 4 {
		b := new(struct {
			v [4]value
			o [4]parser.RawValue
		})
		return b.v[:n], b.o[:n]
	}
	return make([]value, n), make([]parser.RawValue, n)
}

// Unmarshal implements parser.RawValue (see the package doc for the
// mapping). Binary values are shared with the received message, not
// copied.
func (v *value) Unmarshal(x any) error {
	switch p := x.(type) {
	case *any:
		g, _, err := generic(v.raw, 0)
		if err != nil {
			return err
		}
		*p = g
		return nil
	case *[]byte:
		if t, _, err := readToken(v.raw, 0); err == nil && (t.kind == kBin || t.kind == kArrayBuffer) {
			*p = t.data
			return nil
		}
	}
	rv := reflect.ValueOf(x)
	if rv.Kind() != reflect.Pointer || rv.IsNil() {
		return fmt.Errorf("msgpackparser: Unmarshal(non-nil pointer expected, got %T)", x)
	}
	_, err := decodeInto(rv.Elem(), v.raw, 0)
	return err
}

// generic decodes the value at off into the types an `any` receives.
func generic(b []byte, off int) (any, int, error) {
	t, off, err := readToken(b, off)
	if err != nil {
		return nil, off, err
	}
	switch t.kind {
	case kNil:
		return nil, off, nil
	case kBool:
		return t.b, off, nil
	case kInt:
		return t.i, off, nil
	case kUint:
		return t.u, off, nil
	case kFloat:
		return t.f, off, nil
	case kStr:
		return string(t.data), off, nil
	case kBin:
		return t.data, off, nil
	case kArrayBuffer:
		return ArrayBuffer(t.data), off, nil
	case kUndefined:
		return Undefined{}, off, nil
	case kDate:
		return time.UnixMilli(t.i).UTC(), off, nil
	case kExt:
		return []any{int64(t.ext), t.data}, off, nil
	case kArray:
		a := make([]any, t.n)
		for k := range a {
			if a[k], off, err = generic(b, off); err != nil {
				return nil, off, err
			}
		}
		return a, off, nil
	}
	m := make(map[string]any, t.n) // kMap
	for range t.n {
		var k string
		if k, off, err = keyText(b, off); err != nil {
			return nil, off, err
		}
		if m[k], off, err = generic(b, off); err != nil {
			return nil, off, err
		}
	}
	return m, off, nil
}

// keyText reads a map key as JavaScript names a property: strings as they
// are, other values as their text.
func keyText(b []byte, off int) (string, int, error) {
	t, next, err := readToken(b, off)
	if err != nil {
		return "", next, err
	}
	switch t.kind {
	case kStr:
		return string(t.data), next, nil
	case kInt:
		return strconv.FormatInt(t.i, 10), next, nil
	case kUint:
		return strconv.FormatUint(t.u, 10), next, nil
	case kFloat:
		return strconv.FormatFloat(t.f, 'g', -1, 64), next, nil
	case kBool:
		return strconv.FormatBool(t.b), next, nil
	case kNil:
		return "null", next, nil
	case kUndefined:
		return "undefined", next, nil
	}
	end, err := skip(b, off, 0, math.MaxInt)
	return t.kind.String(), end, err
}
