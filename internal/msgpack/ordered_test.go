package msgpack

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A Map keeps its keys in order, in msgpack and in JSON; Go maps are
// written with sorted keys, so the same value gives the same bytes.
func TestMapKeepsKeyOrder(t *testing.T) {
	m := Object("uid", "abc", "type", 7, "data", []any{"e", "<&>"}, "a", map[string]any{"z": 1, "b": 2, "m": 3})
	b, err := Marshal(m)
	require.NoError(t, err)
	want := []byte{0x84,
		0xa3, 'u', 'i', 'd', 0xa3, 'a', 'b', 'c',
		0xa4, 't', 'y', 'p', 'e', 0x07,
		0xa4, 'd', 'a', 't', 'a', 0x92, 0xa1, 'e', 0xa3, '<', '&', '>',
		0xa1, 'a', 0x83, 0xa1, 'b', 0x02, 0xa1, 'm', 0x03, 0xa1, 'z', 0x01}
	assert.Equal(t, want, b)

	j, err := MarshalJSON(m)
	require.NoError(t, err)
	assert.Equal(t, `{"uid":"abc","type":7,"data":["e","<&>"],"a":{"b":2,"m":3,"z":1}}`, string(j))

	for range 20 {
		again, err := Marshal(map[string]any{"k1": 1, "k2": 2, "k3": map[string]string{"x": "1", "a": "2"}, "k4": 4})
		require.NoError(t, err)
		first, _ := Marshal(map[string]any{"k4": 4, "k3": map[string]string{"a": "2", "x": "1"}, "k2": 2, "k1": 1})
		assert.Equal(t, first, again)
	}
}
