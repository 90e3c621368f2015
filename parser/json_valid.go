package parser

import "encoding/json"

// validDepth is how deep validJSON tracks nesting itself; deeper documents
// (rare, and refused on decode anyway) go to json.Valid.
const validDepth = 64

// validJSON reports whether b is one valid JSON value, exactly as json.Valid
// does, and whether it holds whitespace outside strings (so that a compact
// copy differs from it). It is a direct loop over the bytes: on the event
// payloads of every packet, json.Valid's per-byte state machine was a
// visible part of the server's CPU.
func validJSON(b []byte) (valid, spaced bool) {
	var (
		stack [validDepth]byte // '[' or '{' per open container
		depth int
		i     int
	)
	skipSpace := func() {
		for i < len(b) {
			switch b[i] {
			case ' ', '\t', '\n', '\r':
				spaced = true
				i++
				continue
			}
			return
		}
	}

value:
	skipSpace()
	if i >= len(b) {
		return false, spaced
	}
	switch c := b[i]; {
	case c == '{' || c == '[':
		if depth == validDepth {
			return json.Valid(b), true // deep: let encoding/json decide
		}
		stack[depth] = c
		depth++
		i++
		skipSpace()
		if i < len(b) && b[i] == c+2 { // '}' is '{'+2, ']' is '['+2
			i++
			depth--
			goto next
		}
		if c == '{' {
			goto key
		}
		goto value
	case c == '"':
		if i = skipValidString(b, i); i < 0 {
			return false, spaced
		}
	case c == '-' || (c >= '0' && c <= '9'):
		if i = skipValidNumber(b, i); i < 0 {
			return false, spaced
		}
	case c == 't':
		if i = skipLiteral(b, i, "true"); i < 0 {
			return false, spaced
		}
	case c == 'f':
		if i = skipLiteral(b, i, "false"); i < 0 {
			return false, spaced
		}
	case c == 'n':
		if i = skipLiteral(b, i, "null"); i < 0 {
			return false, spaced
		}
	default:
		return false, spaced
	}

next: // after a complete value
	skipSpace()
	if depth == 0 {
		return i == len(b), spaced
	}
	if i >= len(b) {
		return false, spaced
	}
	switch b[i] {
	case ',':
		i++
		if stack[depth-1] == '{' {
			skipSpace()
			goto key
		}
		goto value
	case ']', '}':
		if b[i] != stack[depth-1]+2 { // closes what was opened
			return false, spaced
		}
		i++
		depth--
		goto next
	}
	return false, spaced

key: // at an object key (whitespace before it skipped)
	if i >= len(b) || b[i] != '"' {
		return false, spaced
	}
	if i = skipValidString(b, i); i < 0 {
		return false, spaced
	}
	skipSpace()
	if i >= len(b) || b[i] != ':' {
		return false, spaced
	}
	i++
	goto value
}

// skipValidString returns the index after the string starting at b[i] (a
// quote), or -1 if it is not a valid JSON string. Like encoding/json, it
// refuses control characters but not invalid UTF-8.
func skipValidString(b []byte, i int) int {
	for i++; i < len(b); i++ {
		switch c := b[i]; {
		case c == '"':
			return i + 1
		case c < 0x20:
			return -1
		case c == '\\':
			i++
			if i >= len(b) {
				return -1
			}
			switch b[i] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
			case 'u':
				if i+4 >= len(b) {
					return -1
				}
				for _, h := range b[i+1 : i+5] {
					if !isHex(h) {
						return -1
					}
				}
				i += 4
			default:
				return -1
			}
		}
	}
	return -1
}

func isHex(c byte) bool {
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')
}

// skipValidNumber returns the index after the number starting at b[i], or
// -1 if it is not a valid JSON number.
func skipValidNumber(b []byte, i int) int {
	if b[i] == '-' {
		i++
	}
	switch {
	case i >= len(b):
		return -1
	case b[i] == '0':
		i++
	case b[i] >= '1' && b[i] <= '9':
		i = skipDigits(b, i)
	default:
		return -1
	}
	if i < len(b) && b[i] == '.' {
		j := skipDigits(b, i+1)
		if j == i+1 {
			return -1
		}
		i = j
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		j := skipDigits(b, i)
		if j == i {
			return -1
		}
		i = j
	}
	return i
}

func skipDigits(b []byte, i int) int {
	for i < len(b) && b[i] >= '0' && b[i] <= '9' {
		i++
	}
	return i
}

func skipLiteral(b []byte, i int, lit string) int {
	if len(b)-i < len(lit) || string(b[i:i+len(lit)]) != lit {
		return -1
	}
	return i + len(lit)
}
