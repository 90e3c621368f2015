package msgpackparser

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"math"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/gosio/gosio/internal/msgpack"
)

// appendJSON converts JSON text (a json.RawMessage, what a json.Marshaler
// wrote) to MessagePack, keeping the key order and integers exactly:
// numbers without a fraction or exponent that fit 64 bits stay integers,
// other numbers are written as notepack.io writes JavaScript numbers.
func appendJSON(b []byte, js []byte, depth int) ([]byte, error) {
	if !json.Valid(js) { // the conversion below relies on valid input
		return b, errEncode("invalid JSON %.40q", js)
	}
	out, off, err := jsonValue(b, js, skipWS(js, 0), depth)
	if err != nil {
		return b, err
	}
	if skipWS(js, off) != len(js) {
		return b, errEncode("invalid JSON: trailing data")
	}
	return out, nil
}

func skipWS(js []byte, i int) int {
	for i < len(js) && (js[i] == ' ' || js[i] == '\t' || js[i] == '\n' || js[i] == '\r') {
		i++
	}
	return i
}

func jsonValue(b, js []byte, i, depth int) ([]byte, int, error) {
	if depth > maxEncodeDepth {
		return b, i, errEncode("JSON nested too deeply")
	}
	if i >= len(js) {
		return b, i, errEncode("invalid JSON: unexpected end")
	}
	switch c := js[i]; {
	case c == '{':
		return jsonObject(b, js, i+1, depth)
	case c == '[':
		return jsonArray(b, js, i+1, depth)
	case c == '"':
		return jsonString(b, js, i)
	case c == 't' && bytes.HasPrefix(js[i:], []byte("true")):
		return append(b, 0xc3), i + 4, nil
	case c == 'f' && bytes.HasPrefix(js[i:], []byte("false")):
		return append(b, 0xc2), i + 5, nil
	case c == 'n' && bytes.HasPrefix(js[i:], []byte("null")):
		return append(b, 0xc0), i + 4, nil
	case c == '-' || (c >= '0' && c <= '9'):
		return jsonNumber(b, js, i)
	}
	return b, i, errEncode("invalid JSON at offset %d", i)
}

// jsonCount counts the elements of the array or object whose content
// starts at i, so that its header can be written first.
func jsonCount(js []byte, i int) int {
	n, depth, inStr := 0, 0, false
	any := false
	for ; i < len(js); i++ {
		c := js[i]
		if inStr {
			switch c {
			case '\\':
				i++
			case '"':
				inStr = false
			}
			continue
		}
		switch c {
		case '"':
			inStr = true
		case '[', '{':
			depth++
		case ']', '}':
			if depth == 0 {
				if any {
					n++
				}
				return n
			}
			depth--
		case ',':
			if depth == 0 {
				n++
			}
			continue
		case ' ', '\t', '\n', '\r':
			continue
		}
		any = true
	}
	return n
}

func jsonArray(b, js []byte, i, depth int) ([]byte, int, error) {
	n := jsonCount(js, i)
	b = appendArrayHeader(b, n)
	var err error
	for k := range n {
		if k > 0 {
			if i = skipWS(js, i); i >= len(js) || js[i] != ',' {
				return b, i, errEncode("invalid JSON array")
			}
			i++
		}
		if b, i, err = jsonValue(b, js, skipWS(js, i), depth+1); err != nil {
			return b, i, err
		}
	}
	if i = skipWS(js, i); i >= len(js) || js[i] != ']' {
		return b, i, errEncode("invalid JSON array")
	}
	return b, i + 1, nil
}

func jsonObject(b, js []byte, i, depth int) ([]byte, int, error) {
	n := jsonCount(js, i)
	b = appendMapHeader(b, n)
	var err error
	for k := range n {
		if i = skipWS(js, i); k > 0 {
			if i >= len(js) || js[i] != ',' {
				return b, i, errEncode("invalid JSON object")
			}
			i = skipWS(js, i+1)
		}
		if i >= len(js) || js[i] != '"' {
			return b, i, errEncode("invalid JSON object key")
		}
		if b, i, err = jsonString(b, js, i); err != nil {
			return b, i, err
		}
		if i = skipWS(js, i); i >= len(js) || js[i] != ':' {
			return b, i, errEncode("invalid JSON object")
		}
		if b, i, err = jsonValue(b, js, skipWS(js, i+1), depth+1); err != nil {
			return b, i, err
		}
	}
	if i = skipWS(js, i); i >= len(js) || js[i] != '}' {
		return b, i, errEncode("invalid JSON object")
	}
	return b, i + 1, nil
}

// jsonString appends the string literal at i as a str.
func jsonString(b, js []byte, i int) ([]byte, int, error) {
	escaped := false
	for j := i + 1; j < len(js); j++ {
		switch js[j] {
		case '\\':
			escaped = true
			j++
		case '"':
			lit := js[i : j+1]
			if !escaped && utf8.Valid(lit) {
				return appendStr(b, lit[1:len(lit)-1]), j + 1, nil
			}
			var s string
			if err := json.Unmarshal(lit, &s); err != nil {
				return b, i, errEncode("invalid JSON string: %v", err)
			}
			return msgpack.AppendString(b, s), j + 1, nil
		}
	}
	return b, i, errEncode("invalid JSON: unterminated string")
}

// appendStr is msgpack.AppendString for bytes, without a conversion.
func appendStr(b, s []byte) []byte {
	n := len(s)
	switch {
	case n < 32:
		b = append(b, 0xa0|byte(n))
	case n < 1<<8:
		b = append(b, 0xd9, byte(n))
	case n < 1<<16:
		b = append(b, 0xda, byte(n>>8), byte(n))
	default:
		b = binary.BigEndian.AppendUint32(append(b, 0xdb), uint32(n))
	}
	return append(b, s...)
}

func jsonNumber(b, js []byte, i int) ([]byte, int, error) {
	j, integer := i, true
	for j < len(js) {
		c := js[j]
		if c == '.' || c == 'e' || c == 'E' {
			integer = false
		} else if !(c == '-' || c == '+' || (c >= '0' && c <= '9')) {
			break
		}
		j++
	}
	lit := string(js[i:j])
	if integer {
		if n, err := strconv.ParseInt(lit, 10, 64); err == nil {
			return msgpack.AppendInt(b, n), j, nil
		}
		if u, err := strconv.ParseUint(lit, 10, 64); err == nil {
			return msgpack.AppendUint(b, u), j, nil
		}
	}
	f, err := strconv.ParseFloat(lit, 64)
	if err != nil { // out of range too, as encoding/json refuses it
		return b, i, errEncode("invalid JSON number %q", lit)
	}
	return appendFloat(b, f), j, nil
}

// appendAsJSON writes the MessagePack value at off as JSON text, for
// json.Unmarshaler targets: binary as base64 strings (as encoding/json
// writes []byte), undefined and non-finite numbers as null, Dates as
// JavaScript's toJSON writes them. It returns the offset after the value.
func appendAsJSON(out, b []byte, off int) ([]byte, int, error) {
	t, off, err := readToken(b, off)
	if err != nil {
		return out, off, err
	}
	switch t.kind {
	case kNil, kUndefined:
		return append(out, "null"...), off, nil
	case kBool:
		return strconv.AppendBool(out, t.b), off, nil
	case kInt:
		return strconv.AppendInt(out, t.i, 10), off, nil
	case kUint:
		return strconv.AppendUint(out, t.u, 10), off, nil
	case kFloat:
		if math.IsNaN(t.f) || math.IsInf(t.f, 0) {
			return append(out, "null"...), off, nil
		}
		return strconv.AppendFloat(out, t.f, 'g', -1, 64), off, nil
	case kStr:
		return appendJSONString(out, t.data), off, nil
	case kBin, kArrayBuffer:
		out = append(out, '"')
		out = base64.StdEncoding.AppendEncode(out, t.data)
		return append(out, '"'), off, nil
	case kDate:
		ts := time.UnixMilli(t.i).UTC().Format("2006-01-02T15:04:05.000Z07:00")
		return appendJSONString(out, []byte(ts)), off, nil
	case kExt:
		out = append(strconv.AppendInt(append(out, '['), int64(t.ext), 10), ',', '"')
		out = base64.StdEncoding.AppendEncode(out, t.data)
		return append(out, '"', ']'), off, nil
	case kArray:
		out = append(out, '[')
		for k := range t.n {
			if k > 0 {
				out = append(out, ',')
			}
			if out, off, err = appendAsJSON(out, b, off); err != nil {
				return out, off, err
			}
		}
		return append(out, ']'), off, nil
	}
	out = append(out, '{') // kMap
	for k := range t.n {
		if k > 0 {
			out = append(out, ',')
		}
		kt, next, err := readToken(b, off)
		if err != nil {
			return out, off, err
		}
		if kt.kind == kStr {
			out, off = appendJSONString(out, kt.data), next
		} else {
			var key []byte // JavaScript turns other keys into their text
			if key, off, err = appendAsJSON(nil, b, off); err != nil {
				return out, off, err
			}
			out = appendJSONString(out, bytes.Trim(key, `"`))
		}
		out = append(out, ':')
		if out, off, err = appendAsJSON(out, b, off); err != nil {
			return out, off, err
		}
	}
	return append(out, '}'), off, nil
}

// appendJSONString writes s as a JSON string; invalid UTF-8 becomes
// U+FFFD, as in encoding/json.
func appendJSONString(out, s []byte) []byte {
	plain := utf8.Valid(s)
	for _, c := range s {
		if c < 0x20 || c == '"' || c == '\\' {
			plain = false
			break
		}
	}
	if plain {
		return append(append(append(out, '"'), s...), '"')
	}
	q, _ := json.Marshal(string(s))
	return append(out, q...)
}
