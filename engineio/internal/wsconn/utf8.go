package wsconn

import "unicode/utf8"

// validUTF8Prefix validates p, the not yet validated part of a fragmented text
// message, so an invalid message fails on the fragment that breaks it instead
// of after the whole message was buffered (RFC 6455 section 8.1 "fail fast").
//
// Unless final, a rune may be split across fragments: a trailing incomplete
// (but so far valid) rune is not an error; n excludes it so the caller
// validates it again, completed, together with the next fragment.
func validUTF8Prefix(p []byte, final bool) (n int, ok bool) {
	if final {
		return len(p), utf8.Valid(p)
	}
	n = len(p)
	// The last rune starts at most UTFMax-1 bytes before the end if it is
	// incomplete.
	for i := len(p) - 1; i >= 0 && i >= len(p)-(utf8.UTFMax-1); i-- {
		if utf8.RuneStart(p[i]) {
			// FullRune reports true for sequences that are already invalid,
			// so !FullRune means a valid prefix of a rune.
			if !utf8.FullRune(p[i:]) {
				n = i
			}
			break
		}
	}
	return n, utf8.Valid(p[:n])
}
