package msgpack

import (
	"encoding/hex"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Vectors produced by notepack.io 3.0.1 (the codec of Node's Redis adapter
// and emitter) for the equivalent JavaScript values.
var notepackVectors = []struct {
	name string
	in   any
	hex  string
}{
	{"nil", nil, "c0"},
	{"true", true, "c3"},
	{"false", false, "c2"},
	{"int0", 0, "00"},
	{"int127", 127, "7f"},
	{"int128", 128, "cc80"},
	{"int255", 255, "ccff"},
	{"int256", 256, "cd0100"},
	{"int65536", 65536, "ce00010000"},
	{"int2p32", int64(1) << 32, "cf0000000100000000"},
	{"neg1", -1, "ff"},
	{"neg32", -32, "e0"},
	{"neg33", -33, "d0df"},
	{"neg129", -129, "d1ff7f"},
	{"neg32769", -32769, "d2ffff7fff"},
	{"neg2p31m1", int64(-2147483649), "d3ffffffff7fffffff"},
	{"float", 1.5, "cb3ff8000000000000"},
	{"integral float", 3.0, "03"},
	{"negzero", math.Copysign(0, -1), "00"},
	{"str", "héllo", "a668c3a96c6c6f"},
	{"str32", strings.Repeat("x", 32), "d920" + strings.Repeat("78", 32)},
	{"str256", strings.Repeat("y", 256), "da0100" + strings.Repeat("79", 256)},
	{"bin", []byte{1, 2, 3}, "c403010203"},
	{"arr", []any{1, "a", []any{true}}, "9301a16191c3"},
	{"map", map[string]any{"a": 1}, "81a16101"},
	{"arr16", []any{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15}, "dc0010000102030405060708090a0b0c0d0e0f"},
	{"date", time.UnixMilli(1700000000000), "d6ff6553f100"},
	{"datems", time.UnixMilli(1700000000123), "d7ff1d5353006553f100"},
}

func TestEncodeLikeNotepack(t *testing.T) {
	for _, v := range notepackVectors {
		got, err := Marshal(v.in)
		require.NoError(t, err, v.name)
		assert.Equal(t, v.hex, hex.EncodeToString(got), v.name)
	}
}

func TestDecodeNotepack(t *testing.T) {
	want := map[string]any{
		"nil": nil, "true": true, "int128": int64(128), "neg33": int64(-33), "float": 1.5,
		"str": "héllo", "bin": []byte{1, 2, 3}, "arr": []any{int64(1), "a", []any{true}},
		"map": map[string]any{"a": int64(1)}, "int2p32": int64(1) << 32,
		"date": time.UnixMilli(1700000000000).UTC(), "datems": time.UnixMilli(1700000000123).UTC(),
	}
	for _, v := range notepackVectors {
		w, ok := want[v.name]
		if !ok {
			continue
		}
		b, _ := hex.DecodeString(v.hex)
		got, err := Unmarshal(b)
		require.NoError(t, err, v.name)
		assert.Equal(t, w, got, v.name)
	}
	// notepack's undefined (fixext 1, type 0) and other extensions.
	got, err := Unmarshal([]byte{0xd4, 0x00, 0x00})
	require.NoError(t, err)
	assert.Nil(t, got)
	got, err = Unmarshal([]byte{0xd5, 0x05, 0xaa, 0xbb})
	require.NoError(t, err)
	assert.Equal(t, []any{int64(5), []byte{0xaa, 0xbb}}, got)
	got, err = Unmarshal([]byte{0xca, 0x3f, 0xc0, 0x00, 0x00})
	require.NoError(t, err)
	assert.Equal(t, 1.5, got)
	got, err = Unmarshal([]byte{0xcf, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff})
	require.NoError(t, err)
	assert.Equal(t, uint64(math.MaxUint64), got)
}

func TestRoundTrip(t *testing.T) {
	in := map[string]any{
		"s": "x", "n": int64(-5), "f": 2.25, "b": []byte("bin"), "a": []any{nil, false},
		"m": map[string]any{"deep": []any{map[string]any{}}}, "big": strings.Repeat("z", 70000),
		"bigbin": make([]byte, 70000), "long": make([]any, 70000),
	}
	for i := range in["long"].([]any) {
		in["long"].([]any)[i] = int64(i % 100)
	}
	b, err := Marshal(in)
	require.NoError(t, err)
	out, err := Unmarshal(b)
	require.NoError(t, err)
	assert.Equal(t, in, out)
}

func TestMalformed(t *testing.T) {
	for _, h := range []string{"", "c1", "92c0", "a3616263ff", "dbffffffff", "ddffffffff", "dfffffffff", "c6ffffffff00", "d6ff0000", "c0c0"} {
		b, _ := hex.DecodeString(h)
		_, err := Unmarshal(b)
		assert.Error(t, err, h)
	}
	deep := strings.Repeat("91", maxDepth+2) + "c0"
	b, _ := hex.DecodeString(deep)
	_, err := Unmarshal(b)
	assert.Error(t, err)
}

func TestMarshalUnsupported(t *testing.T) {
	_, err := Marshal(struct{ A int }{1})
	assert.ErrorIs(t, err, ErrUnsupported)
	_, err = Marshal(map[int]int{1: 2})
	assert.ErrorIs(t, err, ErrUnsupported)
	b, err := Marshal([]int{1, 2})
	require.NoError(t, err)
	assert.Equal(t, "920102", hex.EncodeToString(b))
}

type payload struct {
	Name  string `json:"name"`
	Blob  []byte `json:"blob"`
	Inner struct {
		N int `json:"n"`
	} `json:"inner"`
	//lint:ignore U1000 never set: it is here to show that Normalize leaves unexported fields out
	skip int
}

func TestNormalize(t *testing.T) {
	p := payload{Name: "a", Blob: []byte{1, 2}}
	p.Inner.N = 3
	out, err := Normalize([]any{p, 1, "x", []byte{5}})
	require.NoError(t, err)
	assert.Equal(t, []any{
		map[string]any{"name": "a", "blob": []byte{1, 2}, "inner": map[string]any{"n": float64(3)}},
		float64(1), "x", []byte{5},
	}, out)
	// Generic values are passed as they are.
	in := []any{map[string]any{"k": []any{1, 2.5}}}
	out, err = Normalize(in)
	require.NoError(t, err)
	assert.Equal(t, in, out)
	_, err = Normalize([]any{make(chan int)})
	assert.Error(t, err)
}
