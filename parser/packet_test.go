package parser

import (
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestTypeString(t *testing.T) {
	names := []string{"CONNECT", "DISCONNECT", "EVENT", "ACK", "CONNECT_ERROR", "BINARY_EVENT", "BINARY_ACK"}
	for i, n := range names {
		assert.Equal(t, n, Type(i).String())
		assert.True(t, Type(i).Valid())
	}
	assert.Equal(t, "UNKNOWN(7)", Type(7).String())
	assert.False(t, Type(7).Valid())
}

// TestEncodeDecode checks the exact wire text for each packet type and that
// decoding it yields the same header fields and payload.
func TestEncodeDecode(t *testing.T) {
	tests := []struct {
		name string
		p    Packet
		wire string
		json string // expected decoded payload text
	}{
		{"connect", Packet{Type: Connect}, "0", ""},
		{"connect ns", Packet{Type: Connect, Namespace: "/admin"}, "0/admin,", ""},
		{"connect auth", Packet{Type: Connect, Data: map[string]any{"token": "123"}}, `0{"token":"123"}`, `{"token":"123"}`},
		{"connect reply ns", Packet{Type: Connect, Namespace: "/admin", Data: map[string]any{"sid": "oSO0"}}, `0/admin,{"sid":"oSO0"}`, `{"sid":"oSO0"}`},
		{"connect v4 query", Packet{Type: Connect, Namespace: "/admin", Query: "token=abc&x=1"}, "0/admin?token=abc&x=1,", ""},
		{"disconnect", Packet{Type: Disconnect}, "1", ""},
		{"disconnect ns", Packet{Type: Disconnect, Namespace: "/chat"}, "1/chat,", ""},
		{"event", Packet{Type: Event, Data: []any{"hello", 1.0}}, `2["hello",1]`, `["hello",1]`},
		{"event ns", Packet{Type: Event, Namespace: "/chat", Data: []any{"msg", "hi <b>&"}}, `2/chat,["msg","hi <b>&"]`, `["msg","hi <b>&"]`},
		{"event ack id", Packet{Type: Event, ID: 12, HasID: true, Data: []any{"msg"}}, `212["msg"]`, `["msg"]`},
		{"event ns ack id", Packet{Type: Event, Namespace: "/chat", ID: 12, HasID: true, Data: []any{"msg", map[string]any{"a": []any{1.0, true, nil}}}}, `2/chat,12["msg",{"a":[1,true,null]}]`, `["msg",{"a":[1,true,null]}]`},
		{"event id 0", Packet{Type: Event, HasID: true, Data: []any{"x"}}, `20["x"]`, `["x"]`},
		{"event max id", Packet{Type: Event, ID: math.MaxUint64, HasID: true, Data: []any{"x"}}, `218446744073709551615["x"]`, `["x"]`},
		{"event raw message", Packet{Type: Event, Data: json.RawMessage(`["x",{"b":1,"a":2}]`)}, `2["x",{"b":1,"a":2}]`, `["x",{"b":1,"a":2}]`},
		{"event raw arg", Packet{Type: Event, Data: []any{"x", json.RawMessage(`{"b":1,"a":"<"}`)}}, `2["x",{"b":1,"a":"<"}]`, `["x",{"b":1,"a":"<"}]`},
		{"event typed slice", Packet{Type: Event, Data: []string{"x", "y"}}, `2["x","y"]`, `["x","y"]`},
		{"ack", Packet{Type: Ack, ID: 12, HasID: true, Data: []any{"ok"}}, `312["ok"]`, `["ok"]`},
		{"ack empty", Packet{Type: Ack, ID: 1, HasID: true, Data: []any{}}, `31[]`, `[]`},
		{"ack ns", Packet{Type: Ack, Namespace: "/chat", ID: 7, HasID: true, Data: []any{nil}}, `3/chat,7[null]`, `[null]`},
		{"connect error v5", Packet{Type: ConnectError, Data: map[string]any{"message": "Not authorized", "data": map[string]any{"code": 1.0}}}, `4{"data":{"code":1},"message":"Not authorized"}`, `{"data":{"code":1},"message":"Not authorized"}`},
		{"connect error v4 string", Packet{Type: ConnectError, Namespace: "/x", Data: "Invalid namespace"}, `4/x,"Invalid namespace"`, `"Invalid namespace"`},
		{"connect error struct", Packet{Type: ConnectError, Data: struct {
			Message string `json:"message"`
			Data    any    `json:"data,omitempty"`
		}{Message: "nope"}}, `4{"message":"nope"}`, `{"message":"nope"}`},
		{"binary type without binary downgrades", Packet{Type: BinaryEvent, Data: []any{"x"}}, `2["x"]`, `["x"]`},
		{"binary ack without binary downgrades", Packet{Type: BinaryAck, ID: 3, HasID: true, Data: []any{}}, `33[]`, `[]`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			frames := encode(t, &tt.p)
			require.Len(t, frames, 1)
			assert.False(t, frames[0].Binary)
			assert.Equal(t, tt.wire, string(frames[0].Data))

			p := decodeFrames(t, frames)
			wantType := tt.p.Type
			if wantType == BinaryEvent {
				wantType = Event
			} else if wantType == BinaryAck {
				wantType = Ack
			}
			wantNsp := tt.p.Namespace
			if wantNsp == "" {
				wantNsp = "/"
			}
			assert.Equal(t, wantType, p.Type)
			assert.Equal(t, wantNsp, p.Namespace)
			assert.Equal(t, tt.p.Query, p.Query)
			assert.Equal(t, tt.p.HasID, p.HasID)
			assert.Equal(t, tt.p.ID, p.ID)
			assert.Equal(t, tt.json, rawJSON(p))
			assert.Empty(t, p.Attachments)
		})
	}
}

// TestDecodeLenient covers inputs other implementations produce that our
// encoder never does.
func TestDecodeLenient(t *testing.T) {
	tests := []struct {
		wire  string
		typ   Type
		nsp   string
		query string
		id    uint64
		hasID bool
		json  string
	}{
		{"1/chat", Disconnect, "/chat", "", 0, false, ""},      // namespace ended by end of packet
		{"0/,", Connect, "/", "", 0, false, ""},                // explicit root namespace
		{"0/?token=1,", Connect, "/", "token=1", 0, false, ""}, // v4 query on root
		{"0/admin?,", Connect, "/admin", "", 0, false, ""},
		{"0/admin?a=1&b=2,{}", Connect, "/admin", "a=1&b=2", 0, false, "{}"},
		{"2/a?b,[\"x\"]", Event, "/a?b", "", 0, false, `["x"]`}, // query only split on CONNECT
		{"2007[\"x\"]", Event, "/", "", 7, true, `["x"]`},       // leading zeros
		{"2 [ \"x\" , 1 ] ", Event, "/", "", 0, false, ` [ "x" , 1 ] `},
		{`4{"message":"m","data":null}`, ConnectError, "/", "", 0, false, `{"message":"m","data":null}`},
	}
	for _, tt := range tests {
		t.Run(tt.wire, func(t *testing.T) {
			p := decodeText(t, tt.wire)
			assert.Equal(t, tt.typ, p.Type)
			assert.Equal(t, tt.nsp, p.Namespace)
			assert.Equal(t, tt.query, p.Query)
			assert.Equal(t, tt.id, p.ID)
			assert.Equal(t, tt.hasID, p.HasID)
			assert.Equal(t, tt.json, rawJSON(p))
		})
	}
}

func TestEncodeAppendsToDst(t *testing.T) {
	dst := []Frame{{Data: []byte("previous")}}
	out, err := JSON.Encode(dst, &Packet{Type: Event, Data: []any{"a", []byte{1}}})
	require.NoError(t, err)
	require.Len(t, out, 3)
	assert.Equal(t, "previous", string(out[0].Data))
	assert.Equal(t, `51-["a",{"_placeholder":true,"num":0}]`, string(out[1].Data))
	assert.Equal(t, Frame{Binary: true, Data: []byte{1}}, out[2])
}

func TestEncodeErrors(t *testing.T) {
	tests := []struct {
		name string
		p    *Packet
		kind error
	}{
		{"nil packet", nil, ErrInvalidPayload},
		{"unknown type", &Packet{Type: 9}, ErrUnknownType},
		{"namespace without slash", &Packet{Type: Connect, Namespace: "admin"}, ErrInvalidNamespace},
		{"namespace with comma", &Packet{Type: Event, Namespace: "/a,b", Data: []any{"x"}}, ErrInvalidNamespace},
		{"connect namespace with ?", &Packet{Type: Connect, Namespace: "/a?b"}, ErrInvalidNamespace},
		{"query on event", &Packet{Type: Event, Query: "a=1", Data: []any{"x"}}, ErrInvalidNamespace},
		{"query with comma", &Packet{Type: Connect, Namespace: "/a", Query: "a=1,2"}, ErrInvalidNamespace},
		{"event without data", &Packet{Type: Event}, ErrInvalidPayload},
		{"event without name", &Packet{Type: Event, Data: []any{1}}, ErrInvalidPayload},
		{"event empty", &Packet{Type: Event, Data: []any{}}, ErrInvalidPayload},
		{"event object", &Packet{Type: Event, Data: map[string]any{"a": 1}}, ErrInvalidPayload},
		{"ack without id", &Packet{Type: Ack, Data: []any{}}, ErrInvalidAckID},
		{"ack not array", &Packet{Type: Ack, HasID: true, Data: "x"}, ErrInvalidPayload},
		{"disconnect with data", &Packet{Type: Disconnect, Data: []any{}}, ErrInvalidPayload},
		{"connect with array", &Packet{Type: Connect, Data: []any{}}, ErrInvalidPayload},
		{"connect error number", &Packet{Type: ConnectError, Data: 1}, ErrInvalidPayload},
		{"connect error empty", &Packet{Type: ConnectError}, ErrInvalidPayload},
		{"binary in connect", &Packet{Type: Connect, Data: map[string]any{"b": []byte{1}}}, ErrInvalidPayload},
		{"unmarshalable", &Packet{Type: Event, Data: []any{"x", make(chan int)}}, ErrInvalidPayload},
		{"invalid raw message", &Packet{Type: Event, Data: json.RawMessage(`["x"`)}, ErrInvalidPayload},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			frames, err := JSON.Encode(nil, tt.p)
			require.Error(t, err)
			assert.ErrorIs(t, err, tt.kind)
			assert.ErrorIs(t, err, ErrInvalidPacket)
			assert.Empty(t, frames)
		})
	}
}

func TestDecodeRejectsDeepNesting(t *testing.T) {
	dec := NewJSON(&JSONOptions{MaxDepth: 4}).NewDecoder()
	_, err := dec.Add(false, []byte(`2["ev",[[[{"a":1}]]]]`))
	require.ErrorIs(t, err, ErrInvalidPayload)
	p, err := dec.Add(false, []byte(`2["ev",[[{"a":"[[[[[["}]]]`))
	require.NoError(t, err, "brackets inside strings do not count")
	require.Equal(t, Event, p.Type)
	// The default allows ordinary payloads and stops pathological ones.
	deep := `2["ev",` + strings.Repeat("[", 100) + strings.Repeat("]", 100) + `]`
	_, err = JSON.NewDecoder().Add(false, []byte(deep))
	require.ErrorIs(t, err, ErrInvalidPacket)
}

func TestAppendTextErrorsAndBinary(t *testing.T) {
	ta := JSON.(TextAppender)
	dst := []byte("keep")
	out, ok, err := ta.AppendText(dst, Packet{Type: Ack, ID: 1, HasID: true, Data: []any{json.RawMessage(`{bad`)}})
	require.ErrorIs(t, err, ErrInvalidPacket)
	require.False(t, ok)
	require.Equal(t, "keep", string(out))

	out, ok, err = ta.AppendText(dst, Packet{Type: Ack, ID: 1, HasID: true, Data: []any{[]byte{1}}})
	require.NoError(t, err)
	require.False(t, ok, "attachments need binary frames")
	require.Equal(t, "keep", string(out))

	out, ok, err = ta.AppendText(dst, Packet{Type: Ack, Namespace: "/chat", ID: 7, HasID: true, Data: []any{"é", 1}})
	require.NoError(t, err)
	require.True(t, ok)
	require.Equal(t, `keep3/chat,7["é",1]`, string(out))
}

func TestDecoderRecycle(t *testing.T) {
	d := JSON.NewDecoder()
	r := d.(Recycler)
	p1, err := d.Add(false, []byte(`2["a",{"x":1}]`))
	require.NoError(t, err)
	args, err := p1.Data.(RawValue).Elems()
	require.NoError(t, err)
	r.Recycle(p1)
	// Handed back: its memory is cleared for reuse (from a pool, which the
	// race detector empties at random, so reuse itself is not asserted).
	require.Equal(t, Packet{}, *p1)
	// Values taken from it are untouched.
	require.Equal(t, `"a"`, string(args[0].Raw()))
	require.Equal(t, `{"x":1}`, string(args[1].Raw()))

	p2, err := d.Add(false, []byte(`21["b",2]`))
	require.NoError(t, err)
	require.Equal(t, uint64(1), p2.ID)
	require.True(t, p2.HasID)

	// Only the last packet Add returned is taken back.
	p3, err := d.Add(false, []byte(`51-["bin",{"_placeholder":true,"num":0}]`))
	require.NoError(t, err)
	require.Nil(t, p3)
	p3, err = d.Add(true, []byte{7})
	require.NoError(t, err)
	require.Equal(t, [][]byte{{7}}, p3.Attachments)
	r.Recycle(p2) // not the last one any more: ignored
	require.Equal(t, uint64(1), p2.ID)
	r.Recycle(p3)
	require.Equal(t, Packet{}, *p3)
	p4, err := d.Add(false, []byte(`2["c"]`))
	require.NoError(t, err)
	require.Equal(t, Event, p4.Type)
}

// Elems scans short arrays once and longer ones twice: both give the same
// elements.
func TestElemsShortAndLong(t *testing.T) {
	for _, n := range []int{0, 1, 8, 9, 20} {
		parts := make([]string, n)
		for i := range parts {
			parts[i] = fmt.Sprintf(` {"i": [%d]} `, i)
		}
		d := JSON.NewDecoder()
		p, err := d.Add(false, []byte(`2["e"`+strings.Repeat(",", min(n, 1))+strings.Join(parts, ",")+`]`))
		require.NoError(t, err)
		all, err := p.Data.(RawValue).Elems()
		require.NoError(t, err)
		require.Len(t, all, n+1)
		for i := range n {
			require.Equal(t, strings.TrimSpace(parts[i]), string(all[i+1].Raw()))
			var got struct{ I []int }
			require.NoError(t, all[i+1].Unmarshal(&got))
			require.Equal(t, []int{i}, got.I)
		}
	}
}
