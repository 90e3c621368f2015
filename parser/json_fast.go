package parser

import (
	"encoding/json"
	"math"
	"slices"
	"strconv"
	"unicode/utf8"
)

// appendJSON writes v as encoding/json would (with HTML escaping off) for
// the plain values event payloads are made of — []any (or a pointer to
// one), map[string]any, strings, numbers, bools, nil and json.RawMessage —
// without reflection, which is most of the cost of small packets. ok is
// false when v holds anything else; the caller then uses encoding/json for
// the whole value.
func appendJSON(b []byte, v any, depth int) (out []byte, ok bool) {
	if depth > maxDepth {
		return b, false
	}
	switch x := v.(type) {
	case nil:
		return append(b, "null"...), true
	case string:
		return appendJSONString(b, x), true
	case bool:
		return strconv.AppendBool(b, x), true
	case float64:
		return appendJSONFloat(b, x)
	case int:
		return strconv.AppendInt(b, int64(x), 10), true
	case int64:
		return strconv.AppendInt(b, x, 10), true
	case json.RawMessage:
		if x == nil {
			return append(b, "null"...), true
		}
		valid, spaced := validJSON(x)
		if !valid {
			return b, false // let encoding/json report it
		}
		if !spaced {
			return append(b, x...), true // already compact, as the decoder's are
		}
		return appendCompact(b, x), true
	case *jsonValue:
		if x.bin != nil && len(x.spans()) > 0 {
			return b, false // binary: deconstruct rewrites it first
		}
		return appendNode(b, x, nil)
	case nodeText:
		return append(b, x...), true
	case []any:
		return appendJSONArray(b, x, depth)
	case *[]any:
		if x == nil {
			return append(b, "null"...), true
		}
		return appendJSONArray(b, *x, depth)
	case map[string]any:
		if x == nil {
			return append(b, "null"...), true
		}
		var stack [8]string // the keys of small maps stay on the stack
		keys := stack[:0]
		for k := range x {
			keys = append(keys, k)
		}
		slices.Sort(keys) // encoding/json sorts map keys
		b = append(b, '{')
		for i, k := range keys {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJSONString(b, k)
			b = append(b, ':')
			if b, ok = appendJSON(b, x[k], depth+1); !ok {
				return b, false
			}
		}
		return append(b, '}'), true
	case RawValuer: // after the common types: an interface case costs a lookup
		r := x.RawValue()
		if r == nil {
			return append(b, "null"...), true
		}
		return appendJSON(b, r, depth+1)
	}
	return appendStruct(b, v, depth)
}

func appendJSONArray(b []byte, x []any, depth int) (out []byte, ok bool) {
	if x == nil {
		return append(b, "null"...), true
	}
	b = append(b, '[')
	for i, e := range x {
		if i > 0 {
			b = append(b, ',')
		}
		if b, ok = appendJSON(b, e, depth+1); !ok {
			return b, false
		}
	}
	return append(b, ']'), true
}

// appendJSONFloat formats like encoding/json: shortest representation,
// exponent form outside [1e-6, 1e21), exponents without leading zeros.
func appendJSONFloat(b []byte, f float64) ([]byte, bool) {
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return b, false // encoding/json reports an error
	}
	// Integral values below 2⁵³ (counters, ids, timestamps) print as the
	// integer; strconv's shortest-form search is for the others. -0 keeps
	// its sign, as encoding/json writes it.
	if i := int64(f); float64(i) == f && i > -1<<53 && i < 1<<53 && (i != 0 || !math.Signbit(f)) {
		return strconv.AppendInt(b, i, 10), true
	}
	abs := math.Abs(f)
	format := byte('f')
	if abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	start := len(b)
	b = strconv.AppendFloat(b, f, format, -1, 64)
	if format == 'e' {
		// clean up e-09 to e-9
		n := len(b) - start
		if n >= 4 && b[len(b)-4] == 'e' && b[len(b)-3] == '-' && b[len(b)-2] == '0' {
			b[len(b)-2] = b[len(b)-1]
			b = b[:len(b)-1]
		}
	}
	return b, true
}

const hexDigits = "0123456789abcdef"

// appendJSONString quotes s as encoding/json does with HTML escaping off:
// control characters, quote and backslash escaped, invalid UTF-8 replaced
// by U+FFFD, U+2028 and U+2029 escaped.
func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// appendCompact appends valid JSON src without insignificant whitespace, as
// encoding/json does for a json.RawMessage.
func appendCompact(b, src []byte) []byte {
	inString := false
	for i := 0; i < len(src); i++ {
		c := src[i]
		if inString {
			b = append(b, c)
			switch c {
			case '\\':
				if i+1 < len(src) {
					i++
					b = append(b, src[i])
				}
			case '"':
				inString = false
			}
			continue
		}
		switch c {
		case ' ', '\t', '\n', '\r':
			continue
		case '"':
			inString = true
		}
		b = append(b, c)
	}
	return b
}
