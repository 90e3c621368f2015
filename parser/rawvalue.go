package parser

import (
	"encoding/base64"
	"encoding/json"
	"unicode/utf8"
)

// binPayload is the attachment state shared by all values of one binary packet.
type binPayload struct {
	atts  [][]byte
	spans []phSpan // placeholders, ordered and disjoint, offsets within the payload
}

// jsonValue is the JSON codec's RawValue: a slice of the packet payload plus,
// for binary packets, the attachments its placeholders refer to.
//
// It is kept small (every event argument is one): the base64 rewrite of a
// binary value is not cached, as it is needed at most once per use.
type jsonValue struct {
	raw []byte
	off int         // offset of raw within the packet payload (to map spans)
	bin *binPayload // nil for non-binary packets
}

var _ RawValue = (*jsonValue)(nil)

// Raw implements RawValue.
func (v *jsonValue) Raw() []byte { return v.raw }

// String implements RawValue.
func (v *jsonValue) String() (string, bool) {
	b := trimSpace(v.raw)
	if len(b) < 2 || b[0] != '"' {
		return "", false
	}
	inner := b[1 : len(b)-1]
	// Fast path: no escapes and valid UTF-8 means the JSON text is the string.
	if !containsByte(inner, '\\') && utf8.Valid(inner) {
		return string(inner), true
	}
	var s string
	if json.Unmarshal(b, &s) != nil {
		return "", false
	}
	return s, true
}

func containsByte(b []byte, c byte) bool {
	for _, x := range b {
		if x == c {
			return true
		}
	}
	return false
}

// Elems implements RawValue.
func (v *jsonValue) Elems() ([]RawValue, error) {
	// One scan for the short arrays events are: their bounds fit on the
	// stack; longer ones are counted first, then scanned again.
	var bounds [8][2]int
	n := 0
	if !arrayElems(v.raw, func(start, end int) {
		if n < len(bounds) {
			bounds[n] = [2]int{start, end}
		}
		n++
	}) {
		return nil, newErr(ErrInvalidPayload, "value is not an array")
	}
	vals, out := newElems(n)
	set := func(k, start, end int) {
		vals[k].raw = v.raw[start:end:end]
		vals[k].off = v.off + start
		vals[k].bin = v.bin
		out[k] = &vals[k]
	}
	if n <= len(bounds) {
		for k, b := range bounds[:n] {
			set(k, b[0], b[1])
		}
		return out, nil
	}
	k := 0
	arrayElems(v.raw, func(start, end int) {
		set(k, start, end)
		k++
	})
	return out, nil
}

// newElems returns room for n values and their interfaces, in one
// allocation for the short arrays events are.
func newElems(n int) ([]jsonValue, []RawValue) {
	switch {
	case n <= 2:
		b := new(struct {
			v [2]jsonValue
			o [2]RawValue
		})
		return b.v[:n], b.o[:n]
	case n <= 4:
		b := new(struct {
			v [4]jsonValue
			o [4]RawValue
		})
		return b.v[:n], b.o[:n]
	}
	return make([]jsonValue, n), make([]RawValue, n)
}

// spans returns the placeholders located inside this value.
func (v *jsonValue) spans() []phSpan {
	if v.bin == nil {
		return nil
	}
	lo, hi := v.off, v.off+len(v.raw)
	all := v.bin.spans
	i := 0
	for i < len(all) && all[i].start < lo {
		i++
	}
	j := i
	for j < len(all) && all[j].end <= hi {
		j++
	}
	return all[i:j]
}

// Unmarshal implements RawValue. Errors come straight from encoding/json
// (e.g. *json.UnmarshalTypeError when v does not match the payload).
//
// Binary placeholders are resolved as follows: into dynamic targets (*any,
// *[]any, *map[string]any) json decodes normally and placeholder objects are
// then swapped for their attachment ([]byte, shared, not copied; the same
// holds for a *[]byte target when the value is a single placeholder). Any other
// target gets a copy of the JSON where each placeholder is a base64 string,
// which encoding/json decodes natively into []byte fields; note that an
// `any` field nested in such a typed target therefore receives that base64
// string, not []byte.
func (v *jsonValue) Unmarshal(x any) error {
	spans := v.spans()
	if len(spans) == 0 {
		switch t := x.(type) {
		case *json.RawMessage:
			// Validated when the packet was decoded: copy, skip re-parsing.
			*t = append((*t)[:0], trimSpace(v.raw)...)
			return nil
		case *any:
			// A non-nil interface may hold a pointer encoding/json decodes into.
			if *t == nil {
				if d, ok := decodeAny(v.raw); ok {
					*t = d
					return nil
				}
			}
		default:
			if decodeStruct(v.raw, x) {
				return nil
			}
		}
		return json.Unmarshal(v.raw, x)
	}
	switch t := x.(type) {
	case *any:
		if d, ok := decodeAny(v.raw); ok && *t == nil {
			*t = v.resolve(d)
			return nil
		}
		if err := json.Unmarshal(v.raw, t); err != nil {
			return err
		}
		*t = v.resolve(*t)
		return nil
	case *[]any:
		if err := json.Unmarshal(v.raw, t); err != nil {
			return err
		}
		for i := range *t {
			(*t)[i] = v.resolve((*t)[i])
		}
		return nil
	case *map[string]any:
		if err := json.Unmarshal(v.raw, t); err != nil {
			return err
		}
		for k, e := range *t {
			(*t)[k] = v.resolve(e)
		}
		return nil
	case *[]byte:
		// The value is exactly one placeholder: hand out the attachment.
		if len(spans) == 1 && spans[0].start == v.off+skipSpace(v.raw, 0) &&
			spans[0].end == v.off+len(trimSpaceRight(v.raw)) {
			*t = v.bin.atts[spans[0].num]
			return nil
		}
	}
	return json.Unmarshal(v.rewrite(spans), x)
}

func trimSpaceRight(b []byte) []byte {
	j := len(b)
	for j > 0 && isSpace(b[j-1]) {
		j--
	}
	return b[:j]
}

// rewrite replaces every placeholder object by a base64 JSON string.
func (v *jsonValue) rewrite(spans []phSpan) []byte {
	size := len(v.raw)
	for _, s := range spans {
		size += base64.StdEncoding.EncodedLen(len(v.bin.atts[s.num])) + 2
	}
	out := make([]byte, 0, size)
	pos := 0
	for _, s := range spans {
		start, end := s.start-v.off, s.end-v.off
		out = append(out, v.raw[pos:start]...)
		out = append(out, '"')
		out = base64.StdEncoding.AppendEncode(out, v.bin.atts[s.num])
		out = append(out, '"')
		pos = end
	}
	return append(out, v.raw[pos:]...)
}

// resolve swaps decoded placeholder objects for their attachments.
func (v *jsonValue) resolve(x any) any {
	switch t := x.(type) {
	case map[string]any:
		if ph, _ := t["_placeholder"].(bool); ph {
			if f, ok := t["num"].(float64); ok && f >= 0 && f < float64(len(v.bin.atts)) && f == float64(int(f)) {
				return v.bin.atts[int(f)]
			}
			return x
		}
		for k, e := range t {
			t[k] = v.resolve(e)
		}
	case []any:
		for i, e := range t {
			t[i] = v.resolve(e)
		}
	}
	return x
}

// MarshalJSON lets a received value be embedded in an outgoing payload. The
// encoder turns placeholders into fresh attachments itself; plain
// json.Marshal gets them as base64 strings.
func (v *jsonValue) MarshalJSON() ([]byte, error) {
	spans := v.spans()
	if len(spans) == 0 {
		return v.raw, nil
	}
	return v.rewrite(spans), nil
}

// NewJSONValue returns a RawValue holding the JSON text, as the JSON
// codec's decoder would hold it, for values that come from elsewhere than
// a packet (a struct field decoded by encoding/json, a stored payload).
// text is not copied and must not be modified afterwards. Text nested
// deeper than DefaultMaxDepth is refused, as the decoder refuses it.
func NewJSONValue(text []byte) (RawValue, error) {
	if valid, _ := validJSON(text); !valid || len(trimSpace(text)) == 0 {
		return nil, newErr(ErrInvalidPayload, "not a JSON value")
	}
	if tooDeep(text, DefaultMaxDepth) {
		return nil, newErr(ErrInvalidPayload, "value nested too deeply")
	}
	return &jsonValue{raw: text}, nil
}
