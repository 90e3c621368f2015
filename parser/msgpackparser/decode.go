package msgpackparser

import (
	"encoding"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"strconv"
	"time"
)

var (
	textUnmarshalerType = reflect.TypeFor[encoding.TextUnmarshaler]()
	anyType             = reflect.TypeFor[any]()
)

// TypeError is returned by Unmarshal when a received value cannot be
// stored in the target's type.
type TypeError struct {
	Value string       // what was received: "string", "integer 300", ...
	Type  reflect.Type // the target type
}

func (e *TypeError) Error() string {
	return "msgpackparser: cannot decode " + e.Value + " into Go value of type " + e.Type.String()
}

// decodeInto decodes the value at off into v (settable) and returns the
// offset after it. nil and undefined leave v as it is, as JSON null does.
func decodeInto(v reflect.Value, b []byte, off int) (int, error) {
	t, next, err := readToken(b, off)
	if err != nil {
		return next, err
	}
	typ := v.Type()
	if typ == anyType {
		g, end, err := generic(b, off)
		if err == nil {
			v.Set(reflect.ValueOf(&g).Elem())
		}
		return end, err
	}
	if t.kind == kNil || t.kind == kUndefined {
		switch v.Kind() {
		case reflect.Pointer, reflect.Interface, reflect.Map, reflect.Slice:
			v.SetZero()
		}
		return next, nil
	}
	if v.Kind() == reflect.Pointer {
		if v.IsNil() {
			v.Set(reflect.New(typ.Elem()))
		}
		return decodeInto(v.Elem(), b, off)
	}
	if typ == timeType {
		return next, decodeTime(v, t)
	}
	if v.CanAddr() {
		if u, ok := v.Addr().Interface().(json.Unmarshaler); ok {
			js, end, err := appendAsJSON(nil, b, off)
			if err != nil {
				return end, err
			}
			return end, u.UnmarshalJSON(js)
		}
		if u, ok := v.Addr().Interface().(encoding.TextUnmarshaler); ok && t.kind == kStr {
			return next, u.UnmarshalText(t.data)
		}
	}
	switch v.Kind() {
	case reflect.Bool:
		if t.kind == kBool {
			v.SetBool(t.b)
			return next, nil
		}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		if n, ok := asInt(t); ok && !v.OverflowInt(n) {
			v.SetInt(n)
			return next, nil
		}
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		if n, ok := asUint(t); ok && !v.OverflowUint(n) {
			v.SetUint(n)
			return next, nil
		}
	case reflect.Float32, reflect.Float64:
		switch t.kind {
		case kInt:
			v.SetFloat(float64(t.i))
			return next, nil
		case kUint:
			v.SetFloat(float64(t.u))
			return next, nil
		case kFloat:
			v.SetFloat(t.f)
			return next, nil
		}
	case reflect.String:
		if t.kind == kStr {
			v.SetString(string(t.data))
			return next, nil
		}
	case reflect.Slice:
		if typ.Elem().Kind() == reflect.Uint8 {
			switch t.kind {
			case kBin, kArrayBuffer:
				v.SetBytes(t.data)
				return next, nil
			case kStr: // base64, as encoding/json reads []byte
				data, err := base64.StdEncoding.DecodeString(string(t.data))
				if err != nil {
					return next, err
				}
				v.SetBytes(data)
				return next, nil
			}
		}
		if t.kind == kArray {
			s := reflect.MakeSlice(typ, t.n, t.n)
			for k := range t.n {
				if next, err = decodeInto(s.Index(k), b, next); err != nil {
					return next, err
				}
			}
			v.Set(s)
			return next, nil
		}
	case reflect.Array:
		if t.kind == kArray {
			for k := range t.n {
				if k < v.Len() {
					next, err = decodeInto(v.Index(k), b, next)
				} else {
					next, err = skip(b, next, 0, math.MaxInt)
				}
				if err != nil {
					return next, err
				}
			}
			for k := t.n; k < v.Len(); k++ {
				v.Index(k).SetZero()
			}
			return next, nil
		}
	case reflect.Map:
		if t.kind == kMap {
			return decodeMap(v, t.n, b, next)
		}
	case reflect.Struct:
		if t.kind == kMap {
			return decodeStruct(v, t.n, b, next)
		}
	case reflect.Interface:
		g, end, err := generic(b, off)
		if err != nil {
			return end, err
		}
		if gv := reflect.ValueOf(g); gv.Type().AssignableTo(typ) {
			v.Set(gv)
			return end, nil
		}
	}
	end, err := skip(b, off, 0, math.MaxInt)
	if err != nil {
		return end, err
	}
	return end, &TypeError{Value: describe(t), Type: typ}
}

func describe(t token) string {
	switch t.kind {
	case kInt:
		return "integer " + strconv.FormatInt(t.i, 10)
	case kUint:
		return "integer " + strconv.FormatUint(t.u, 10)
	case kFloat:
		return "number " + strconv.FormatFloat(t.f, 'g', -1, 64)
	}
	return t.kind.String()
}

// asInt reads an integer, or a float without a fraction (another client's
// float 64 for an integral number).
func asInt(t token) (int64, bool) {
	switch t.kind {
	case kInt:
		return t.i, true
	case kFloat:
		if t.f == math.Trunc(t.f) && t.f >= math.MinInt64 && t.f < math.MaxInt64 {
			return int64(t.f), true
		}
	}
	return 0, false
}

func asUint(t token) (uint64, bool) {
	switch t.kind {
	case kInt:
		return uint64(t.i), t.i >= 0
	case kUint:
		return t.u, true
	case kFloat:
		if t.f == math.Trunc(t.f) && t.f >= 0 && t.f < math.MaxUint64 {
			return uint64(t.f), true
		}
	}
	return 0, false
}

// decodeTime reads a Date, a MessagePack timestamp or an RFC 3339 string.
func decodeTime(v reflect.Value, t token) error {
	switch {
	case t.kind == kDate:
		v.Set(reflect.ValueOf(time.UnixMilli(t.i).UTC()))
		return nil
	case t.kind == kExt && t.ext == -1 && (t.n == 4 || t.n == 8 || t.n == 12):
		var ts time.Time
		switch t.n {
		case 4:
			ts = time.Unix(int64(binary.BigEndian.Uint32(t.data)), 0)
		case 8:
			u := binary.BigEndian.Uint64(t.data)
			ts = time.Unix(int64(u&(1<<34-1)), int64(u>>34))
		default:
			ts = time.Unix(int64(binary.BigEndian.Uint64(t.data[4:])), int64(binary.BigEndian.Uint32(t.data)))
		}
		v.Set(reflect.ValueOf(ts.UTC()))
		return nil
	case t.kind == kStr:
		return v.Addr().Interface().(*time.Time).UnmarshalText(t.data)
	}
	return &TypeError{Value: describe(t), Type: timeType}
}

func decodeMap(v reflect.Value, n int, b []byte, off int) (int, error) {
	typ := v.Type()
	kt := typ.Key()
	if v.IsNil() {
		v.Set(reflect.MakeMapWithSize(typ, n))
	}
	ev := reflect.New(typ.Elem()).Elem()
	for range n {
		key, next, err := keyText(b, off)
		if err != nil {
			return next, err
		}
		kv, err := mapKeyValue(kt, key)
		if err != nil {
			return next, err
		}
		ev.SetZero()
		if off, err = decodeInto(ev, b, next); err != nil {
			return off, err
		}
		v.SetMapIndex(kv, ev)
	}
	return off, nil
}

func mapKeyValue(kt reflect.Type, key string) (reflect.Value, error) {
	if reflect.PointerTo(kt).Implements(textUnmarshalerType) {
		kv := reflect.New(kt)
		if err := kv.Interface().(encoding.TextUnmarshaler).UnmarshalText([]byte(key)); err != nil {
			return reflect.Value{}, err
		}
		return kv.Elem(), nil
	}
	kv := reflect.New(kt).Elem()
	switch kt.Kind() {
	case reflect.String:
		kv.SetString(key)
		return kv, nil
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		n, err := strconv.ParseInt(key, 10, 64)
		if err == nil && !kv.OverflowInt(n) {
			kv.SetInt(n)
			return kv, nil
		}
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		n, err := strconv.ParseUint(key, 10, 64)
		if err == nil && !kv.OverflowUint(n) {
			kv.SetUint(n)
			return kv, nil
		}
	}
	return reflect.Value{}, fmt.Errorf("msgpackparser: cannot use key %q for a map with keys of type %s", key, kt)
}

// decodeStruct fills the fields named by the map's keys; keys without a
// field are skipped.
func decodeStruct(v reflect.Value, n int, b []byte, off int) (int, error) {
	fields := structFields(v.Type())
	for range n {
		kt, next, err := readToken(b, off)
		if err != nil {
			return next, err
		}
		var f *field
		if kt.kind == kStr {
			f = lookup(fields, kt.data)
		} else if next, err = skip(b, off, 0, math.MaxInt); err != nil {
			return next, err
		}
		if f == nil {
			if off, err = skip(b, next, 0, math.MaxInt); err != nil {
				return off, err
			}
			continue
		}
		fv, ok := fieldForSet(v, f.index)
		if !ok {
			off, err = skip(b, next, 0, math.MaxInt)
		} else {
			off, err = decodeInto(fv, b, next)
		}
		if err != nil {
			return off, err
		}
	}
	return off, nil
}

// fieldForSet follows an embedded path, allocating nil embedded pointers
// when they are exported.
func fieldForSet(v reflect.Value, index []int) (reflect.Value, bool) {
	for i, x := range index {
		if i > 0 && v.Kind() == reflect.Pointer {
			if v.IsNil() {
				if !v.CanSet() {
					return reflect.Value{}, false
				}
				v.Set(reflect.New(v.Type().Elem()))
			}
			v = v.Elem()
		}
		v = v.Field(x)
	}
	return v, v.CanSet()
}
