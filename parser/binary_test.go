package parser

import (
	"encoding/json"
	"net"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type fileMsg struct {
	Name    string `json:"name"`
	Content []byte `json:"content"`
	Skip    []byte `json:"-"`
	Empty   []byte `json:"empty,omitempty"`
	Thumbs  [][]byte
	private []byte
}

type Embedded struct {
	Blob []byte `json:"blob"`
	Tag  string `json:"tag"`
}

type withEmbedded struct {
	Embedded
	Tag   string `json:"tag"` // shadows Embedded.Tag
	Count int    `json:"count,string"`
	IP    net.IP `json:"ip"` // named []byte with MarshalText: not binary
}

func TestEncodeBinary(t *testing.T) {
	tests := []struct {
		name string
		p    Packet
		wire string
		atts [][]byte
	}{
		{
			"top-level arg",
			Packet{Type: Event, Data: []any{"upload", []byte{1, 2, 3}}},
			`51-["upload",{"_placeholder":true,"num":0}]`,
			[][]byte{{1, 2, 3}},
		},
		{
			"ack through a *[]any",
			Packet{Type: Ack, ID: 7, HasID: true, Data: &[]any{"ok", []byte{4}}},
			`61-7["ok",{"_placeholder":true,"num":0}]`,
			[][]byte{{4}},
		},
		{
			"several nested in arrays and maps",
			Packet{Type: Event, Namespace: "/files", ID: 4, HasID: true, Data: []any{
				"up", []byte("a"), []any{[]byte("b"), "s"}, map[string]any{"c": []byte("c"), "n": 1},
			}},
			`53-/files,4["up",{"_placeholder":true,"num":0},[{"_placeholder":true,"num":1},"s"],{"c":{"_placeholder":true,"num":2},"n":1}]`,
			[][]byte{[]byte("a"), []byte("b"), []byte("c")},
		},
		{
			"struct with tags",
			Packet{Type: Event, Data: []any{"file", fileMsg{Name: "a.txt", Content: []byte("hi"), Skip: []byte("no"), Thumbs: [][]byte{{9}}, private: []byte("p")}}},
			`52-["file",{"Thumbs":[{"_placeholder":true,"num":0}],"content":{"_placeholder":true,"num":1},"name":"a.txt"}]`,
			[][]byte{{9}, []byte("hi")},
		},
		{
			"pointer to struct in typed slice",
			Packet{Type: Event, Data: []any{"files", []*fileMsg{{Name: "x", Content: []byte{7}}, nil}}},
			`51-["files",[{"Thumbs":null,"content":{"_placeholder":true,"num":0},"name":"x"},null]]`,
			[][]byte{{7}},
		},
		{
			"embedded struct, string option, text marshaler",
			Packet{Type: Event, Data: []any{"e", withEmbedded{Embedded: Embedded{Blob: []byte{5}, Tag: "inner"}, Tag: "outer", Count: 3, IP: net.IPv4(1, 2, 3, 4)}}},
			`51-["e",{"blob":{"_placeholder":true,"num":0},"count":"3","ip":"1.2.3.4","tag":"outer"}]`,
			[][]byte{{5}},
		},
		{
			"typed map",
			Packet{Type: Event, Data: []any{"m", map[string][]byte{"k": {1}}}},
			`51-["m",{"k":{"_placeholder":true,"num":0}}]`,
			[][]byte{{1}},
		},
		{
			"int keyed map",
			Packet{Type: Event, Data: []any{"m", map[int][]byte{3: {1}}}},
			`51-["m",{"3":{"_placeholder":true,"num":0}}]`,
			[][]byte{{1}},
		},
		{
			"binary ack",
			Packet{Type: Ack, ID: 9, HasID: true, Data: []any{[]byte{0xff}, "ok"}},
			`61-9[{"_placeholder":true,"num":0},"ok"]`,
			[][]byte{{0xff}},
		},
		{
			"empty byte slice is an attachment, nil is null",
			Packet{Type: Event, Data: []any{"x", []byte{}, []byte(nil)}},
			`51-["x",{"_placeholder":true,"num":0},null]`,
			[][]byte{{}},
		},
		{
			"raw message stays raw",
			Packet{Type: Event, Data: []any{"x", []byte{1}, json.RawMessage(`{"z":1, "a":[]}`)}},
			`51-["x",{"_placeholder":true,"num":0},{"z":1,"a":[]}]`,
			[][]byte{{1}},
		},
		{
			"no binary in struct",
			Packet{Type: Event, Data: []any{"x", fileMsg{Name: "n"}}},
			`2["x",{"name":"n","content":null,"Thumbs":null}]`,
			nil,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			frames := encode(t, &tt.p)
			require.Len(t, frames, 1+len(tt.atts))
			assert.Equal(t, tt.wire, string(frames[0].Data))
			for i, a := range tt.atts {
				assert.True(t, frames[1+i].Binary)
				assert.Equal(t, a, frames[1+i].Data)
			}
			p := decodeFrames(t, frames)
			if len(tt.atts) > 0 {
				assert.Equal(t, tt.p.Type+3, p.Type) // Event→BinaryEvent, Ack→BinaryAck
				assert.Equal(t, tt.atts, p.Attachments)
			}
		})
	}
}

func TestEncodeDoesNotModifyInput(t *testing.T) {
	inner := map[string]any{"b": []byte{1}}
	args := []any{"x", inner, []any{[]byte{2}}}
	_, err := JSON.Encode(nil, &Packet{Type: Event, Data: args})
	require.NoError(t, err)
	assert.Equal(t, []byte{1}, inner["b"])
	assert.Equal(t, []byte{2}, args[2].([]any)[0])
}

func TestBinaryRoundTripTyped(t *testing.T) {
	in := fileMsg{Name: "a.bin", Content: []byte{0, 1, 2, 255}, Thumbs: [][]byte{{1}, {2, 3}}}
	frames := encode(t, &Packet{Type: Event, Namespace: "/up", Data: []any{"file", in, []byte("tail")}})
	p := decodeFrames(t, frames)
	require.Equal(t, BinaryEvent, p.Type)
	require.Len(t, p.Attachments, 4)

	elems, err := p.Data.(RawValue).Elems()
	require.NoError(t, err)
	require.Len(t, elems, 3)
	name, ok := elems[0].String()
	require.True(t, ok)
	assert.Equal(t, "file", name)

	var out fileMsg
	require.NoError(t, elems[1].Unmarshal(&out))
	assert.Equal(t, in.Name, out.Name)
	assert.Equal(t, in.Content, out.Content)
	assert.Equal(t, in.Thumbs, out.Thumbs)
	// Unmarshal twice (cached rewrite) gives the same.
	var again fileMsg
	require.NoError(t, elems[1].Unmarshal(&again))
	assert.Equal(t, out, again)

	var tail []byte
	require.NoError(t, elems[2].Unmarshal(&tail))
	assert.Equal(t, []byte("tail"), tail)

	// Typed targets see attachments as base64 strings, so a []json.RawMessage
	// element can still be unmarshaled into []byte later.
	var raws []json.RawMessage
	require.NoError(t, p.Data.(RawValue).Unmarshal(&raws))
	assert.Equal(t, `"dGFpbA=="`, string(raws[2]))

	// Into a struct holding a []byte nested in a typed slice.
	var typed struct {
		Files []fileMsg
	}
	frames = encode(t, &Packet{Type: Ack, ID: 1, HasID: true, Data: []any{map[string]any{"Files": []fileMsg{in}}}})
	p = decodeFrames(t, frames)
	elems, err = p.Data.(RawValue).Elems()
	require.NoError(t, err)
	require.NoError(t, elems[0].Unmarshal(&typed))
	assert.Equal(t, in.Content, typed.Files[0].Content)
}

func TestBinaryRoundTripAny(t *testing.T) {
	frames := encode(t, &Packet{Type: Event, Data: []any{"x", []byte{1}, map[string]any{"k": []any{[]byte{2}, "s"}}}})
	p := decodeFrames(t, frames)
	rv := p.Data.(RawValue)

	var v any
	require.NoError(t, rv.Unmarshal(&v))
	assert.Equal(t, []any{"x", []byte{1}, map[string]any{"k": []any{[]byte{2}, "s"}}}, v)

	var s []any
	require.NoError(t, rv.Unmarshal(&s))
	assert.Equal(t, v, s)

	elems, err := rv.Elems()
	require.NoError(t, err)
	var m map[string]any
	require.NoError(t, elems[2].Unmarshal(&m))
	assert.Equal(t, map[string]any{"k": []any{[]byte{2}, "s"}}, m)
	var one any
	require.NoError(t, elems[1].Unmarshal(&one))
	assert.Equal(t, []byte{1}, one)

	// Raw keeps the placeholders.
	assert.JSONEq(t, `{"_placeholder":true,"num":0}`, string(elems[1].Raw()))
}

func TestPlaceholderVariants(t *testing.T) {
	// Reordered keys, extra spaces, extra members, escaped key.
	d := JSON.NewDecoder()
	p, err := d.Add(false, []byte(`52-["x", { "num" : 1 , "_placeholder" : true }, {"\u005fplaceholder":true,"num":0,"extra":{"_placeholder":true,"num":99}}]`))
	require.NoError(t, err)
	require.Nil(t, p)
	_, err = d.Add(true, []byte("zero"))
	require.NoError(t, err)
	p, err = d.Add(true, []byte("one"))
	require.NoError(t, err)
	require.NotNil(t, p)
	var v []any
	require.NoError(t, p.Data.(RawValue).Unmarshal(&v))
	assert.Equal(t, []any{"x", []byte("one"), []byte("zero")}, v)
	var typed struct {
		Name string
		A, B []byte
	}
	var arr [3]json.RawMessage
	require.NoError(t, p.Data.(RawValue).Unmarshal(&arr))
	require.NoError(t, json.Unmarshal(arr[1], &typed.A))
	require.NoError(t, json.Unmarshal(arr[2], &typed.B))
	assert.Equal(t, []byte("one"), typed.A)
	assert.Equal(t, []byte("zero"), typed.B)

	// "_placeholder": false is plain data, even in a binary packet.
	p = decodeFrames(t, []Frame{{Data: []byte(`51-["x",{"_placeholder":false,"num":5},{"_placeholder":true,"num":0}]`)}, {Binary: true, Data: []byte{1}}})
	require.NoError(t, p.Data.(RawValue).Unmarshal(&v))
	assert.Equal(t, []any{"x", map[string]any{"_placeholder": false, "num": 5.0}, []byte{1}}, v)

	// Placeholders in a non-binary packet are plain data.
	p = decodeText(t, `2["x",{"_placeholder":true,"num":0}]`)
	require.NoError(t, p.Data.(RawValue).Unmarshal(&v))
	assert.Equal(t, []any{"x", map[string]any{"_placeholder": true, "num": 0.0}}, v)
}

func TestForwardDecodedValue(t *testing.T) {
	// A received payload (or argument) can be re-sent as is; attachments follow.
	src := decodeFrames(t, encode(t, &Packet{Type: Event, Data: []any{"x", "plain", []byte{1}, map[string]any{"b": []byte{2}}}}))
	elems, err := src.Data.(RawValue).Elems()
	require.NoError(t, err)

	frames := encode(t, &Packet{Type: Event, Data: src.Data})
	assert.Equal(t, `52-["x","plain",{"_placeholder":true,"num":0},{"b":{"_placeholder":true,"num":1}}]`, string(frames[0].Data))

	frames = encode(t, &Packet{Type: Event, Data: []any{"y", elems[1], elems[3]}})
	assert.Equal(t, `51-["y","plain",{"b":{"_placeholder":true,"num":0}}]`, string(frames[0].Data))
	assert.Equal(t, []byte{2}, frames[1].Data)

	// Written as Node relays it: JSON.stringify(JSON.parse(text)).
	plain := decodeText(t, `2["x", {"a" : 1.0}]`)
	frames = encode(t, &Packet{Type: Event, Data: plain.Data})
	assert.Equal(t, `2["x",{"a":1}]`, string(frames[0].Data))

	// json.Marshal of a binary value gives base64 strings.
	b, err := json.Marshal(elems[2])
	require.NoError(t, err)
	assert.Equal(t, `"AQ=="`, string(b))
}

func TestRawValueHelpers(t *testing.T) {
	p := decodeText(t, `2["caf\u00e9", "plain", 1, {"a":[1,2]}, [], "\"q\""]`)
	rv := p.Data.(RawValue)
	_, ok := rv.String()
	assert.False(t, ok)
	elems, err := rv.Elems()
	require.NoError(t, err)
	require.Len(t, elems, 6)
	s, ok := elems[0].String()
	assert.True(t, ok)
	assert.Equal(t, "café", s)
	s, ok = elems[1].String()
	assert.True(t, ok)
	assert.Equal(t, "plain", s)
	_, ok = elems[2].String()
	assert.False(t, ok)
	s, ok = elems[5].String()
	assert.True(t, ok)
	assert.Equal(t, `"q"`, s)
	_, err = elems[2].Elems()
	assert.ErrorIs(t, err, ErrInvalidPacket)
	inner, err := elems[4].Elems()
	require.NoError(t, err)
	assert.Empty(t, inner)
	assert.Equal(t, `{"a":[1,2]}`, string(elems[3].Raw()))

	var n int
	require.NoError(t, elems[2].Unmarshal(&n))
	assert.Equal(t, 1, n)
	// Type mismatches are reported by encoding/json.
	var wrong int
	var typeErr *json.UnmarshalTypeError
	assert.ErrorAs(t, elems[1].Unmarshal(&wrong), &typeErr)
}
