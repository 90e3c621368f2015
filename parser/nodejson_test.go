package parser

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// nodeCases pair a client's JSON text with what Node writes for
// JSON.stringify(JSON.parse(text)), as printed by Node 20.
var nodeCases = []struct{ in, want string }{
	{`{"b":1,"a":2,"2":3,"1":4,"10":5,"01":6,"4294967295":7,"4294967294":8}`,
		`{"1":4,"2":3,"10":5,"4294967294":8,"b":1,"a":2,"01":6,"4294967295":7}`},
	{`[1.0,-0,1e21,1E21,12345678901234567890,1e-7,0.000001,1e400,-1e400,1e-400,-1e-400,123456789012345,1234567890123456,0.1,100,1.5e2,-0.0,2.50]`,
		`[1,0,1e+21,1e+21,12345678901234567000,1e-7,0.000001,null,null,0,0,123456789012345,1234567890123456,0.1,100,150,0,2.5]`},
	{`["\u00e9\u00E9","\ud83d\ude00","\ud83d","\uDE00x","\/","\u0041","\u2028` + "\u2028" + `","\u001f\u007f","\b\f\n\r\t\"\\","é😀"]`,
		`["éé","😀","\ud83d","\ude00x","/","A","` + "\u2028\u2028" + `","\u001f` + "\x7f" + `","\b\f\n\r\t\"\\","é😀"]`},
	{`{"a":1,"b":2,"a":3}`, `{"a":3,"b":2}`},
	{`{"x":{"\u0061":1,"a":2}}`, `{"x":{"a":2}}`},
	{` [ 1 , { "a" : [ ] , "b" : { } } ] `, `[1,{"a":[],"b":{}}]`},
	{`{"__proto__":1}`, `{"__proto__":1}`},
	{`"plain"`, `"plain"`},
	{`true`, `true`},
	{`null`, `null`},
	{`[-12,0,-123456789012345,9007199254740993]`, `[-12,0,-123456789012345,9007199254740992]`},
}

func TestNodeRelayText(t *testing.T) {
	for _, c := range nodeCases {
		v := &jsonValue{raw: []byte(c.in)}
		got, ok := appendNode(nil, v, nil)
		require.True(t, ok, c.in)
		require.Equal(t, c.want, string(got), c.in)
	}
}

// TestNodeRelayBinary: placeholders are renumbered in the order written and
// their attachments follow that order, whatever the client's numbering; a
// placeholder a repeated key drops takes its attachment with it.
func TestNodeRelayBinary(t *testing.T) {
	dec := JSON.NewDecoder()
	_, err := dec.Add(false, []byte(`53-["ev",{"z":{"_placeholder":true,"num":2},"a":[{"num":1,"_placeholder":true,"x":9}]},{"d":{"_placeholder":true,"num":0},"d":1.0}]`))
	require.NoError(t, err)
	for _, a := range []string{"zero", "one", "two"} {
		p, err := dec.Add(true, []byte(a))
		require.NoError(t, err)
		if a == "two" {
			require.NotNil(t, p)
			frames, err := JSON.Encode(nil, &Packet{Type: Event, Namespace: "/", Data: p.Data})
			require.NoError(t, err)
			require.Len(t, frames, 3)
			require.Equal(t, `52-["ev",{"z":{"_placeholder":true,"num":0},"a":[{"_placeholder":true,"num":1}]},{"d":1}]`, string(frames[0].Data))
			require.Equal(t, "two", string(frames[1].Data))
			require.Equal(t, "one", string(frames[2].Data))

			// The same values as arguments of a new event.
			args, err := p.Data.(RawValue).Elems()
			require.NoError(t, err)
			frames, err = JSON.Encode(nil, &Packet{Type: Event, Namespace: "/", Data: []any{"relay", args[2], args[1]}})
			require.NoError(t, err)
			require.Len(t, frames, 3)
			require.Equal(t, `52-["relay",{"d":1},{"z":{"_placeholder":true,"num":0},"a":[{"_placeholder":true,"num":1}]}]`, string(frames[0].Data))
			require.Equal(t, "two", string(frames[1].Data))
			require.Equal(t, "one", string(frames[2].Data))
		}
	}
}

// rawHolder carries a RawValue, as socketio.RawArg does.
type rawHolder struct{ v RawValue }

func (h rawHolder) RawValue() RawValue { return h.v }

// TestNodeRelayThroughRawValuer: a RawValuer is written as the value it
// carries, at the top of the arguments, nested in maps and in struct
// fields, binary or not.
func TestNodeRelayThroughRawValuer(t *testing.T) {
	dec := JSON.NewDecoder()
	p, err := dec.Add(false, []byte(`2["ev",{"b":1.0,"a":12345678901234567890}]`))
	require.NoError(t, err)
	args, err := p.Data.(RawValue).Elems()
	require.NoError(t, err)
	h := rawHolder{args[1]}
	type msg struct {
		Data rawHolder `json:"data"`
		Any  any       `json:"any"`
	}
	for _, c := range []struct {
		data any
		want string
	}{
		{[]any{"e", h}, `2["e",{"b":1,"a":12345678901234567000}]`},
		{[]any{"e", map[string]any{"k": h}}, `2["e",{"k":{"b":1,"a":12345678901234567000}}]`},
		{[]any{"e", msg{Data: h, Any: h}}, `2["e",{"any":{"b":1,"a":12345678901234567000},"data":{"b":1,"a":12345678901234567000}}]`},
		{[]any{"e", rawHolder{}}, `2["e",null]`},
	} {
		frames, err := JSON.Encode(nil, &Packet{Type: Event, Namespace: "/", Data: c.data})
		require.NoError(t, err)
		require.Equal(t, c.want, string(frames[0].Data))
	}
}

func FuzzNodeRelayText(f *testing.F) {
	for _, c := range nodeCases {
		f.Add(c.in)
	}
	f.Fuzz(func(t *testing.T, in string) {
		if valid, _ := validJSON([]byte(in)); !valid || len(in) == 0 || tooDeep([]byte(in), DefaultMaxDepth) {
			return // the decoder lets no such value through
		}
		out, ok := appendNode(nil, &jsonValue{raw: []byte(in)}, nil)
		if !ok {
			t.Fatalf("valid JSON %q not rewritten", in)
		}
		if valid, spaced := validJSON(out); !valid || spaced {
			t.Fatalf("%q became %q", in, out)
		}
		again, ok := appendNode(nil, &jsonValue{raw: out}, nil)
		if !ok || string(again) != string(out) {
			t.Fatalf("not stable: %q -> %q -> %q", in, out, again)
		}
		var a, b any
		if json.Unmarshal([]byte(in), &a) == nil {
			require.NoError(t, json.Unmarshal(out, &b))
			require.Equal(t, a, b, "%q -> %q", in, out)
		}
	})
}

func TestNewJSONValue(t *testing.T) {
	v, err := NewJSONValue([]byte(` {"b":1.0,"a":[2]} `))
	require.NoError(t, err)
	frames, err := JSON.Encode(nil, &Packet{Type: Event, Namespace: "/", Data: []any{"e", v}})
	require.NoError(t, err)
	require.Equal(t, `2["e",{"b":1,"a":[2]}]`, string(frames[0].Data))
	for _, bad := range []string{``, ` `, `{`, `[1,]`, strings.Repeat("[", 65) + strings.Repeat("]", 65)} {
		_, err := NewJSONValue([]byte(bad))
		require.ErrorIs(t, err, ErrInvalidPayload, bad)
	}
}
