package codec

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func collect(t *testing.T, decode func([]byte, func(Packet) error) error, body string) ([]Packet, error) {
	t.Helper()
	var got []Packet
	err := decode([]byte(body), func(p Packet) error {
		got = append(got, p)
		return nil
	})
	return got, err
}

func msg(s string) Packet     { return Packet{Type: Message, Data: []byte(s)} }
func bin(b ...byte) Packet    { return Packet{Type: Message, Binary: true, Data: b} }
func ctl(t PacketType) Packet { return Packet{Type: t} }

func TestAppendPayloadV4(t *testing.T) {
	tests := []struct {
		name string
		in   []Packet
		want string
	}{
		{"none", nil, ""},
		{"single", []Packet{msg("hello")}, "4hello"},
		{"doc example text", []Packet{msg("hello"), msg("€")}, "4hello\x1e4€"},
		{"doc example binary", []Packet{msg("€"), bin(1, 2, 3, 4)}, "4€\x1ebAQIDBA=="},
		{"mixed", []Packet{ctl(Ping), msg("hi"), bin(1, 2, 3), ctl(Noop)}, "2\x1e4hi\x1ebAQID\x1e6"},
		{"binary ignores type", []Packet{{Type: Ping, Binary: true, Data: []byte{1}}}, "bAQ=="},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, string(AppendPayloadV4(nil, tt.in)))
		})
	}
}

func TestDecodePayloadV4(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []Packet
	}{
		{"single", "4hello", []Packet{msg("hello")}},
		{"doc example text", "4hello\x1e4€", []Packet{msg("hello"), msg("€")}},
		{"doc example binary", "4€\x1ebAQIDBA==", []Packet{msg("€"), bin(1, 2, 3, 4)}},
		{"mixed", "2\x1e4hi\x1ebAQID\x1e6", []Packet{ctl(Ping), msg("hi"), bin(1, 2, 3), ctl(Noop)}},
		{"close", "1", []Packet{ctl(Close)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := collect(t, DecodePayloadV4, tt.in)
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestDecodePayloadV4Errors(t *testing.T) {
	tests := []struct {
		name      string
		in        string
		delivered int
	}{
		{"empty", "", 0},
		{"unknown type", "9", 0},
		{"empty record", "4a\x1e\x1e4b", 1},
		{"trailing separator", "4a\x1e", 1},
		{"leading separator", "\x1e4a", 0},
		{"bad base64", "4a\x1eb!!!!", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := collect(t, DecodePayloadV4, tt.in)
			require.ErrorIs(t, err, ErrInvalidPayload)
			assert.Len(t, got, tt.delivered)
		})
	}
}

func TestDecodePayloadV4CallbackError(t *testing.T) {
	stop := errors.New("stop")
	n := 0
	err := DecodePayloadV4([]byte("4a\x1e4b\x1e4c"), func(Packet) error {
		n++
		if n == 2 {
			return stop
		}
		return nil
	})
	assert.Same(t, stop, err)
	assert.Equal(t, 2, n)
}

func TestPayloadV4RoundTrip(t *testing.T) {
	in := []Packet{ctl(Open), msg("héllo 😀"), bin(0, 0xff, 0x1e), bin(), ctl(Pong)}
	got, err := collect(t, DecodePayloadV4, string(AppendPayloadV4(nil, in)))
	require.NoError(t, err)
	in[3].Data = []byte{} // an empty buffer stays a buffer
	assert.Equal(t, in, got)
}
