package msgpackparser

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/gosio/gosio/parser"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// clientEvent is what socket.io-client 4.8 with socket.io-msgpack-parser
// 3.0.2 (notepack.io 3.0.1) sends for
//
//	socket.emit("ev", 1, -1, 300, -300, 70000, -70000, 2**32, -(2**33), 1.5, "s",
//	  true, null, undefined, {a: 1, b: [2, {c: "d"}]}, Buffer.from([1, 2]),
//	  new Uint8Array([3, 4]).buffer, new Date(1700000000123), ack)
//
// on "/chat" with ack id 7: its packet object's keys are type, data,
// options, id, nsp.
const clientEvent = "85a47479706502a464617461dc0012a2657601ffcd012cd1fed4ce00011170d2fffeee90cf0000000100000000d3fffffffe00000000cb3ff8000000000000a173c3c0d4000082a16101a162920281a163a164c4020102c702000304d7000000018bcfe5687ba76f7074696f6e7381a8636f6d7072657373c3a2696407a36e7370a52f63686174"

func unhex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	require.NoError(t, err)
	return b
}

func decodeOne(t testing.TB, msg []byte) *parser.Packet {
	t.Helper()
	p, err := New(nil).NewDecoder().Add(true, msg)
	require.NoError(t, err)
	require.NotNil(t, p)
	return p
}

func TestDecodeClientEvent(t *testing.T) {
	p := decodeOne(t, unhex(t, clientEvent))
	assert.Equal(t, parser.Event, p.Type)
	assert.Equal(t, "/chat", p.Namespace)
	assert.True(t, p.HasID)
	assert.Equal(t, uint64(7), p.ID)
	args, err := p.Data.(parser.RawValue).Elems()
	require.NoError(t, err)
	name, ok := args[0].String()
	assert.True(t, ok)
	assert.Equal(t, "ev", name)

	var all []any
	require.NoError(t, p.Data.(parser.RawValue).Unmarshal(&all))
	want := []any{"ev", int64(1), int64(-1), int64(300), int64(-300), int64(70000), int64(-70000),
		int64(1 << 32), int64(-(1 << 33)), 1.5, "s", true, nil, Undefined{},
		map[string]any{"a": int64(1), "b": []any{int64(2), map[string]any{"c": "d"}}},
		[]byte{1, 2}, ArrayBuffer{3, 4}, time.UnixMilli(1700000000123).UTC()}
	assert.Equal(t, want, all)

	// Re-encoded as received, every value keeps its form.
	frames, err := New(nil).Encode(nil, &parser.Packet{Type: parser.Event, Namespace: "/chat", Data: all})
	require.NoError(t, err)
	in := unhex(t, clientEvent)
	dataStart := len("85a47479706502a464617461") / 2
	dataEnd := len(in) - len("a76f7074696f6e7381a8636f6d7072657373c3a2696407a36e7370a52f63686174")/2
	assert.Equal(t, hex.EncodeToString(in[dataStart:dataEnd]),
		hex.EncodeToString(frames[0].Data[dataStart:len(frames[0].Data)-len("a36e7370a52f63686174")/2]))
}

func TestTypedTargets(t *testing.T) {
	p := decodeOne(t, unhex(t, clientEvent))
	args, err := p.Data.(parser.RawValue).Elems()
	require.NoError(t, err)
	var i8 int8
	require.NoError(t, args[2].Unmarshal(&i8)) // -1
	assert.Equal(t, int8(-1), i8)
	var u8 uint8
	var te *TypeError
	assert.True(t, errors.As(args[3].Unmarshal(&u8), &te), "300 does not fit a uint8")
	var u64 uint64
	require.NoError(t, args[7].Unmarshal(&u64))
	assert.Equal(t, uint64(1<<32), u64)
	var f float64
	require.NoError(t, args[9].Unmarshal(&f))
	assert.Equal(t, 1.5, f)
	var s struct {
		A int    `json:"a"`
		B []any  `json:"b"`
		X string `json:"x"`
	}
	s.X = "kept"
	require.NoError(t, args[14].Unmarshal(&s))
	assert.Equal(t, 1, s.A)
	assert.Equal(t, []any{int64(2), map[string]any{"c": "d"}}, s.B)
	assert.Equal(t, "kept", s.X)
	var bin, ab []byte
	require.NoError(t, args[15].Unmarshal(&bin))
	require.NoError(t, args[16].Unmarshal(&ab))
	assert.Equal(t, []byte{1, 2}, bin)
	assert.Equal(t, []byte{3, 4}, ab)
	var ts time.Time
	require.NoError(t, args[17].Unmarshal(&ts))
	assert.Equal(t, int64(1700000000123), ts.UnixMilli())
	var raw json.RawMessage
	require.NoError(t, args[14].Unmarshal(&raw))
	assert.JSONEq(t, `{"a":1,"b":[2,{"c":"d"}]}`, string(raw))
	var undef = "kept"
	require.NoError(t, args[13].Unmarshal(&undef))
	assert.Equal(t, "kept", undef, "undefined leaves a typed target alone, as null does")
}

func TestEncodeIntegersAndFloats(t *testing.T) {
	cases := []struct {
		v    any
		want string
	}{
		// Exact, where JavaScript's double writes ...1f0800.
		{uint64(12345678901234567890), "cfab54a98ceb1f0ad2"},
		{int64(-12345678901), "d3fffffffd2023e3cb"},
		{2.0, "02"}, // notepack writes an integral number as an integer
		{1.5, "cb3ff8000000000000"},
		{float32(0.5), "cb3fe0000000000000"},
		{ArrayBuffer{9}, "c7010009"},
		{ArrayBuffer(make([]byte, 8)), "c708000000000000000000"},
		{Undefined{}, "d40000"},
		{json.RawMessage(`{"z":1,"a":[12345678901234567890,1.0,1.5,"\u00e9"]}`), "82a17a01a16194cfab54a98ceb1f0ad201cb3ff8000000000000a2c3a9"},
	}
	for _, c := range cases {
		b, err := appendValue(nil, c.v, 0)
		require.NoError(t, err)
		assert.Equal(t, c.want, hex.EncodeToString(b), "%#v", c.v)
	}
}

type inner struct {
	Z int `json:"z"`
}

type structArg struct {
	inner
	Name  string            `json:"name"`
	Skip  string            `json:"-"`
	Empty string            `json:"empty,omitempty"`
	Bin   []byte            `json:"bin"`
	When  time.Time         `json:"when"`
	Tags  map[string]uint16 `json:"tags"`
	Ptr   *int              `json:"ptr"`
	Plain int
}

func TestStructRoundTrip(t *testing.T) {
	n := 5
	in := structArg{inner: inner{Z: 3}, Name: "n", Skip: "x", Bin: []byte{1}, When: time.UnixMilli(42).UTC(),
		Tags: map[string]uint16{"b": 2, "a": 1}, Ptr: &n, Plain: -7}
	frames, err := New(nil).Encode(nil, &parser.Packet{Type: parser.Event, Namespace: "/", Data: []any{"x", in}})
	require.NoError(t, err)
	p := decodeOne(t, frames[0].Data)
	args, err := p.Data.(parser.RawValue).Elems()
	require.NoError(t, err)
	var out structArg
	require.NoError(t, args[1].Unmarshal(&out))
	in.Skip = ""
	assert.Equal(t, in, out)
	var m map[string]any
	require.NoError(t, args[1].Unmarshal(&m))
	assert.NotContains(t, m, "empty")
	assert.NotContains(t, m, "Skip")
	assert.Equal(t, int64(3), m["z"], "embedded fields are promoted")
}

func TestPacketShapes(t *testing.T) {
	c := New(nil)
	enc := func(p parser.Packet) string {
		f, err := c.Encode(nil, &p)
		require.NoError(t, err)
		require.Len(t, f, 1)
		assert.True(t, f[0].Binary)
		return hex.EncodeToString(f[0].Data)
	}
	// {type: 1, nsp: "/a"}: no data key, never data: nil.
	assert.Equal(t, "82a47479706501a36e7370a22f61", enc(parser.Packet{Type: parser.Disconnect, Namespace: "/a"}))
	// {id: 3, type: 3, data: [], nsp: "/"}, Node's order for an ACK.
	assert.Equal(t, "84a2696403a47479706503a46461746190a36e7370a12f",
		enc(parser.Packet{Type: parser.Ack, ID: 3, HasID: true, Data: []any{}}))
	// {type: 2, data: ["e"], nsp: "/"}: no id key when there is none.
	assert.Equal(t, "83a47479706502a46461746191a165a36e7370a12f", enc(parser.Packet{Type: parser.Event, Data: []any{"e"}}))
	_, err := c.Encode(nil, &parser.Packet{Type: parser.Ack})
	assert.ErrorIs(t, err, parser.ErrInvalidAckID)
}

func TestDecodeRejects(t *testing.T) {
	cases := map[string]struct {
		hex  string
		kind error
	}{
		"text message":     {"", parser.ErrUnexpectedText},
		"not a map":        {"90", parser.ErrInvalidPayload},
		"no type":          {"81a36e7370a12f", parser.ErrUnknownType},
		"no nsp":           {"81a47479706502", parser.ErrInvalidNamespace},
		"type 5":           {"82a47479706505a36e7370a12f", parser.ErrUnknownType},
		"nil id":           {"84a47479706502a46461746191a165a26964c0a36e7370a12f", parser.ErrInvalidAckID},
		"negative id":      {"84a47479706502a46461746191a165a26964ffa36e7370a12f", parser.ErrInvalidAckID},
		"disconnect nil":   {"83a47479706501a464617461c0a36e7370a12f", parser.ErrInvalidPayload},
		"event not array":  {"83a47479706502a46461746180a36e7370a12f", parser.ErrInvalidPayload},
		"ack without id":   {"83a47479706503a46461746190a36e7370a12f", parser.ErrInvalidAckID},
		"trailing bytes":   {"82a47479706501a36e7370a12f00", parser.ErrInvalidPayload},
		"truncated":        {"83a47479706502a46461746192a165", parser.ErrInvalidPayload},
		"bad namespace":    {"82a47479706501a36e7370a161", parser.ErrInvalidNamespace},
		"unknown prefix":   {"82a47479706501a36e7370c1", parser.ErrInvalidPayload},
		"huge array count": {"83a47479706502a464617461ddffffffff", parser.ErrInvalidPayload},
	}
	for name, c := range cases {
		d := New(nil).NewDecoder()
		var err error
		if name == "text message" {
			_, err = d.Add(false, []byte(`2["x"]`))
		} else {
			_, err = d.Add(true, unhex(t, c.hex))
		}
		assert.ErrorIs(t, err, c.kind, name)
		assert.ErrorIs(t, err, parser.ErrInvalidPacket, name)
	}
	// The well-formed twin of the rejected ones is accepted.
	_, err := New(nil).NewDecoder().Add(true, unhex(t, "84a47479706502a46461746191a165a2696401a36e7370a12f"))
	assert.NoError(t, err)
}

func TestDecodeAcceptsUndefinedAsAbsent(t *testing.T) {
	// {type: 0, data: undefined, nsp: "/"}, socket.io-client's CONNECT
	// without auth.
	p := decodeOne(t, unhex(t, "83a47479706500a464617461d40000a36e7370a12f"))
	assert.Equal(t, parser.Connect, p.Type)
	assert.Nil(t, p.Data)
}

func TestDepthLimit(t *testing.T) {
	deep := "83a47479706502a36e7370a12fa464617461"
	for range 70 {
		deep += "91"
	}
	deep += "c0"
	_, err := New(nil).NewDecoder().Add(true, unhex(t, deep))
	assert.ErrorIs(t, err, parser.ErrInvalidPayload)
	_, err = New(&Options{MaxDepth: 100}).NewDecoder().Add(true, unhex(t, deep))
	assert.NoError(t, err)
}
