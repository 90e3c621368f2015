package msgpack

import (
	"encoding/hex"
	"testing"
)

// FuzzUnmarshal checks that the decoder never panics or over-allocates on
// hostile input (it reads messages from Redis, written by any process), and
// that what it accepts re-encodes to something it decodes again.
func FuzzUnmarshal(f *testing.F) {
	for _, v := range notepackVectors {
		b, _ := hex.DecodeString(v.hex)
		f.Add(b)
	}
	f.Add([]byte{0x93, 0xa7, 'e', 'm', 'i', 't', 't', 'e', 'r', 0x80, 0x80})
	f.Add([]byte{0xdd, 0xff, 0xff, 0xff, 0xff})
	f.Add([]byte{0xc7, 0x0c, 0xff, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1})
	f.Fuzz(func(t *testing.T, data []byte) {
		v, err := Unmarshal(data)
		if err != nil {
			return
		}
		b, err := Marshal(v)
		if err != nil {
			t.Fatalf("decoded value does not re-encode: %v", err)
		}
		if _, err := Unmarshal(b); err != nil {
			t.Fatalf("re-encoded value does not decode: %v", err)
		}
	})
}
