package codec

import "unicode/utf8"

// nextSeq measures the first UTF-8 element of s (len(s) > 0): its size in
// bytes and how many UTF-16 code units JavaScript would use for it.
//
// Invalid UTF-8 follows the WHATWG "maximal subpart" rule that browsers'
// TextDecoder and Node use when turning a response body into a string: a
// truncated but otherwise well-formed prefix of a sequence becomes ONE
// U+FFFD, any other bad byte becomes one U+FFFD each. Either way that is
// one UTF-16 unit, so a length we compute matches the length the client
// sees after decoding. The JSONP encoder emits \ufffd for exactly the same
// spans so the two stay consistent.
func nextSeq(s []byte) (size, units int, valid bool) {
	c := s[0]
	if c < utf8.RuneSelf {
		return 1, 1, true
	}
	r, n := utf8.DecodeRune(s)
	if r != utf8.RuneError || n > 1 {
		if r >= 0x10000 {
			return n, 2, true // astral: a surrogate pair in JS
		}
		return n, 1, true
	}
	// Invalid: find the maximal subpart starting at c.
	need := 0
	lo, hi := byte(0x80), byte(0xBF)
	switch {
	case c >= 0xC2 && c <= 0xDF:
		need = 1
	case c == 0xE0:
		need, lo = 2, 0xA0
	case c == 0xED:
		need, hi = 2, 0x9F
	case c >= 0xE1 && c <= 0xEF:
		need = 2
	case c == 0xF0:
		need, lo = 3, 0x90
	case c == 0xF4:
		need, hi = 3, 0x8F
	case c >= 0xF1 && c <= 0xF3:
		need = 3
	default:
		return 1, 1, false // continuation byte or never-valid lead
	}
	i := 1
	for ; i <= need && i < len(s); i++ {
		b := s[i]
		if i == 1 {
			if b < lo || b > hi {
				break
			}
		} else if b < 0x80 || b > 0xBF {
			break
		}
	}
	return i, 1, false
}

// UTF16Len returns JavaScript's String.length for the string a client gets
// when it decodes s as UTF-8: BMP characters count 1, astral characters
// (4-byte UTF-8) count 2, and each maximal invalid subpart counts 1 (it
// becomes one U+FFFD). Protocol 3 string payloads use this as the packet
// length prefix.
func UTF16Len(s []byte) int {
	n := 0
	for i := 0; i < len(s); {
		if s[i] < utf8.RuneSelf { // fast path for ASCII
			i++
			n++
			continue
		}
		size, units, _ := nextSeq(s[i:])
		i += size
		n += units
	}
	return n
}
