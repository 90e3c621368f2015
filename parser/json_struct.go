package parser

import (
	"encoding"
	"encoding/json"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"
)

// Listeners commonly take a flat struct (func(m RoomMessage)) and emit
// one back. encoding/json handles any struct, through a validating pass the
// decoder has already made and general reflection; the plain structs
// events are made of (exported fields of basic kinds or `any`, no custom
// marshalling, no embedding) are decoded and encoded here from a per-type
// plan instead. Everything else, and every input this code would not
// handle exactly as encoding/json does, goes to encoding/json.

// structPlan is how a plain struct type is read and written.
type structPlan struct {
	fields []planField
}

type planField struct {
	name      string
	key       []byte // `"name":`
	index     int
	kind      reflect.Kind
	omitEmpty bool
	omitZero  bool
}

var (
	planCache      sync.Map // reflect.Type -> *structPlan, nil when not plain
	jsonUnmarshalT = reflect.TypeFor[json.Unmarshaler]()
	textUnmarshalT = reflect.TypeFor[encoding.TextUnmarshaler]()
	isZeroerT      = reflect.TypeFor[isZeroer]()
)

// planFor returns t's plan, or nil when t is not a plain struct.
func planFor(t reflect.Type) *structPlan {
	if p, ok := planCache.Load(t); ok {
		return p.(*structPlan)
	}
	p := makePlan(t)
	planCache.Store(t, p)
	return p
}

// customJSON reports whether t or *t marshals or unmarshals itself.
func customJSON(t reflect.Type) bool {
	for _, x := range []reflect.Type{t, reflect.PointerTo(t)} {
		if x.Implements(jsonMarshalerType) || x.Implements(jsonUnmarshalT) ||
			x.Implements(textMarshalerT) || x.Implements(textUnmarshalT) {
			return true
		}
	}
	return false
}

func makePlan(t reflect.Type) *structPlan {
	if t.Kind() != reflect.Struct || customJSON(t) {
		return nil
	}
	p := &structPlan{}
	for _, f := range structFields(t) {
		if len(f.index) != 1 || f.quoted || !plainName(f.name) {
			return nil
		}
		k := f.typ.Kind()
		switch k {
		case reflect.Bool, reflect.String, reflect.Float64,
			reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
			reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
			if customJSON(f.typ) || (f.omitZero && f.typ.Implements(isZeroerT)) {
				return nil
			}
		case reflect.Interface:
			if f.typ.NumMethod() != 0 {
				return nil
			}
		default:
			return nil
		}
		key := appendJSONString(nil, f.name)
		p.fields = append(p.fields, planField{
			name: f.name, key: append(key, ':'), index: f.index[0], kind: k,
			omitEmpty: f.omitEmpty, omitZero: f.omitZero,
		})
	}
	return p
}

// plainName reports whether a JSON key is ASCII without anything to escape,
// so that matching and writing it need no care.
func plainName(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= utf8.RuneSelf || c == '"' || c == '\\' {
			return false
		}
	}
	return true
}

// field returns the plan's field for key: an exact match, else a
// case-insensitive one, as encoding/json matches.
func (p *structPlan) field(key string) (*planField, bool) {
	for i := range p.fields {
		if p.fields[i].name == key {
			return &p.fields[i], true
		}
	}
	for i := range p.fields {
		if strings.EqualFold(p.fields[i].name, key) {
			return &p.fields[i], true
		}
	}
	return nil, false
}

// decodeStruct decodes JSON text into x, a pointer to a plain struct, as
// json.Unmarshal would. It reports false, possibly having set some fields
// to the values json.Unmarshal would set, when the caller must use
// encoding/json instead.
func decodeStruct(raw []byte, x any) bool {
	rv := reflect.ValueOf(x)
	if rv.Kind() != reflect.Pointer || rv.IsNil() {
		return false
	}
	sv := rv.Elem()
	p := planFor(sv.Type())
	if p == nil {
		return false
	}
	d := anyDecoder{src: raw}
	i := skipSpace(raw, 0)
	if i >= len(raw) || raw[i] != '{' {
		return false
	}
	j := skipSpace(raw, i+1)
	if j < len(raw) && raw[j] == '}' {
		return skipSpace(raw, j+1) == len(raw)
	}
	for j < len(raw) {
		if raw[j] != '"' {
			return false
		}
		key, kEnd, ok := d.string(j)
		if !ok {
			return false
		}
		j = skipSpace(raw, kEnd)
		if j >= len(raw) || raw[j] != ':' {
			return false
		}
		j = skipSpace(raw, j+1)
		end := skipValue(raw, j)
		if end < 0 {
			return false
		}
		if f, ok := p.field(key); ok {
			if !d.setField(sv.Field(f.index), f.kind, j, end) {
				return false
			}
		}
		j = skipSpace(raw, end)
		if j >= len(raw) {
			return false
		}
		if raw[j] == '}' {
			return skipSpace(raw, j+1) == len(raw)
		}
		if raw[j] != ',' {
			return false
		}
		j = skipSpace(raw, j+1)
	}
	return false
}

// setField sets fv from the value src[i:end].
func (d *anyDecoder) setField(fv reflect.Value, kind reflect.Kind, i, end int) bool {
	tok := d.src[i:end]
	if tok[0] == 'n' { // null leaves a field as it is
		return string(tok) == "null"
	}
	switch kind {
	case reflect.String:
		if tok[0] != '"' {
			return false
		}
		s, _, ok := d.string(i)
		if ok {
			fv.SetString(s)
		}
		return ok
	case reflect.Bool:
		switch string(tok) {
		case "true":
			fv.SetBool(true)
		case "false":
			fv.SetBool(false)
		default:
			return false
		}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		n, err := strconv.ParseInt(string(tok), 10, fv.Type().Bits())
		if err != nil {
			return false
		}
		fv.SetInt(n)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		n, err := strconv.ParseUint(string(tok), 10, fv.Type().Bits())
		if err != nil {
			return false
		}
		fv.SetUint(n)
	case reflect.Float64:
		if tok[0] != '-' && (tok[0] < '0' || tok[0] > '9') {
			return false
		}
		f, ok := parseJSONFloat(tok)
		if !ok {
			return false
		}
		fv.SetFloat(f)
	case reflect.Interface:
		if !fv.IsNil() {
			return false // may hold a pointer encoding/json decodes into
		}
		v, vEnd, ok := d.value(i, 1)
		if !ok || vEnd != end {
			return false
		}
		if v != nil {
			fv.Set(reflect.ValueOf(v))
		}
	default:
		return false
	}
	return true
}

// appendStruct writes v, a plain struct or a pointer to one, as
// encoding/json would. ok is false for anything else.
func appendStruct(b []byte, v any, depth int) ([]byte, bool) {
	rv := reflect.ValueOf(v)
	if rv.Kind() == reflect.Pointer {
		if rv.IsNil() || rv.Type().Implements(jsonMarshalerType) || rv.Type().Implements(textMarshalerT) {
			return b, false
		}
		rv = rv.Elem()
	}
	if rv.Kind() != reflect.Struct {
		return b, false
	}
	p := planFor(rv.Type())
	if p == nil {
		return b, false
	}
	b = append(b, '{')
	first := true
	for i := range p.fields {
		f := &p.fields[i]
		fv := rv.Field(f.index)
		if (f.omitEmpty && isEmptyValue(fv)) || (f.omitZero && fv.IsZero()) {
			continue
		}
		if !first {
			b = append(b, ',')
		}
		first = false
		b = append(b, f.key...)
		switch f.kind {
		case reflect.String:
			b = appendJSONString(b, fv.String())
		case reflect.Bool:
			b = strconv.AppendBool(b, fv.Bool())
		case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
			b = strconv.AppendInt(b, fv.Int(), 10)
		case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
			b = strconv.AppendUint(b, fv.Uint(), 10)
		case reflect.Float64:
			var ok bool
			if b, ok = appendJSONFloat(b, fv.Float()); !ok {
				return b, false
			}
		case reflect.Interface:
			var ok bool
			if fv.IsNil() {
				b = append(b, "null"...)
			} else if b, ok = appendJSON(b, fv.Elem().Interface(), depth+1); !ok {
				return b, false
			}
		}
	}
	return append(b, '}'), true
}
