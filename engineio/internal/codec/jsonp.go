package codec

import (
	"bytes"
	"fmt"
	"net/url"
	"unicode/utf8"
)

// maxJSONPIndexLen bounds the j= query value. Clients use a small counter
// (the index into their ___eio callback array); the bound just keeps
// garbage out of responses.
const maxJSONPIndexLen = 16

// ValidJSONPIndex reports whether s is an acceptable JSONP callback index:
// 1 to 16 ASCII digits. Anything else must be rejected before responding,
// because the index is written verbatim into JavaScript.
func ValidJSONPIndex(s string) bool {
	if len(s) == 0 || len(s) > maxJSONPIndexLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

const hexDigits = "0123456789abcdef"

// AppendJSONP appends the JSONP polling response body
//
//	___eio[<index>]("<payload>");
//
// where the payload (a string-form payload; JSONP cannot carry raw binary)
// becomes a JavaScript string literal escaped the way engine.io does it:
// JSON.stringify rules (\" \\ \b \f \n \r \t, other C0 controls as \u00XX)
// plus \u2028 and \u2029, which are legal in JSON but terminate lines in
// pre-ES2019 JavaScript. Each maximal invalid UTF-8 subpart is written as
// \ufffd, matching how UTF16Len counts it. As defence in depth, non-digit
// bytes in index are dropped (as engine.io does); callers should still
// reject such requests with ValidJSONPIndex. Serve with
// Content-Type: text/javascript; charset=UTF-8.
func AppendJSONP(dst []byte, index string, payload []byte) []byte {
	dst = append(dst, "___eio["...)
	for i := 0; i < len(index); i++ {
		if c := index[i]; c >= '0' && c <= '9' {
			dst = append(dst, c)
		}
	}
	dst = append(dst, `]("`...)
	for i := 0; i < len(payload); {
		c := payload[i]
		if c >= 0x20 && c < utf8.RuneSelf {
			if c == '"' || c == '\\' {
				dst = append(dst, '\\')
			}
			dst = append(dst, c)
			i++
			continue
		}
		if c < 0x20 {
			switch c {
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			continue
		}
		size, _, valid := nextSeq(payload[i:])
		switch {
		case !valid:
			dst = append(dst, `\ufffd`...)
		case size == 3 && c == 0xE2 && payload[i+1] == 0x80 && (payload[i+2] == 0xA8 || payload[i+2] == 0xA9):
			dst = append(dst, `\u202`...)
			dst = append(dst, '8'+(payload[i+2]-0xA8))
		default:
			dst = append(dst, payload[i:i+size]...)
		}
		i += size
	}
	return append(dst, `");`...)
}

// DecodeJSONPBody extracts the payload from a JSONP polling POST body
// (application/x-www-form-urlencoded, field "d") and undoes the client's
// newline escaping. Browsers may turn "\n" into "\r\n" in form fields, so
// the client sends each newline as the two characters \n and each literal
// \n as \\n. Following engine.io's polling-jsonp transport exactly, two
// passes are applied: first every \n not preceded by a backslash becomes a
// newline (\\n is left alone), then every \\n becomes \n. The body must
// contain exactly one non-empty d field. The result is a fresh slice.
func DecodeJSONPBody(body []byte) ([]byte, error) {
	var d []byte
	found := false
	for len(body) > 0 {
		var pair []byte
		pair, body, _ = bytes.Cut(body, []byte{'&'})
		key, val, _ := bytes.Cut(pair, []byte{'='})
		k, err := url.QueryUnescape(string(key))
		if err != nil {
			return nil, fmt.Errorf("%w: jsonp body: %v", ErrInvalidPayload, err)
		}
		if k != "d" {
			continue
		}
		if found {
			return nil, fmt.Errorf("%w: jsonp body: duplicate d field", ErrInvalidPayload)
		}
		v, err := url.QueryUnescape(string(val))
		if err != nil {
			return nil, fmt.Errorf("%w: jsonp body: %v", ErrInvalidPayload, err)
		}
		d, found = []byte(v), true
	}
	if !found {
		return nil, fmt.Errorf("%w: jsonp body: missing d field", ErrInvalidPayload)
	}
	if len(d) == 0 {
		return nil, fmt.Errorf("%w: jsonp body: empty d field", ErrInvalidPayload)
	}
	return unescapeJSONPNewlines(d), nil
}

// unescapeJSONPNewlines applies engine.io's two replacements in place:
// /(\\)?\\n/g → keep if the backslash group matched, else "\n" newline;
// then /\\\\n/g → "\\n". Both scans are leftmost, non-overlapping, like the
// regular expressions. Output is never longer than input, so writing into
// the same slice is safe.
func unescapeJSONPNewlines(s []byte) []byte {
	w := 0
	for i := 0; i < len(s); {
		if s[i] == '\\' {
			if i+2 < len(s) && s[i+1] == '\\' && s[i+2] == 'n' {
				s[w], s[w+1], s[w+2] = '\\', '\\', 'n'
				w, i = w+3, i+3
				continue
			}
			if i+1 < len(s) && s[i+1] == 'n' {
				s[w] = '\n'
				w, i = w+1, i+2
				continue
			}
		}
		s[w] = s[i]
		w, i = w+1, i+1
	}
	s = s[:w]
	w = 0
	for i := 0; i < len(s); {
		if i+2 < len(s) && s[i] == '\\' && s[i+1] == '\\' && s[i+2] == 'n' {
			s[w], s[w+1] = '\\', 'n'
			w, i = w+2, i+3
			continue
		}
		s[w] = s[i]
		w, i = w+1, i+1
	}
	return s[:w]
}
