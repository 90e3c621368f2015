package streamwire

import (
	"encoding/base64"
	"encoding/hex"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gosio/gosio/internal/msgpack"
)

// The expected texts and bytes below were printed by Node 20 with
// @socket.io/redis-streams-adapter 0.3.1's own code paths: JSON.stringify
// of a message's data, and @msgpack/msgpack 2.8's encode.

func TestEntryValuesJSONAsNode(t *testing.T) {
	data := msgpack.Object(
		"packet", msgpack.Object("type", 2, "data", []any{"ev", 1, 1.5, "é<&>", msgpack.Object("a", nil, "b", []any{true})}),
		"opts", msgpack.Object("rooms", []string{"r1"}, "except", []string{}, "flags", msgpack.Object("volatile", true)),
	)
	vals, err := EntryValues("u1", "/", Broadcast, data, false)
	require.NoError(t, err)
	assert.Equal(t, []any{"uid", "u1", "nsp", "/", "type", "3", "data",
		`{"packet":{"type":2,"data":["ev",1,1.5,"é<&>",{"a":null,"b":[true]}]},"opts":{"rooms":["r1"],"except":[],"flags":{"volatile":true}}}`,
	}, vals)
}

func TestEntryValuesBinaryAsNode(t *testing.T) {
	data := msgpack.Object(
		"packet", msgpack.Object("type", 2, "data", []any{"bin", []byte{1, 2, 3}, msgpack.Object("x", []byte{255})}),
		"opts", msgpack.Object("rooms", []string{}, "except", []string{"x"}, "flags", msgpack.Map{}),
	)
	vals, err := EntryValues("u1", "/", Broadcast, data, false)
	require.NoError(t, err)
	assert.Equal(t, "gqZwYWNrZXSCpHR5cGUCpGRhdGGTo2JpbsQDAQIDgaF4xAH/pG9wdHODpXJvb21zkKZleGNlcHSRoXilZmxhZ3OA", vals[7])

	// A type Node never checks for binary stays JSON, a Buffer as Node's
	// JSON form.
	vals, err = EntryValues("u1", "/", SocketsJoin, msgpack.Object("rooms", []any{[]byte{1}}), false)
	require.NoError(t, err)
	assert.Equal(t, `{"rooms":[{"type":"Buffer","data":[1]}]}`, vals[7])
	// Without data, no data field.
	vals, err = EntryValues("u1", "/", Heartbeat, nil, false)
	require.NoError(t, err)
	assert.Len(t, vals, 6)
}

func TestEntryRoundTrip(t *testing.T) {
	for _, plain := range []bool{false, true} {
		data := msgpack.Object("packet", msgpack.Object("type", 2, "data", []any{"e", []byte{9, 8}, "x"}), "opts", msgpack.Object("rooms", []string{"a"}))
		vals, err := EntryValues("u", "/n", Broadcast, data, plain)
		require.NoError(t, err)
		fields := map[string]any{}
		for i := 0; i < len(vals); i += 2 {
			fields[vals[i].(string)] = vals[i+1]
		}
		m, err := DecodeEntry(fields)
		require.NoError(t, err)
		assert.Equal(t, "u", m.UID)
		assert.Equal(t, "/n", m.Nsp)
		assert.Equal(t, Broadcast, m.Type)
		pkt := m.Data["packet"].(map[string]any)
		assert.Equal(t, []byte{9, 8}, pkt["data"].([]any)[1], "plaintext=%v", plain)
	}
}

func TestDecodeEntryRejects(t *testing.T) {
	_, err := DecodeEntry(map[string]any{"uid": "u", "type": "3"})
	assert.ErrorIs(t, err, ErrNoNsp)
	for _, f := range []map[string]any{
		{"nsp": "/", "type": "x"},
		{"nsp": "/", "type": "3", "data": "{bad"},
		{"nsp": "/", "type": "3", "data": "!!notbase64"},
		{"nsp": "/", "type": "3", "data": base64.StdEncoding.EncodeToString([]byte{0x93, 1, 2, 3})}, // an array
	} {
		_, err := DecodeEntry(f)
		assert.Error(t, err, "%v", f)
	}
}

func TestPubSubAsNode(t *testing.T) {
	b, err := EncodePubSub("0123456789abcdef", "/", ServerSideEmit, msgpack.Object(
		"requestId", "abc", "packet", []any{"hello", 42, -1, 300, -200, 70000, int64(1) << 40, "s"}))
	require.NoError(t, err)
	assert.Equal(t, "84a47479706509a46461746182a9726571756573744964a3616263a67061636b657498a568656c6c6f2affcd012cd1ff38ce00011170cf0000010000000000a173a3756964b030313233343536373839616263646566a36e7370a12f", hex.EncodeToString(b))

	b, err = EncodePubSub("u", "/x", BroadcastClientCount, msgpack.Object("requestId", "abc", "clientCount", 2))
	require.NoError(t, err)
	assert.Equal(t, "84a4747970650ba46461746182a9726571756573744964a3616263ab636c69656e74436f756e7402a3756964a175a36e7370a22f78", hex.EncodeToString(b))

	m, err := DecodePubSub(b)
	require.NoError(t, err)
	assert.Equal(t, &Message{UID: "u", Nsp: "/x", Type: BroadcastClientCount, Data: map[string]any{"requestId": "abc", "clientCount": int64(2)}}, m)

	for _, bad := range [][]byte{{0xc1}, {0x91, 1}, {0x81, 0xa1, 'x', 1}, {0x82, 0xa4, 't', 'y', 'p', 'e', 1, 0xa4, 'd', 'a', 't', 'a', 2}} {
		_, err := DecodePubSub(bad)
		assert.Error(t, err, "%x", bad)
	}
}

func TestStreamForAsNode(t *testing.T) {
	// Node: hashCode(nsp) % 3.
	for nsp, want := range map[string]string{
		"/": "s-2", "/admin": "s-1", "/chat": "s-1", "/ünï": "s-0",
		"/a-very-long-namespace-name-😀": "s-2", "/notifications": "s--2", "/room-updates": "s-0",
	} {
		assert.Equal(t, want, StreamFor("s", 3, nsp), nsp)
	}
	assert.Equal(t, "s", StreamFor("s", 1, "/admin"))
}

func TestChannels(t *testing.T) {
	pub, priv := Channels("socket.io", "/", "abc")
	assert.Equal(t, "socket.io#/#", pub)
	assert.Equal(t, "socket.io#/#abc#", priv)
}
