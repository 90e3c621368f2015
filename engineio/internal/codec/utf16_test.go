package codec

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestUTF16Len(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want int
	}{
		{"empty", "", 0},
		{"ascii", "4hello", 6},
		{"euro is one unit", "€", 1},
		{"two byte", "é", 1},
		{"emoji is a surrogate pair", "😀", 2},
		{"mixed", "4hé€😀", 6},
		{"U+FFFD itself", "\uFFFD", 1},
		{"lone continuation", "\x80", 1},
		{"two continuations", "\x80\x80", 2},
		{"never-valid byte", "\xff", 1},
		{"overlong C0", "\xc0\xaf", 2},
		{"truncated 3-byte is one subpart", "\xe2\x82", 1},
		{"truncated 3-byte then ascii", "\xe2\x82a", 2},
		{"truncated 4-byte", "\xf0\x9f\x98", 1},
		{"surrogate encoded ED A0 80", "\xed\xa0\x80", 3},
		{"E0 with bad second byte", "\xe0\x80\x80", 3},
		{"F4 above max", "\xf4\x90\x80\x80", 4},
		{"truncated then lead", "\xe2\xe2\x82\xac", 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, UTF16Len([]byte(tt.in)))
		})
	}
}
