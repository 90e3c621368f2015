package parser

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type node struct {
	Next *node
	Data []byte
}

type inner struct {
	B []byte
	N int
	M map[string]int
}

type outerUnexported struct {
	inner
	Name string
}

type zeroish struct {
	When time.Time `json:"when,omitzero"`
	Z    int       `json:"z,omitzero"`
	E    string    `json:"e,omitempty"`
	B    []byte    `json:"b"`
}

// foreignValue is a RawValue from some other codec.
type foreignValue struct{ v any }

func (f foreignValue) Unmarshal(v any) error      { *(v.(*any)) = f.v; return nil }
func (f foreignValue) Elems() ([]RawValue, error) { return nil, nil }
func (f foreignValue) String() (string, bool)     { return "", false }
func (f foreignValue) Raw() []byte                { return nil }

func TestEncodeReflectEdgeCases(t *testing.T) {
	// Cycles are reported, not followed forever.
	n := &node{}
	n.Next = n
	_, err := JSON.Encode(nil, &Packet{Type: Event, Data: []any{"x", n}})
	assert.ErrorIs(t, err, ErrInvalidPacket)

	// A finite linked list with binary.
	list := &node{Data: []byte{1}, Next: &node{Data: []byte{2}}}
	frames := encode(t, &Packet{Type: Event, Data: []any{"x", list}})
	assert.Equal(t, `52-["x",{"Data":{"_placeholder":true,"num":0},"Next":{"Data":{"_placeholder":true,"num":1},"Next":null}}]`, string(frames[0].Data))
	assert.Equal(t, []byte{1}, frames[1].Data)

	// Fields promoted from an unexported embedded struct are encoded like
	// encoding/json does.
	frames = encode(t, &Packet{Type: Event, Data: []any{"x", outerUnexported{inner: inner{B: []byte{1}, N: 2, M: map[string]int{"a": 1}}, Name: "n"}}})
	assert.Equal(t, `51-["x",{"B":{"_placeholder":true,"num":0},"M":{"a":1},"N":2,"Name":"n"}]`, string(frames[0].Data))

	// Attachment numbers follow the text order for maps too.
	frames = encode(t, &Packet{Type: Event, Data: []any{"x", map[string]any{"c": []byte("c"), "a": []byte("a"), "b": []byte("b")}, map[string][]byte{"z": []byte("z"), "y": []byte("y")}}})
	assert.Equal(t, `55-["x",{"a":{"_placeholder":true,"num":0},"b":{"_placeholder":true,"num":1},"c":{"_placeholder":true,"num":2}},{"y":{"_placeholder":true,"num":3},"z":{"_placeholder":true,"num":4}}]`, string(frames[0].Data))
	assert.Equal(t, "a", string(frames[1].Data))
	assert.Equal(t, "z", string(frames[5].Data))

	// omitzero honours IsZero (time.Time) and omitempty.
	frames = encode(t, &Packet{Type: Event, Data: []any{"x", zeroish{B: []byte{1}}}})
	assert.Equal(t, `51-["x",{"b":{"_placeholder":true,"num":0}}]`, string(frames[0].Data))

	// Byte arrays are JSON arrays, not binary.
	frames = encode(t, &Packet{Type: Event, Data: []any{"x", [2]byte{1, 2}}})
	assert.Equal(t, `2["x",[1,2]]`, string(frames[0].Data))

	// A foreign RawValue is decoded generically and re-encoded.
	frames = encode(t, &Packet{Type: Event, Data: []any{"x", foreignValue{v: map[string]any{"b": []byte{3}}}}})
	assert.Equal(t, `51-["x",{"b":{"_placeholder":true,"num":0}}]`, string(frames[0].Data))

	// Deeply nested (but finite) data still encodes.
	var deep any = []byte{9}
	for range 5000 {
		deep = []any{deep}
	}
	frames, err = JSON.Encode(nil, &Packet{Type: Event, Data: []any{"x", deep}})
	require.NoError(t, err)
	assert.Len(t, frames, 2)
}

func TestDecodeDeepPayload(t *testing.T) {
	// With MaxDepth raised, nesting up to encoding/json's limit decodes and
	// re-encodes.
	depth := 9000
	s := `51-["x",`
	for range depth {
		s += "["
	}
	s += `{"_placeholder":true,"num":0}`
	for range depth {
		s += "]"
	}
	s += "]"
	dec := NewJSON(&JSONOptions{MaxDepth: 10000}).NewDecoder()
	_, err := dec.Add(false, []byte(s))
	require.NoError(t, err)
	p, err := dec.Add(true, []byte{1})
	require.NoError(t, err)
	frames, err := JSON.Encode(nil, &Packet{Type: p.Type, Data: p.Data})
	require.NoError(t, err)
	assert.Len(t, frames, 2)
}

type keyT struct{ A, B int }

func (k keyT) MarshalText() ([]byte, error) { return []byte("k"), nil }

type omitAll struct {
	B   []byte         `json:"b"`
	S   string         `json:"s,omitempty"`
	I   int            `json:"i,omitempty"`
	U   uint           `json:"u,omitempty"`
	F   float64        `json:"f,omitempty"`
	T   bool           `json:"t,omitempty"`
	P   *int           `json:"p,omitempty"`
	M   map[string]int `json:"m,omitempty"`
	A   [0]int         `json:"a,omitempty"`
	X   any            `json:"x,omitempty"`
	St  struct{}       `json:"st,omitempty"` // structs are never empty
	Q   bool           `json:"q,string"`
	Ptr *keyT          `json:"ptr"`
}

func TestEncodeReflectTagsAndKeys(t *testing.T) {
	frames := encode(t, &Packet{Type: Event, Data: []any{"x", omitAll{B: []byte{1}}}})
	assert.Equal(t, `51-["x",{"b":{"_placeholder":true,"num":0},"ptr":null,"q":"false","st":{}}]`, string(frames[0].Data))

	frames = encode(t, &Packet{Type: Event, Data: []any{"x", map[uint8][]byte{7: {1}}, map[keyT][]byte{{}: {2}}}})
	assert.Equal(t, `52-["x",{"7":{"_placeholder":true,"num":0}},{"k":{"_placeholder":true,"num":1}}]`, string(frames[0].Data))

	_, err := JSON.Encode(nil, &Packet{Type: Event, Data: []any{"x", map[float64][]byte{1: {1}}}})
	assert.ErrorIs(t, err, ErrInvalidPayload)
}
