package parser

import (
	"bytes"
	"encoding/json"
)

// This file holds a tiny JSON scanner used on payloads that json.Valid has
// already accepted. It lets the decoder peek at the payload shape, split
// arrays and locate attachment placeholders without building a generic
// map[string]any tree (which would cost many allocations per packet).
// Every index is still bounds-checked so that a logic error can never panic.

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

func skipSpace(b []byte, i int) int {
	for i < len(b) && isSpace(b[i]) {
		i++
	}
	return i
}

// trimSpace returns b without surrounding JSON whitespace.
func trimSpace(b []byte) []byte {
	i := skipSpace(b, 0)
	j := len(b)
	for j > i && isSpace(b[j-1]) {
		j--
	}
	return b[i:j]
}

// tooDeep reports whether arrays and objects in b nest more than max
// levels; brackets inside strings do not count. It runs before json.Valid so
// that depth, not only size, bounds the work a payload causes.
func tooDeep(b []byte, max int) bool {
	depth := 0
	for i := 0; i < len(b); i++ {
		switch b[i] {
		case '"':
			j := skipString(b, i)
			if j < 0 {
				return false // invalid JSON; json.Valid reports it
			}
			i = j - 1
		case '[', '{':
			if depth++; depth > max {
				return true
			}
		case ']', '}':
			depth--
		}
	}
	return false
}

// skipString returns the index after the string starting at b[i] == '"', or -1.
func skipString(b []byte, i int) int {
	for j := i + 1; j < len(b); j++ {
		switch b[j] {
		case '\\':
			j++
		case '"':
			return j + 1
		}
	}
	return -1
}

// skipValue returns the index after the value starting at b[i] (no leading
// space), or -1 if the input is malformed.
func skipValue(b []byte, i int) int {
	if i >= len(b) {
		return -1
	}
	switch b[i] {
	case '"':
		return skipString(b, i)
	case '{', '[':
		depth := 0
		for j := i; j < len(b); j++ {
			switch b[j] {
			case '"':
				j = skipString(b, j)
				if j < 0 {
					return -1
				}
				j-- // loop increments
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return j + 1
				}
			}
		}
		return -1
	default: // number, true, false, null
		j := i
		for j < len(b) && !isSpace(b[j]) && b[j] != ',' && b[j] != ']' && b[j] != '}' {
			j++
		}
		if j == i {
			return -1
		}
		return j
	}
}

// firstByte returns the first non-space byte of b, or 0.
func firstByte(b []byte) byte {
	i := skipSpace(b, 0)
	if i < len(b) {
		return b[i]
	}
	return 0
}

// arrayElems calls fn with the [start,end) span of each element of the
// array b (which must start, after spaces, with '['). It returns false if b
// is not an array or is malformed.
func arrayElems(b []byte, fn func(start, end int)) bool {
	i := skipSpace(b, 0)
	if i >= len(b) || b[i] != '[' {
		return false
	}
	i = skipSpace(b, i+1)
	if i < len(b) && b[i] == ']' {
		return true
	}
	for i < len(b) {
		end := skipValue(b, i)
		if end < 0 {
			return false
		}
		fn(i, end)
		i = skipSpace(b, end)
		if i >= len(b) {
			return false
		}
		if b[i] == ']' {
			return true
		}
		if b[i] != ',' {
			return false
		}
		i = skipSpace(b, i+1)
	}
	return false
}

// phSpan locates one attachment placeholder object inside a payload.
type phSpan struct {
	start, end int // byte offsets of the object within the payload
	num        int // attachment index
}

var (
	keyPlaceholder = []byte(`"_placeholder"`)
	keyNum         = []byte(`"num"`)
	litTrue        = []byte("true")
)

// placeholderScanner finds every object whose "_placeholder" member is true
// (the reference implementation's test) and validates its "num".
type placeholderScanner struct {
	b     []byte
	n     int // number of announced attachments
	spans []phSpan
}

// value scans the value at b[i] and returns the index after it (-1 on error).
func (s *placeholderScanner) value(i int) int {
	if i >= len(s.b) {
		return -1
	}
	switch s.b[i] {
	case '{':
		return s.object(i)
	case '[':
		i = skipSpace(s.b, i+1)
		if i < len(s.b) && s.b[i] == ']' {
			return i + 1
		}
		for i < len(s.b) {
			if i = s.value(i); i < 0 {
				return -1
			}
			i = skipSpace(s.b, i)
			if i >= len(s.b) {
				return -1
			}
			if s.b[i] == ']' {
				return i + 1
			}
			if s.b[i] != ',' {
				return -1
			}
			i = skipSpace(s.b, i+1)
		}
		return -1
	default:
		return skipValue(s.b, i)
	}
}

func (s *placeholderScanner) object(start int) int {
	b := s.b
	mark := len(s.spans)
	isPH := false
	var num []byte
	i := skipSpace(b, start+1)
	if i < len(b) && b[i] == '}' {
		return i + 1
	}
	closed := false
	for !closed && i < len(b) {
		kEnd := skipString(b, i)
		if kEnd < 0 {
			return -1
		}
		key := b[i:kEnd]
		i = skipSpace(b, kEnd)
		if i >= len(b) || b[i] != ':' {
			return -1
		}
		vStart := skipSpace(b, i+1)
		vEnd := s.value(vStart)
		if vEnd < 0 {
			return -1
		}
		switch keyName(key) {
		case 1:
			isPH = bytes.Equal(b[vStart:vEnd], litTrue) // last duplicate wins, like encoding/json
		case 2:
			num = b[vStart:vEnd]
		}
		i = skipSpace(b, vEnd)
		if i >= len(b) {
			return -1
		}
		if b[i] == '}' {
			i++
			closed = true
			continue
		}
		if b[i] != ',' {
			return -1
		}
		i = skipSpace(b, i+1)
	}
	if !closed {
		return -1
	}
	if isPH {
		// Anything nested in a placeholder is replaced with it: forget it so
		// that spans stay disjoint and ordered.
		s.spans = s.spans[:mark]
		n, ok := parseSmallInt(num, s.n)
		if !ok {
			n = -1 // reported by findPlaceholders unless an outer placeholder swallows it
		}
		s.spans = append(s.spans, phSpan{start: start, end: i, num: n})
	}
	return i
}

// keyName classifies an object key: 1 "_placeholder", 2 "num", 0 other.
func keyName(key []byte) int {
	if bytes.IndexByte(key, '\\') >= 0 { // escaped key: rare, decode it properly
		var k string
		if json.Unmarshal(key, &k) != nil {
			return 0
		}
		key = []byte(`"` + k + `"`)
	}
	switch {
	case bytes.Equal(key, keyPlaceholder):
		return 1
	case bytes.Equal(key, keyNum):
		return 2
	}
	return 0
}

// parseSmallInt parses a plain non-negative decimal integer < limit.
func parseSmallInt(b []byte, limit int) (int, bool) {
	if len(b) == 0 || len(b) > 9 {
		return 0, false
	}
	n := 0
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, n < limit
}

// findPlaceholders returns the placeholders of payload (validated JSON) and
// checks that they reference exactly the attachments 0..n-1.
func findPlaceholders(payload []byte, n int) ([]phSpan, error) {
	s := placeholderScanner{b: payload, n: n}
	i := skipSpace(payload, 0)
	if s.value(i) < 0 {
		return nil, newErr(ErrInvalidPayload, "malformed JSON")
	}
	seen := make([]bool, n)
	for _, sp := range s.spans {
		if sp.num < 0 {
			return nil, newErr(ErrInvalidAttachments, "placeholder num missing or out of range")
		}
		seen[sp.num] = true
	}
	for _, ok := range seen {
		if !ok {
			return nil, newErr(ErrInvalidAttachments, "attachment count does not match placeholders")
		}
	}
	return s.spans, nil
}
