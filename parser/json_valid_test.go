package parser

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

var validJSONCases = []string{
	``, ` `, `0`, `-0`, `01`, `-`, `1.`, `1.5`, `.5`, `1e5`, `1E+5`, `1e-5`, `1e`, `1e+`, `-1.5e10`,
	`true`, `tru`, `false`, `null`, `nul`, `nullx`, `"`, `""`, `"a`, `"\"`, `"\u00e9"`, `"\u00g9"`, `"\u00e"`,
	`"\x"`, "\"\x01\"", "\"\xff\xfe\"", `"\/\b\f\n\r\t\\"`, `[]`, `[ ]`, `[1,]`, `[,1]`, `[1 2]`, `[1,2]`,
	`{}`, `{ }`, `{"a":1}`, `{"a" : 1 , "b" : [true, null]}`, `{"a":1,}`, `{a:1}`, `{"a"}`, `{"a":}`,
	`{"a":1]`, `[1}`, `[[[]]]`, `[[[]]`, ` [1] `, `[1] x`, `"a" "b"`, `{"a":{"b":{"c":[1,{"d":"e"}]}}}`,
	"[\n\t1\r]", `["x","y",{"z":-0.0e-0}]`,
	strings.Repeat("[", validDepth) + strings.Repeat("]", validDepth),
	strings.Repeat("[", validDepth+1) + strings.Repeat("]", validDepth+1),
	strings.Repeat("[", validDepth+1) + strings.Repeat("]", validDepth),
}

func TestValidJSONMatchesEncodingJSON(t *testing.T) {
	for _, c := range validJSONCases {
		checkValidJSON(t, []byte(c))
	}
}

func checkValidJSON(t *testing.T, b []byte) {
	t.Helper()
	valid, spaced := validJSON(b)
	require.Equal(t, json.Valid(b), valid, "%q", b)
	if valid {
		var compact bytes.Buffer
		require.NoError(t, json.Compact(&compact, b))
		// spaced may err on the side of true (deep documents), never false.
		require.True(t, spaced || bytes.Equal(compact.Bytes(), b), "whitespace of %q", b)
	}
}

// FuzzValidJSON checks validJSON against json.Valid and json.Compact.
func FuzzValidJSON(f *testing.F) {
	for _, c := range validJSONCases {
		f.Add([]byte(c))
	}
	f.Fuzz(checkValidJSON)
}
