package parser

import (
	"bytes"
	"encoding/json"
	"strconv"
	"unicode/utf8"
)

// Decoding a received value into `any` is what the commonest listener,
// func(v any, ack Ack), asks of every event. encoding/json does it through
// reflection and a validating pass the decoder has already made; this
// decoder reads the validated text directly, with every string of the value
// cut from one copy of it. It gives up (ok false), and the caller uses
// encoding/json, on anything it does not produce identically: escaped or
// invalid UTF-8 strings, numbers out of float64's range, deep nesting.

// maxFastDepth bounds the recursion of the fast decoders; deeper values go
// to encoding/json.
const maxFastDepth = 64

// anyDecoder decodes one JSON text into generic values.
type anyDecoder struct {
	src []byte
	str string // src as a string: every string of the value is cut from it
}

// decodeAny decodes JSON text into a generic value as json.Unmarshal into
// an `any` would.
func decodeAny(raw []byte) (any, bool) {
	d := anyDecoder{src: raw}
	i := skipSpace(raw, 0)
	v, end, ok := d.value(i, 0)
	if !ok || skipSpace(raw, end) != len(raw) {
		return nil, false
	}
	return v, true
}

// text returns src[i:j] as a string sharing the single copy of src.
func (d *anyDecoder) text(i, j int) string {
	if d.str == "" {
		d.str = string(d.src)
	}
	return d.str[i:j]
}

func (d *anyDecoder) value(i, depth int) (any, int, bool) {
	src := d.src
	if i >= len(src) || depth > maxFastDepth {
		return nil, 0, false
	}
	switch c := src[i]; {
	case c == '{':
		return d.object(i, depth)
	case c == '[':
		return d.array(i, depth)
	case c == '"':
		s, end, ok := d.string(i)
		return s, end, ok
	case c == 't':
		return true, i + 4, bytes.HasPrefix(src[i:], litTrue)
	case c == 'f':
		return false, i + 5, bytes.HasPrefix(src[i:], []byte("false"))
	case c == 'n':
		return nil, i + 4, bytes.HasPrefix(src[i:], []byte("null"))
	default:
		end := skipValue(src, i)
		if end < 0 {
			return nil, 0, false
		}
		f, ok := parseJSONFloat(src[i:end])
		return f, end, ok
	}
}

// parseJSONFloat parses a number token as encoding/json does into a
// float64; ok is false where encoding/json would fail (out of range).
func parseJSONFloat(tok []byte) (float64, bool) {
	// Small integers, the usual case, without strconv.
	if len(tok) > 0 && len(tok) <= 15 {
		neg := tok[0] == '-'
		digits := tok
		if neg {
			digits = tok[1:]
		}
		n, plain := int64(0), len(digits) > 0
		for _, c := range digits {
			if c < '0' || c > '9' {
				plain = false
				break
			}
			n = n*10 + int64(c-'0')
		}
		if plain {
			if neg {
				if n == 0 {
					return negZero, true
				}
				return -float64(n), true
			}
			return float64(n), true
		}
	}
	f, err := strconv.ParseFloat(string(tok), 64)
	return f, err == nil
}

var negZero = func() float64 { z := 0.0; return -z }()

// string decodes the string token at src[i].
func (d *anyDecoder) string(i int) (string, int, bool) {
	end := skipString(d.src, i)
	if end < 0 {
		return "", 0, false
	}
	inner := d.src[i+1 : end-1]
	if bytes.IndexByte(inner, '\\') >= 0 || !utf8.Valid(inner) {
		var s string
		if json.Unmarshal(d.src[i:end], &s) != nil {
			return "", 0, false
		}
		return s, end, true
	}
	return d.text(i+1, end-1), end, true
}

func (d *anyDecoder) array(i, depth int) (any, int, bool) {
	src := d.src
	j := skipSpace(src, i+1)
	out := []any{}
	if j < len(src) && src[j] == ']' {
		return out, j + 1, true
	}
	for j < len(src) {
		v, end, ok := d.value(j, depth+1)
		if !ok {
			return nil, 0, false
		}
		out = append(out, v)
		j = skipSpace(src, end)
		if j >= len(src) {
			return nil, 0, false
		}
		if src[j] == ']' {
			return out, j + 1, true
		}
		if src[j] != ',' {
			return nil, 0, false
		}
		j = skipSpace(src, j+1)
	}
	return nil, 0, false
}

func (d *anyDecoder) object(i, depth int) (any, int, bool) {
	src := d.src
	j := skipSpace(src, i+1)
	out := map[string]any{}
	if j < len(src) && src[j] == '}' {
		return out, j + 1, true
	}
	for j < len(src) {
		if src[j] != '"' {
			return nil, 0, false
		}
		key, kEnd, ok := d.string(j)
		if !ok {
			return nil, 0, false
		}
		j = skipSpace(src, kEnd)
		if j >= len(src) || src[j] != ':' {
			return nil, 0, false
		}
		v, end, ok := d.value(skipSpace(src, j+1), depth+1)
		if !ok {
			return nil, 0, false
		}
		out[key] = v
		j = skipSpace(src, end)
		if j >= len(src) {
			return nil, 0, false
		}
		if src[j] == '}' {
			return out, j + 1, true
		}
		if src[j] != ',' {
			return nil, 0, false
		}
		j = skipSpace(src, j+1)
	}
	return nil, 0, false
}
