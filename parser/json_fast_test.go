package parser

import (
	"bytes"
	"encoding/json"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// stdJSON is what encoding/json writes with HTML escaping off.
func stdJSON(t *testing.T, v any) string {
	t.Helper()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	require.NoError(t, enc.Encode(v))
	return string(bytes.TrimSuffix(buf.Bytes(), []byte{'\n'}))
}

func TestAppendJSONMatchesEncodingJSON(t *testing.T) {
	values := []any{
		nil, true, false, "", "plain", "quote\" back\\slash", "ctl \x00\x01\x1f\b\f\n\r\t",
		"<html> & co", "héllo €😀", "bad \xff\xfe utf8 \xe2\x82", "\u2028 and \u2029", "\x7f",
		0.0, math.Copysign(0, -1), 1.0, -1.5, 3.14159, 1e20, 1e21, 1e-6, 1e-7, 123456789012345678.0, 1e-300, 5e-324,
		math.MaxFloat64, 42, int64(-7), []any{}, []any{1.0, "a", nil, []any{true}},
		map[string]any{}, map[string]any{"b": 1.0, "a": []any{"x"}, "é": map[string]any{"z": nil}},
		json.RawMessage(`{ "a" : [1, 2 ,"x y"] }`), json.RawMessage(`"s \" \\ "`),
		[]any{"ev", json.RawMessage(` {"k":  "v"} `), map[string]any{"n": 2.5}},
		&[]any{"ack", 1.0}, (*[]any)(nil), &[]any{},
	}
	for _, v := range values {
		got, ok := appendJSON(nil, v, 0)
		require.True(t, ok, "%#v", v)
		assert.Equal(t, stdJSON(t, v), string(got), "%#v", v)
	}
	// Random strings and floats.
	r := rand.New(rand.NewPCG(1, 2))
	for range 2000 {
		b := make([]byte, r.IntN(12))
		for i := range b {
			b[i] = byte(r.IntN(256))
		}
		f := math.Float64frombits(r.Uint64())
		if math.IsNaN(f) || math.IsInf(f, 0) {
			f = r.NormFloat64() * math.Pow(10, float64(r.IntN(40)-20))
		}
		v := []any{string(b), f}
		got, ok := appendJSON(nil, v, 0)
		require.True(t, ok)
		require.Equal(t, stdJSON(t, v), string(got), "%q %v", b, f)
	}
}

func TestAppendJSONDeclinesOtherValues(t *testing.T) {
	for _, v := range []any{struct{ A []int }{[]int{1}}, struct{ A float32 }{1}, struct{ A any }{[]int{1}}, []int{1}, math.NaN(), json.RawMessage(`{bad`), uint8(3)} {
		_, ok := appendJSON(nil, []any{v}, 0)
		assert.False(t, ok, "%#v", v)
	}
}
