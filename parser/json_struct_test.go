package parser

import (
	"encoding/json"
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type plainMsg struct {
	Room   string  `json:"room"`
	Seq    int     `json:"seq,omitempty"`
	Small  int8    `json:"small"`
	U      uint16  `json:"u,omitzero"`
	F      float64 `json:"f"`
	OK     bool    `json:"ok,omitempty"`
	Data   any     `json:"data"`
	Plain  string
	hidden int
	Skip   string `json:"-"`
}

// TestPlainStructsMatchEncodingJSON: the plan-based encoder writes what
// encoding/json writes.
func TestPlainStructsMatchEncodingJSON(t *testing.T) {
	for _, v := range []any{
		plainMsg{}, plainMsg{Room: "r<&>\u2028", Seq: -3, Small: -128, U: 7, F: 1e21, OK: true,
			Data: map[string]any{"b": []any{1.5, "x"}}, Plain: "p", hidden: 1, Skip: "s"},
		&plainMsg{Room: "ptr", F: math.Copysign(0, -1)}, struct{}{}, struct{ A, B string }{"a", "b"},
	} {
		got, ok := appendJSON(nil, v, 0)
		require.True(t, ok, "%#v", v)
		assert.Equal(t, stdJSON(t, v), string(got), "%#v", v)
	}
}

// fastDecodeInputs cover what the fast decoders take and what they must
// leave to encoding/json.
var fastDecodeInputs = []string{
	`{"room":"r1","seq":12,"small":-5,"u":9,"f":1.5e3,"ok":true,"data":{"x":[1,null,"é"]},"Plain":"p"}`,
	`{"ROOM":"upper","plain":"lower","Room":"exact"}`,
	`{"room":"esc\u00e9\n","seq":null,"data":null}`,
	`{"seq":1.5}`, `{"seq":1e2}`, `{"small":300}`, `{"u":-1}`, `{"room":5}`, `{"ok":"true"}`,
	`{"f":1e400}`, `{"data":1e400}`, `{"unknown":{"deep":[1,2,{"x":null}]},"room":"after"}`,
	`{"room":"a","room":"b"}`, `[]`, `null`, `"str"`, `{}`, ` { "room" : "sp" } `,
	`{"room":"bad \xff utf8"}`, `{"data":"\ud800"}`, `[1,-0,0.1,"x",{"a":{}},[],true,false,null]`,
	`{"seq":9223372036854775808}`, `{"seq":-9223372036854775808}`,
}

func TestFastDecodersMatchEncodingJSON(t *testing.T) {
	for _, in := range fastDecodeInputs {
		checkFastDecode(t, in)
	}
}

func checkFastDecode(t *testing.T, in string) {
	var want any
	if json.Unmarshal([]byte(in), &want) == nil {
		if got, ok := decodeAny([]byte(in)); ok {
			require.Equal(t, want, got, in)
			if f, isF := want.(float64); isF && f == 0 {
				require.Equal(t, math.Signbit(f), math.Signbit(got.(float64)), in)
			}
		}
	} else if _, ok := decodeAny([]byte(in)); ok {
		t.Fatalf("decodeAny took %q, which encoding/json refuses", in)
	}
	var wantS plainMsg
	wantErr := json.Unmarshal([]byte(in), &wantS)
	var gotS plainMsg
	if decodeStruct([]byte(in), &gotS) {
		require.NoError(t, wantErr, "decodeStruct took %q", in)
		require.Equal(t, wantS, gotS, in)
	}
	// Through the RawValue, the result is always encoding/json's.
	var viaRaw plainMsg
	err := (&jsonValue{raw: []byte(in)}).Unmarshal(&viaRaw)
	if wantErr != nil {
		require.Error(t, err, in)
		return
	}
	require.NoError(t, err, in)
	require.Equal(t, wantS, viaRaw, in)
}

func FuzzFastDecoders(f *testing.F) {
	for _, in := range fastDecodeInputs {
		f.Add(in)
	}
	f.Fuzz(func(t *testing.T, in string) {
		if valid, _ := validJSON([]byte(in)); !valid || tooDeep([]byte(in), DefaultMaxDepth) {
			return
		}
		checkFastDecode(t, in)
	})
}
