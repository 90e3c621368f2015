package codec

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestPacketTypeString(t *testing.T) {
	assert.Equal(t, "open", Open.String())
	assert.Equal(t, "noop", Noop.String())
	assert.Equal(t, "PacketType(7)", PacketType(7).String())
	assert.True(t, Noop.Valid())
	assert.False(t, PacketType(7).Valid())
}

func TestDecodeText(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want Packet
		err  error
	}{
		{"open json", `0{"sid":"abc"}`, Packet{Type: Open, Data: []byte(`{"sid":"abc"}`)}, nil},
		{"close", "1", Packet{Type: Close}, nil},
		{"ping probe", "2probe", Packet{Type: Ping, Data: []byte("probe")}, nil},
		{"pong", "3", Packet{Type: Pong}, nil},
		{"message utf8", "4hello €😀", Packet{Type: Message, Data: []byte("hello €😀")}, nil},
		{"upgrade", "5", Packet{Type: Upgrade}, nil},
		{"noop", "6", Packet{Type: Noop}, nil},
		{"empty", "", Packet{}, ErrInvalidPacket},
		{"type 7", "7x", Packet{}, ErrInvalidPacket},
		{"letter type", "xhello", Packet{}, ErrInvalidPacket},
		{"b is not plain", "bAQID", Packet{}, ErrInvalidPacket},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := DecodeText([]byte(tt.in))
			if tt.err != nil {
				require.ErrorIs(t, err, tt.err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestDecodeTextV4(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want Packet
		err  bool
	}{
		{"text", "4hi", Packet{Type: Message, Data: []byte("hi")}, false},
		{"base64", "bAQIDBA==", Packet{Type: Message, Binary: true, Data: []byte{1, 2, 3, 4}}, false},
		{"base64 unpadded", "bAQIDBA", Packet{Type: Message, Binary: true, Data: []byte{1, 2, 3, 4}}, false},
		{"base64 empty", "b", Packet{Type: Message, Binary: true, Data: []byte{}}, false},
		{"bad base64", "b!!!!", Packet{}, true},
		{"bad base64 length", "bA", Packet{}, true},
		{"base64 with newline", "bAQ\nID", Packet{}, true},
		{"unknown type", "9", Packet{}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := DecodeTextV4([]byte(tt.in))
			if tt.err {
				require.ErrorIs(t, err, ErrInvalidPacket)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestDecodeTextV3(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want Packet
		err  bool
	}{
		{"text", "4hi", Packet{Type: Message, Data: []byte("hi")}, false},
		{"base64 message", "b4AQIDBA==", Packet{Type: Message, Binary: true, Data: []byte{1, 2, 3, 4}}, false},
		{"base64 empty", "b4", Packet{Type: Message, Binary: true, Data: []byte{}}, false},
		{"b alone", "b", Packet{}, true},
		{"b bad type", "b9AQID", Packet{}, true},
		{"bad base64", "b4A=B=", Packet{}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := DecodeTextV3([]byte(tt.in))
			if tt.err {
				require.ErrorIs(t, err, ErrInvalidPacket)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestDecodeBinaryV3(t *testing.T) {
	got, err := DecodeBinaryV3([]byte{4, 1, 2, 3})
	require.NoError(t, err)
	assert.Equal(t, Packet{Type: Message, Binary: true, Data: []byte{1, 2, 3}}, got)

	got, err = DecodeBinaryV3([]byte{4})
	require.NoError(t, err)
	assert.Equal(t, Packet{Type: Message, Binary: true, Data: []byte{}}, got)

	_, err = DecodeBinaryV3(nil)
	assert.ErrorIs(t, err, ErrInvalidPacket)
	_, err = DecodeBinaryV3([]byte{'4', 1}) // ASCII digit is not a raw type byte
	assert.ErrorIs(t, err, ErrInvalidPacket)
}

func TestDecodedDataAliasesInput(t *testing.T) {
	frame := []byte("4hello")
	p, err := DecodeText(frame)
	require.NoError(t, err)
	frame[1] = 'J'
	assert.Equal(t, "Jello", string(p.Data), "documented: text data aliases the frame")
}

func TestAppendText(t *testing.T) {
	assert.Equal(t, "4hello", string(AppendText(nil, Message, []byte("hello"))))
	assert.Equal(t, "xx2probe", string(AppendText([]byte("xx"), Ping, []byte("probe"))))
	assert.Equal(t, "6", string(AppendText(nil, Noop, nil)))
}

func TestAppendBase64(t *testing.T) {
	assert.Equal(t, "bAQIDBA==", string(AppendBase64V4(nil, []byte{1, 2, 3, 4})))
	assert.Equal(t, "b", string(AppendBase64V4(nil, nil)))
	assert.Equal(t, "b4AQIDBA==", string(AppendBase64V3(nil, Message, []byte{1, 2, 3, 4})))
}

func TestAppendNoAllocWithRoom(t *testing.T) {
	buf := make([]byte, 0, 64)
	data := []byte{1, 2, 3, 4}
	allocs := testing.AllocsPerRun(100, func() {
		b := AppendText(buf[:0], Message, []byte("hello"))
		b = AppendBase64V4(b, data)
		_ = AppendBase64V3(b, Message, data)
	})
	assert.Zero(t, allocs)
}

func TestErrorsWrapBoth(t *testing.T) {
	err := DecodePayloadV4([]byte("4a\x1e9"), func(Packet) error { return nil })
	assert.ErrorIs(t, err, ErrInvalidPayload)
	assert.ErrorIs(t, err, ErrInvalidPacket)
	assert.False(t, errors.Is(ErrInvalidPacket, ErrInvalidPayload))
}
