package parser

import (
	"bytes"
	"cmp"
	"math"
	"slices"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// This file writes a received JSON value the way a Node server relaying it
// would: Node's parser runs JSON.parse on the payload and its encoder
// JSON.stringify on what the application emits, so a relayed value comes
// out as JSON.stringify(JSON.parse(text)). Doing the same here, from the
// text, is what lets a Go relay send Node's bytes:
//
//   - numbers are IEEE doubles written by ECMAScript's Number::toString
//     (1.0 → 1, -0 → 0, 1e21 → 1e+21, 12345678901234567890 →
//     12345678901234567000, out of range → null);
//   - strings are written with JSON.stringify's escapes only (\" \\ \b \f
//     \n \r \t, other controls and lone surrogates as lower-case \u00xx /
//     \udxxx), every other character as UTF-8;
//   - an object's keys keep their order, except that integer-index keys
//     ("0" … "4294967294") come first in numeric order, and a repeated key
//     keeps its first position with its last value;
//   - whitespace goes;
//   - every attachment placeholder is replaced by a fresh one numbered in
//     the order written, its attachment appended to the packet's, as Node's
//     encoder numbers the Buffers it finds.

// nodeText is JSON text already written as Node writes it: the encoder
// copies it as is.
type nodeText []byte

// MarshalJSON lets encoding/json embed it when the encoder falls back to it.
func (t nodeText) MarshalJSON() ([]byte, error) { return t, nil }

// nodeWriter rewrites one received value.
type nodeWriter struct {
	src   []byte
	off   int      // offset of src within its packet payload (span coordinates)
	spans []phSpan // the placeholders inside src
	in    [][]byte // the received packet's attachments
	out   *[][]byte
	depth int
}

// appendNode appends v's text as Node would relay it. Attachments it
// references are appended to *atts (which may be nil only when v has none).
func appendNode(b []byte, v *jsonValue, atts *[][]byte) ([]byte, bool) {
	w := nodeWriter{src: v.raw, off: v.off, spans: v.spans(), out: atts}
	if v.bin != nil {
		w.in = v.bin.atts
	}
	if len(w.src) > math.MaxInt32 { // members keep 32-bit offsets
		return b, false
	}
	i := skipSpace(w.src, 0)
	if i >= len(w.src) {
		return append(b, "null"...), true
	}
	b, _, ok := w.value(b, i)
	return b, ok
}

// nodeValueText returns v's text as Node would relay it, its attachments
// appended to *atts.
func nodeValueText(v *jsonValue, atts *[][]byte) (nodeText, bool) {
	b, ok := appendNode(make([]byte, 0, len(v.raw)+16), v, atts)
	return nodeText(b), ok
}

// value writes the value starting at src[i] and returns the index after
// it. ok is false on text that is not JSON (never the case for a decoder's
// values, which were validated).
func (w *nodeWriter) value(b []byte, i int) (out []byte, end int, ok bool) {
	if w.depth > maxDepth || i >= len(w.src) {
		return b, 0, false
	}
	src := w.src
	switch c := src[i]; {
	case c == '{':
		if sp, ok := w.placeholderAt(i); ok {
			if sp.num < 0 || sp.num >= len(w.in) || w.out == nil {
				return b, 0, false
			}
			*w.out = append(*w.out, w.in[sp.num])
			b = append(b, `{"_placeholder":true,"num":`...)
			b = strconv.AppendInt(b, int64(len(*w.out)-1), 10)
			return append(b, '}'), sp.end - w.off, true
		}
		w.depth++
		b, end, ok = w.object(b, i)
		w.depth--
		return b, end, ok
	case c == '[':
		w.depth++
		b, end, ok = w.array(b, i)
		w.depth--
		return b, end, ok
	case c == '"':
		end = skipString(src, i)
		if end < 0 {
			return b, 0, false
		}
		return appendNodeString(b, src[i:end]), end, true
	case c == 't' || c == 'f' || c == 'n':
		end = skipValue(src, i)
		if end < 0 {
			return b, 0, false
		}
		return append(b, src[i:end]...), end, true
	default:
		end = skipValue(src, i)
		if end < 0 {
			return b, 0, false
		}
		b, ok = appendNodeNumber(b, src[i:end])
		return b, end, ok
	}
}

// array writes the array starting at src[i].
func (w *nodeWriter) array(b []byte, i int) (out []byte, end int, ok bool) {
	src := w.src
	b = append(b, '[')
	j := skipSpace(src, i+1)
	if j < len(src) && src[j] == ']' {
		return append(b, ']'), j + 1, true
	}
	for n := 0; j < len(src); n++ {
		if n > 0 {
			b = append(b, ',')
		}
		if b, j, ok = w.value(b, j); !ok {
			return b, 0, false
		}
		j = skipSpace(src, j)
		if j >= len(src) {
			return b, 0, false
		}
		if src[j] == ']' {
			return append(b, ']'), j + 1, true
		}
		if src[j] != ',' {
			return b, 0, false
		}
		j = skipSpace(src, j+1)
	}
	return b, 0, false
}

// placeholderAt returns the placeholder object starting at src[i], if any.
func (w *nodeWriter) placeholderAt(i int) (phSpan, bool) {
	pos := w.off + i
	for _, sp := range w.spans {
		if sp.start == pos {
			return sp, true
		}
		if sp.start > pos {
			break
		}
	}
	return phSpan{}, false
}

// member is one key/value pair of an object being rewritten, kept small:
// objects hold up to 16 of them on the stack.
type member struct {
	ks, ke  int32  // the key's JSON token, src[ks:ke]
	val     int32  // start of the value in src
	index   uint32 // the key's value when it is an integer index
	isIndex bool
	dup     bool // a later member has the same key
	esc     bool // the key has escapes: its text is not its token's inside
}

// key returns m's decoded key (a new slice only for escaped keys).
func (w *nodeWriter) key(m *member) []byte {
	if !m.esc {
		return w.src[m.ks+1 : m.ke-1]
	}
	return decodedKey(w.src[m.ks:m.ke])
}

// sameKey reports whether members a and b have the same decoded key.
func (w *nodeWriter) sameKey(a, b *member) bool {
	if !a.esc && !b.esc {
		return bytes.Equal(w.src[a.ks+1:a.ke-1], w.src[b.ks+1:b.ke-1])
	}
	return bytes.Equal(w.key(a), w.key(b))
}

// object writes the object starting at src[i]. Members are written as
// they are read; the rare object whose keys Node would reorder (an integer
// index, a repeated key) is written again once all are known.
func (w *nodeWriter) object(b []byte, i int) (out []byte, end int, ok bool) {
	src := w.src
	var stack [16]member
	ms := stack[:0]
	var seen map[string]int // for wide objects: key -> first member
	reorder := false
	start, startAtts := len(b), 0
	if w.out != nil {
		startAtts = len(*w.out)
	}
	// undo drops what was written of the object, attachments included.
	undo := func() {
		reorder = true
		b = b[:start]
		if w.out != nil {
			*w.out = (*w.out)[:startAtts]
		}
	}
	b = append(b, '{')
	j := skipSpace(src, i+1)
	if j < len(src) && src[j] == '}' {
		return append(b, '}'), j + 1, true
	}
	for j < len(src) {
		if src[j] != '"' {
			return b, 0, false
		}
		kEnd := skipString(src, j)
		if kEnd < 0 {
			return b, 0, false
		}
		m := member{ks: int32(j), ke: int32(kEnd), esc: bytes.IndexByte(src[j+1:kEnd-1], '\\') >= 0}
		key := w.key(&m)
		m.index, m.isIndex = arrayIndex(key)
		if m.isIndex && !reorder {
			undo()
		}
		if first, dup := w.firstWithKey(ms, &seen, key); dup {
			ms[first].dup = true
			if !reorder {
				undo()
			}
		}
		j = skipSpace(src, kEnd)
		if j >= len(src) || src[j] != ':' {
			return b, 0, false
		}
		m.val = int32(skipSpace(src, j+1))
		ms = append(ms, m)
		var vEnd int
		if reorder {
			vEnd = skipValue(src, int(m.val))
		} else {
			if len(ms) > 1 {
				b = append(b, ',')
			}
			b = appendNodeString(b, src[m.ks:m.ke])
			b = append(b, ':')
			b, vEnd, ok = w.value(b, int(m.val))
			if !ok {
				return b, 0, false
			}
		}
		if vEnd < 0 {
			return b, 0, false
		}
		j = skipSpace(src, vEnd)
		if j >= len(src) {
			return b, 0, false
		}
		if src[j] == '}' {
			end = j + 1
			break
		}
		if src[j] != ',' {
			return b, 0, false
		}
		j = skipSpace(src, j+1)
	}
	if end == 0 {
		return b, 0, false
	}
	if !reorder {
		return append(b, '}'), end, true
	}
	b = append(b, '{')
	// Integer indexes first, in numeric order, then the other keys in the
	// order they first appeared, each with the value it had last.
	lastVal := make([]int, len(ms)) // by first member of a key; -1 for the others
	var keyed map[string]int
	for k := range ms {
		f := k
		if ms[k].dup || k > 0 {
			f = w.firstOf(ms, k, &keyed)
		}
		if f == k {
			lastVal[k] = int(ms[k].val)
		} else {
			lastVal[k] = -1
			lastVal[f] = int(ms[k].val)
		}
	}
	order := make([]int, 0, len(ms))
	for k := range ms {
		if lastVal[k] >= 0 {
			order = append(order, k)
		}
	}
	slices.SortStableFunc(order, func(x, y int) int {
		mx, my := &ms[x], &ms[y]
		switch {
		case mx.isIndex && my.isIndex:
			return cmp.Compare(mx.index, my.index)
		case mx.isIndex:
			return -1
		case my.isIndex:
			return 1
		}
		return 0
	})
	for n, k := range order {
		if b, ok = w.member(b, n > 0, src[ms[k].ks:ms[k].ke], lastVal[k]); !ok {
			return b, 0, false
		}
	}
	return append(b, '}'), end, true
}

// firstOf returns the first member with ms[k]'s key.
func (w *nodeWriter) firstOf(ms []member, k int, keyed *map[string]int) int {
	if len(ms) <= 16 {
		for f := 0; f < k; f++ {
			if w.sameKey(&ms[f], &ms[k]) {
				return f
			}
		}
		return k
	}
	if *keyed == nil {
		*keyed = make(map[string]int, len(ms))
	}
	key := string(w.key(&ms[k]))
	if f, ok := (*keyed)[key]; ok {
		return f
	}
	(*keyed)[key] = k
	return k
}

// firstWithKey returns the first member of ms with key, if any. Narrow
// objects are searched; from 16 members on, a map is kept.
func (w *nodeWriter) firstWithKey(ms []member, seen *map[string]int, key []byte) (int, bool) {
	if len(ms) < 16 {
		for k := range ms {
			if bytes.Equal(w.key(&ms[k]), key) {
				return k, true
			}
		}
		return 0, false
	}
	if *seen == nil {
		*seen = make(map[string]int, 2*len(ms))
		for k := len(ms) - 1; k >= 0; k-- {
			(*seen)[string(w.key(&ms[k]))] = k
		}
	}
	if k, ok := (*seen)[string(key)]; ok {
		return k, true
	}
	(*seen)[string(key)] = len(ms)
	return 0, false
}

func (w *nodeWriter) member(b []byte, comma bool, keyRaw []byte, val int) ([]byte, bool) {
	if comma {
		b = append(b, ',')
	}
	b = appendNodeString(b, keyRaw)
	b = append(b, ':')
	b, _, ok := w.value(b, val)
	return b, ok
}

// decodedKey returns the text of a JSON string token: the bytes between the
// quotes when it has no escapes (no copy), else its decoding.
func decodedKey(tok []byte) []byte {
	inner := tok[1 : len(tok)-1]
	if bytes.IndexByte(inner, '\\') < 0 {
		return inner
	}
	// Lone surrogates are kept apart from U+FFFD so that keys Node tells
	// apart stay apart: the canonical escaped form serves as the identity.
	out := appendNodeString(nil, tok)
	return out[1 : len(out)-1]
}

// arrayIndex reports whether key is an ECMAScript array index: the
// canonical decimal form of an integer below 2³²−1.
func arrayIndex(key []byte) (uint32, bool) {
	if len(key) == 0 || len(key) > 10 || (key[0] == '0' && len(key) > 1) {
		return 0, false
	}
	var n uint64
	for _, c := range key {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + uint64(c-'0')
	}
	if n >= math.MaxUint32 {
		return 0, false
	}
	return uint32(n), true
}

// appendNodeNumber writes a JSON number token as Number::toString does.
func appendNodeNumber(b []byte, tok []byte) ([]byte, bool) {
	// Integers of up to 15 digits are exact doubles and print as written
	// (JSON forbids leading zeros); only "-0" changes.
	digits := tok
	if len(digits) > 0 && digits[0] == '-' {
		digits = digits[1:]
	}
	if len(digits) > 0 && len(digits) <= 15 && !(len(digits) == 1 && digits[0] == '0' && len(tok) == 2) {
		plain := true
		for _, c := range digits {
			if c < '0' || c > '9' {
				plain = false
				break
			}
		}
		if plain {
			return append(b, tok...), true
		}
	}
	f, err := strconv.ParseFloat(string(tok), 64)
	if err != nil && !math.IsInf(f, 0) {
		return b, false
	}
	switch {
	case math.IsInf(f, 0):
		return append(b, "null"...), true // JSON.stringify(Infinity)
	case f == 0:
		return append(b, '0'), true // also -0
	}
	// encoding/json's float format is ECMAScript's.
	return appendJSONFloat(b, f)
}

// appendNodeString writes a JSON string token as JSON.stringify writes the
// string it denotes.
func appendNodeString(b []byte, tok []byte) []byte {
	inner := tok[1 : len(tok)-1]
	if bytes.IndexByte(inner, '\\') < 0 && utf8.Valid(inner) {
		// Valid JSON has no raw control characters: nothing to escape.
		return append(append(append(b, '"'), inner...), '"')
	}
	b = append(b, '"')
	for i := 0; i < len(inner); {
		c := inner[i]
		if c != '\\' {
			if c < utf8.RuneSelf {
				b = appendNodeUnit(b, rune(c))
				i++
				continue
			}
			r, size := utf8.DecodeRune(inner[i:])
			b = utf8.AppendRune(b, r) // invalid bytes become U+FFFD, as Node's UTF-8 decoding makes them
			i += size
			continue
		}
		if i+1 >= len(inner) {
			break
		}
		switch e := inner[i+1]; e {
		case 'u':
			r, ok := hex4(inner, i+2)
			if !ok {
				return append(b, '"')
			}
			i += 6
			if utf16.IsSurrogate(r) && r < 0xDC00 {
				// A high surrogate followed by an escaped low one is one character.
				if lo, ok := hex4(inner, i+2); ok && i+1 < len(inner) && inner[i] == '\\' && inner[i+1] == 'u' && lo >= 0xDC00 && lo <= 0xDFFF {
					b = utf8.AppendRune(b, utf16.DecodeRune(r, lo))
					i += 6
					continue
				}
			}
			b = appendNodeUnit(b, r)
		case 'b':
			b, i = append(b, '\\', 'b'), i+2
		case 'f':
			b, i = append(b, '\\', 'f'), i+2
		case 'n':
			b, i = append(b, '\\', 'n'), i+2
		case 'r':
			b, i = append(b, '\\', 'r'), i+2
		case 't':
			b, i = append(b, '\\', 't'), i+2
		default: // '"', '\\', '/'
			b, i = appendNodeUnit(b, rune(e)), i+2
		}
	}
	return append(b, '"')
}

// appendNodeUnit writes one UTF-16 code unit (or a rune) as JSON.stringify does.
func appendNodeUnit(b []byte, r rune) []byte {
	switch {
	case r == '"' || r == '\\':
		return append(b, '\\', byte(r))
	case r == '\b':
		return append(b, '\\', 'b')
	case r == '\f':
		return append(b, '\\', 'f')
	case r == '\n':
		return append(b, '\\', 'n')
	case r == '\r':
		return append(b, '\\', 'r')
	case r == '\t':
		return append(b, '\\', 't')
	case r < 0x20 || utf16.IsSurrogate(r):
		return append(b, '\\', 'u', hexDigits[r>>12&0xF], hexDigits[r>>8&0xF], hexDigits[r>>4&0xF], hexDigits[r&0xF])
	case r < utf8.RuneSelf:
		return append(b, byte(r))
	}
	return utf8.AppendRune(b, r)
}

// hex4 reads the four hex digits at s[i:].
func hex4(s []byte, i int) (rune, bool) {
	if i+4 > len(s) {
		return 0, false
	}
	var r rune
	for _, c := range s[i : i+4] {
		switch {
		case c >= '0' && c <= '9':
			r = r<<4 | rune(c-'0')
		case c >= 'a' && c <= 'f':
			r = r<<4 | rune(c-'a'+10)
		case c >= 'A' && c <= 'F':
			r = r<<4 | rune(c-'A'+10)
		default:
			return 0, false
		}
	}
	return r, true
}
