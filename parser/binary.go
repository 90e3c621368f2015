package parser

import (
	"encoding"
	"encoding/json"
	"maps"
	"reflect"
	"slices"
	"strconv"
)

// This file implements binary detection and the placeholder substitution
// done on encode ("deconstruction" in the reference implementation).
//
// The common case (event arguments made of strings, numbers, []any and
// map[string]any) is handled by type switches without reflection. Other
// types fall back to reflection, guided by a per-type cache telling whether
// a type can hold a []byte at all, so plain structs cost one map lookup.

// maxDepth bounds the walk so cyclic data cannot recurse forever. It is above
// encoding/json's own nesting limit (10000) so that anything decoded can be
// re-encoded.
const maxDepth = 1 << 14

// placeholder is what replaces a []byte in the JSON payload.
type placeholder struct {
	Placeholder bool `json:"_placeholder"`
	Num         int  `json:"num"`
}

var errTooDeep = newErr(ErrInvalidPayload, "payload nested too deeply (cycle?)")

// deconstructPayload returns the value to marshal and the attachments.
func deconstructPayload(data any) (any, [][]byte, error) {
	switch d := data.(type) {
	case nil, json.RawMessage:
		return data, nil, nil
	case *jsonValue:
		if len(d.spans()) == 0 {
			return data, nil, nil // appendJSON writes it as Node would
		}
	}
	if !containsBinary(data, 0) {
		return data, nil, nil
	}
	var atts [][]byte
	out, _, err := deconstruct(data, &atts, 0)
	if err != nil {
		return nil, nil, err
	}
	return out, atts, nil
}

// containsBinary reports whether v holds a []byte anywhere (or is too deep
// to tell, which deconstruct then reports as an error).
func containsBinary(v any, depth int) bool {
	if depth > maxDepth {
		return true
	}
	switch x := v.(type) {
	case nil, string, bool, float64, float32, int, int8, int16, int32, int64,
		uint, uint8, uint16, uint32, uint64, json.Number, json.RawMessage,
		[]string, []int, []float64, map[string]string:
		return false
	case []byte:
		return x != nil
	case []any:
		return arrayContainsBinary(x, depth)
	case *[]any:
		return x != nil && arrayContainsBinary(*x, depth)
	case map[string]any:
		for _, e := range x {
			if containsBinary(e, depth+1) {
				return true
			}
		}
		return false
	case *jsonValue:
		return len(x.spans()) > 0
	case RawValue:
		return true // foreign codec value: decode it generically
	case RawValuer:
		return containsBinary(x.RawValue(), depth+1)
	}
	return reflectContainsBinary(reflect.ValueOf(v), depth+1)
}

func arrayContainsBinary(x []any, depth int) bool {
	for _, e := range x {
		if containsBinary(e, depth+1) {
			return true
		}
	}
	return false
}

func reflectContainsBinary(v reflect.Value, depth int) bool {
	if depth > maxDepth {
		return true
	}
	if !v.IsValid() || !mayContainBinary(v.Type()) {
		return false
	}
	if v.Type().Implements(rawValuerType) && v.CanInterface() {
		// Always rewritten, binary or not, so that it is written as Node
		// would rather than by its MarshalJSON.
		return true
	}
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return false
		}
		if v.Kind() == reflect.Interface && v.Elem().CanInterface() {
			return containsBinary(v.Elem().Interface(), depth+1)
		}
		return reflectContainsBinary(v.Elem(), depth+1)
	case reflect.Slice:
		if v.Type().Elem().Kind() == reflect.Uint8 {
			return !v.IsNil()
		}
		fallthrough
	case reflect.Array:
		for i := 0; i < v.Len(); i++ {
			if reflectContainsBinary(v.Index(i), depth+1) {
				return true
			}
		}
	case reflect.Map:
		it := v.MapRange()
		for it.Next() {
			if reflectContainsBinary(it.Value(), depth+1) {
				return true
			}
		}
	case reflect.Struct:
		for _, f := range structFields(v.Type()) {
			if fv, ok := fieldByIndex(v, f.index); ok && reflectContainsBinary(fv, depth+1) {
				return true
			}
		}
	}
	return false
}

// deconstruct returns v with every []byte replaced by a placeholder
// (appending the bytes to atts). changed is false when v was returned as is.
func deconstruct(v any, atts *[][]byte, depth int) (out any, changed bool, err error) {
	if depth > maxDepth {
		return nil, false, errTooDeep
	}
	switch x := v.(type) {
	case nil, string, bool, float64, float32, int, int8, int16, int32, int64,
		uint, uint8, uint16, uint32, uint64, json.Number, json.RawMessage,
		[]string, []int, []float64, map[string]string:
		return v, false, nil
	case []byte:
		if x == nil {
			return v, false, nil // nil []byte marshals as null
		}
		*atts = append(*atts, x)
		return placeholder{true, len(*atts) - 1}, true, nil
	case []any:
		var cp []any // copied lazily: the caller's slice is never modified
		for i, e := range x {
			o, ch, err := deconstruct(e, atts, depth+1)
			if err != nil {
				return nil, false, err
			}
			if ch && cp == nil {
				cp = make([]any, len(x))
				copy(cp, x[:i])
			}
			if cp != nil {
				cp[i] = o
			}
		}
		if cp == nil {
			return v, false, nil
		}
		return cp, true, nil
	case *[]any:
		if x == nil {
			return v, false, nil
		}
		return deconstruct(*x, atts, depth)
	case map[string]any:
		if !containsBinary(x, depth) {
			return v, false, nil
		}
		// Visit keys in the order encoding/json writes them so that
		// attachment numbers follow the text: deterministic output.
		cp := make(map[string]any, len(x))
		for _, k := range slices.Sorted(maps.Keys(x)) {
			o, _, err := deconstruct(x[k], atts, depth+1)
			if err != nil {
				return nil, false, err
			}
			cp[k] = o
		}
		return cp, true, nil
	case *jsonValue:
		// Written as Node relays it, placeholders renumbered in the order
		// they are written, which is the order this walk appends
		// attachments in.
		t, ok := nodeValueText(x, atts)
		if !ok {
			return nil, false, newErr(ErrInvalidPayload, "cannot re-encode a received value")
		}
		return t, true, nil
	case RawValue:
		return deconstructRaw(x, atts, depth)
	case RawValuer:
		if r := x.RawValue(); r != nil {
			o, _, err := deconstruct(r, atts, depth+1)
			return o, true, err
		}
		return nil, true, nil
	}
	return deconstructReflect(reflect.ValueOf(v), atts, depth+1)
}

// deconstructRaw re-encodes a received value whose attachments must travel again.
func deconstructRaw(r RawValue, atts *[][]byte, depth int) (any, bool, error) {
	var generic any
	if err := r.Unmarshal(&generic); err != nil {
		return nil, false, wrapErr(ErrInvalidPayload, "cannot re-encode RawValue", err)
	}
	o, _, err := deconstruct(generic, atts, depth+1)
	return o, true, err
}

func deconstructReflect(v reflect.Value, atts *[][]byte, depth int) (any, bool, error) {
	if depth > maxDepth {
		return nil, false, errTooDeep
	}
	if !v.IsValid() {
		return nil, false, nil
	}
	t := v.Type()
	if !mayContainBinary(t) {
		return valueInterface(v)
	}
	if t.Implements(rawValuerType) && v.CanInterface() {
		if v.Kind() == reflect.Pointer && v.IsNil() {
			return nil, false, nil
		}
		return deconstruct(v.Interface(), atts, depth+1)
	}
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return nil, false, nil
		}
		if v.Kind() == reflect.Interface && v.Elem().CanInterface() {
			return deconstruct(v.Elem().Interface(), atts, depth+1)
		}
		return deconstructReflect(v.Elem(), atts, depth+1)
	case reflect.Slice, reflect.Array:
		if v.Kind() == reflect.Slice && v.IsNil() {
			return nil, false, nil
		}
		if t.Elem().Kind() == reflect.Uint8 { // []byte or a named byte slice
			if v.Kind() == reflect.Slice {
				*atts = append(*atts, v.Bytes())
				return placeholder{true, len(*atts) - 1}, true, nil
			}
		}
		out := make([]any, v.Len())
		for i := range out {
			o, _, err := deconstructReflect(v.Index(i), atts, depth+1)
			if err != nil {
				return nil, false, err
			}
			out[i] = o
		}
		return out, true, nil
	case reflect.Map:
		if v.IsNil() {
			return nil, false, nil
		}
		keys := make(map[string]reflect.Value, v.Len())
		it := v.MapRange()
		for it.Next() {
			k, err := mapKey(it.Key())
			if err != nil {
				return nil, false, err
			}
			keys[k] = it.Value()
		}
		out := make(map[string]any, len(keys))
		for _, k := range slices.Sorted(maps.Keys(keys)) { // see map[string]any above
			o, _, err := deconstructReflect(keys[k], atts, depth+1)
			if err != nil {
				return nil, false, err
			}
			out[k] = o
		}
		return out, true, nil
	case reflect.Struct:
		return deconstructStruct(v, atts, depth)
	}
	return valueInterface(v)
}

// deconstructStruct converts a struct to a map following encoding/json's
// field rules (tags, "-", omitempty, omitzero, ",string", embedding).
// Key order becomes alphabetical, which JSON objects do not care about.
func deconstructStruct(v reflect.Value, atts *[][]byte, depth int) (any, bool, error) {
	fields := sortedFields(v.Type())
	out := make(map[string]any, len(fields))
	for _, f := range fields {
		fv, ok := fieldByIndex(v, f.index)
		if !ok || (f.omitEmpty && isEmptyValue(fv)) || (f.omitZero && isZeroValue(fv)) {
			continue
		}
		if f.quoted {
			o, err := quotedValue(fv)
			if err != nil {
				return nil, false, err
			}
			out[f.name] = o
			continue
		}
		o, _, err := deconstructReflect(fv, atts, depth+1)
		if err != nil {
			return nil, false, err
		}
		out[f.name] = o
	}
	return out, true, nil
}

// valueInterface returns v as an interface value. Only exported fields are
// visited, so v is always interfaceable; the check just rules out a panic.
func valueInterface(v reflect.Value) (any, bool, error) {
	if !v.CanInterface() {
		return nil, false, newErr(ErrInvalidPayload, "cannot encode unexported value of type "+v.Type().String())
	}
	return v.Interface(), false, nil
}

// quotedValue implements the ",string" tag option for basic kinds.
func quotedValue(v reflect.Value) (any, error) {
	x, _, err := valueInterface(v)
	if err != nil {
		return nil, err
	}
	inner, err := json.Marshal(x)
	if err != nil {
		return nil, wrapErr(ErrInvalidPayload, "cannot marshal field", err)
	}
	switch v.Kind() {
	case reflect.String, reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr,
		reflect.Float32, reflect.Float64:
		return string(inner), nil
	}
	return x, nil // encoding/json ignores ",string" on other kinds
}

func mapKey(k reflect.Value) (string, error) {
	if k.Kind() == reflect.String {
		return k.String(), nil
	}
	if k.Type().Implements(textMarshalerT) && k.CanInterface() {
		b, err := k.Interface().(encoding.TextMarshaler).MarshalText()
		if err != nil {
			return "", wrapErr(ErrInvalidPayload, "cannot marshal map key", err)
		}
		return string(b), nil
	}
	switch k.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return strconv.FormatInt(k.Int(), 10), nil
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return strconv.FormatUint(k.Uint(), 10), nil
	}
	return "", newErr(ErrInvalidPayload, "unsupported map key type "+k.Type().String())
}

func isEmptyValue(v reflect.Value) bool {
	switch v.Kind() {
	case reflect.Array, reflect.Map, reflect.Slice, reflect.String:
		return v.Len() == 0
	case reflect.Bool:
		return !v.Bool()
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return v.Int() == 0
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return v.Uint() == 0
	case reflect.Float32, reflect.Float64:
		return v.Float() == 0
	case reflect.Interface, reflect.Pointer:
		return v.IsNil()
	}
	return false
}

type isZeroer interface{ IsZero() bool }

func isZeroValue(v reflect.Value) bool {
	if v.CanInterface() {
		if z, ok := v.Interface().(isZeroer); ok {
			if (v.Kind() == reflect.Pointer || v.Kind() == reflect.Interface) && v.IsNil() {
				return true
			}
			return z.IsZero()
		}
	}
	return v.IsZero()
}

// fieldByIndex walks an embedding path; ok is false through a nil pointer.
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
