package codec

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestAppendPayloadV3StringForm(t *testing.T) {
	tests := []struct {
		name           string
		in             []Packet
		supportsBinary bool
		want           string
	}{
		{"none", nil, false, "0:"},
		{"none binary client", nil, true, "0:"},
		{"doc example", []Packet{msg("hello"), msg("€")}, false, "6:4hello2:4€"},
		{"emoji counts two", []Packet{msg("😀")}, false, "3:4😀"},
		{"control packets", []Packet{ctl(Ping), ctl(Noop)}, false, "1:21:6"},
		{"ten plus", []Packet{msg("hello world")}, false, "12:4hello world"},
		{"binary as base64", []Packet{msg("€"), bin(1, 2, 3, 4)}, false, "2:4€10:b4AQIDBA=="},
		{"text only stays string for binary client", []Packet{msg("€")}, true, "2:4€"},
		{"empty binary", []Packet{bin()}, false, "2:b4"},
		{"invalid utf8 counts per subpart", []Packet{msg("\xe2\x82a\xff")}, false, "4:4\xe2\x82a\xff"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, binaryForm := AppendPayloadV3(nil, tt.in, tt.supportsBinary)
			assert.False(t, binaryForm)
			assert.Equal(t, tt.want, string(out))
		})
	}
}

func TestAppendPayloadV3BinaryForm(t *testing.T) {
	tests := []struct {
		name string
		in   []Packet
		want []byte
	}{
		{
			"doc example",
			[]Packet{msg("€"), bin(1, 2, 3, 4)},
			// "4€" is 4 bytes of UTF-8: the binary form counts bytes.
			[]byte{0, 4, 0xff, '4', 0xe2, 0x82, 0xac, 1, 5, 0xff, 4, 1, 2, 3, 4},
		},
		{
			"hello and bytes",
			[]Packet{msg("hello"), bin(1, 2, 3)},
			[]byte{0, 6, 0xff, '4', 'h', 'e', 'l', 'l', 'o', 1, 4, 0xff, 4, 1, 2, 3},
		},
		{
			"two digit lengths",
			[]Packet{msg("hello world"), bin(0, 1, 2, 3, 4, 5, 6, 7, 8, 9)},
			append(append([]byte{0, 1, 2, 0xff}, "4hello world"...), 1, 1, 1, 0xff, 4, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9),
		},
		{
			"emoji is 4 bytes",
			[]Packet{msg("😀"), bin()},
			[]byte{0, 5, 0xff, '4', 0xf0, 0x9f, 0x98, 0x80, 1, 1, 0xff, 4},
		},
		{
			"ping then binary",
			[]Packet{ctl(Ping), bin(9)},
			[]byte{0, 1, 0xff, '2', 1, 2, 0xff, 4, 9},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, binaryForm := AppendPayloadV3(nil, tt.in, true)
			assert.True(t, binaryForm)
			assert.Equal(t, tt.want, out)
			got, err := collect(t, DecodePayloadV3, string(out))
			require.NoError(t, err)
			want := append([]Packet(nil), tt.in...)
			for i := range want {
				if len(want[i].Data) == 0 {
					want[i].Data = nil
					if want[i].Binary { // an empty buffer stays a buffer
						want[i].Data = []byte{}
					}
				}
			}
			assert.Equal(t, want, got)
		})
	}
}

func TestAppendPayloadV3LongLength(t *testing.T) {
	data := make([]byte, 1233) // packet length 1234
	out, binaryForm := AppendPayloadV3(nil, []Packet{{Type: Message, Binary: true, Data: data}}, true)
	require.True(t, binaryForm)
	assert.Equal(t, []byte{1, 1, 2, 3, 4, 0xff, 4}, out[:7])
	assert.Len(t, out, 6+1234)
}

func TestDecodePayloadV3(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []Packet
	}{
		{"doc example", "6:4hello2:4€", []Packet{msg("hello"), msg("€")}},
		{"emoji", "3:4😀1:2", []Packet{msg("😀"), ctl(Ping)}},
		{"b64 binary", "2:4€10:b4AQIDBA==", []Packet{msg("€"), bin(1, 2, 3, 4)}},
		{"leading zeros", "06:4hello", []Packet{msg("hello")}},
		{"empty entries skipped", "0:1:60:", []Packet{ctl(Noop)}},
		{"packet containing colon and digits", "5:412:3", []Packet{msg("12:3")}},
		{"binary form", "\x00\x06\xff4hello\x01\x04\xff\x04\x01\x02\x03", []Packet{msg("hello"), bin(1, 2, 3)}},
		{"binary form utf8 bytes", "\x00\x04\xff4€", []Packet{msg("€")}},
		{"binary form string b64", "\x00\x06\xffb4AQID", []Packet{bin(1, 2, 3)}},
		{"binary form non-message binary", "\x01\x01\xff\x02", []Packet{{Type: Ping, Binary: true, Data: []byte{}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := collect(t, DecodePayloadV3, tt.in)
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
	got, err := collect(t, DecodePayloadV3, "0:")
	require.NoError(t, err)
	assert.Empty(t, got, `"0:" is the encoder's empty payload`)
}

func TestDecodePayloadV3Errors(t *testing.T) {
	tests := []struct {
		name      string
		in        string
		packetErr bool
	}{
		{"empty", "", false},
		{"truncated length", "12", false},
		{"missing colon", "6", false},
		{"no length", ":4hello", false},
		{"non digit length", "6a:4hello", false},
		{"sign", "+6:4hello", false},
		{"length past end", "7:4hello", false},
		{"second length past end", "6:4hello9:4", false},
		{"huge length", "99999999999999999999999999:4", false},
		{"splits surrogate pair", "2:4😀", false},
		{"unknown type", "6:9hello", true},
		{"bad base64", "6:b4!!!!", true},
		{"bad base64 type", "6:b9AQID", true},
		{"trailing garbage", "6:4hellox", false},
		{"binary form truncated length", "\x00\x06", false},
		{"binary form digit >9", "\x00\x0a\xff4hello", false},
		{"binary form ascii digit", "\x00\x36\xff4hello", false},
		{"binary form no digits", "\x00\xff4", false},
		{"binary form past end", "\x00\x09\xff4hello", false},
		{"binary form huge length", "\x01\x09\x09\x09\x09\x09\x09\x09\x09\x09\x09\x09\x09\x09\x09\x09\x09\x09\x09\x09\x09\x09\xff\x04", false},
		{"binary form bad marker", "\x00\x01\xff4\x02\x01\xff\x04", false},
		{"binary form zero length", "\x01\x00\xff", true},
		{"binary form bad raw type", "\x01\x01\xff\x07", true},
		{"binary form string unknown type", "\x00\x01\xffx", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := collect(t, DecodePayloadV3, tt.in)
			require.ErrorIs(t, err, ErrInvalidPayload)
			assert.Equal(t, tt.packetErr, errors.Is(err, ErrInvalidPacket), "err=%v", err)
		})
	}
}

func TestDecodePayloadV3CallbackError(t *testing.T) {
	stop := errors.New("stop")
	for _, body := range []string{"1:21:3", "\x00\x01\xff2\x00\x01\xff3"} {
		n := 0
		err := DecodePayloadV3([]byte(body), func(Packet) error { n++; return stop })
		assert.Same(t, stop, err)
		assert.Equal(t, 1, n)
	}
}

func TestPayloadV3RoundTrip(t *testing.T) {
	in := []Packet{ctl(Open), msg("héllo 😀 €"), bin(0, 0xff, ':'), msg("1:2"), ctl(Pong)}
	for _, sb := range []bool{false, true} {
		out, binaryForm := AppendPayloadV3(nil, in, sb)
		assert.Equal(t, sb, binaryForm)
		got, err := collect(t, DecodePayloadV3, string(out))
		require.NoError(t, err)
		assert.Equal(t, in, got)
	}
}
