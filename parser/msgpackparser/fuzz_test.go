package msgpackparser

import (
	"encoding/hex"
	"encoding/json"
	"testing"

	"github.com/gosio/gosio/parser"
	"github.com/stretchr/testify/require"
)

// FuzzDecode feeds a binary message to a decoder. It must never panic,
// only return errors wrapping parser.ErrInvalidPacket, and every packet it
// accepts must decode into every target without panicking and survive a
// re-encode/decode round trip with the same data bytes.
func FuzzDecode(f *testing.F) {
	for _, h := range []string{
		clientEvent,
		"83a47479706500a464617461d40000a36e7370a12f",
		"82a47479706501a36e7370a22f61",
		"84a2696403a47479706503a46461746190a36e7370a12f",
		"83a47479706504a46461746182a76d657373616765a16ea464617461c0a36e7370a12f",
		"83a47479706502a46461746192a165cfab54a98ceb1f0ad2a36e7370a12f",
		"83a47479706502a46461746193a165c70100d40000a36e7370a12f",
	} {
		b, err := hex.DecodeString(h)
		require.NoError(f, err)
		f.Add(b)
	}
	c := New(nil)
	f.Fuzz(func(t *testing.T, msg []byte) {
		p, err := c.NewDecoder().Add(true, msg)
		if err != nil {
			require.ErrorIs(t, err, parser.ErrInvalidPacket)
			return
		}
		raw, _ := p.Data.(parser.RawValue)
		if raw != nil {
			var g any
			require.NoError(t, raw.Unmarshal(&g))
			var js json.RawMessage
			require.NoError(t, raw.Unmarshal(&js))
			require.True(t, json.Valid(js), "%s", js)
			var s struct {
				A int               `json:"a"`
				B []byte            `json:"b"`
				M map[string]string `json:"m"`
			}
			_ = raw.Unmarshal(&s) // type errors are fine, panics are not
			if elems, err := raw.Elems(); err == nil {
				for _, e := range elems {
					var x any
					require.NoError(t, e.Unmarshal(&x))
				}
			}
		}
		frames, err := c.Encode(nil, p)
		require.NoError(t, err)
		q, err := c.NewDecoder().Add(true, frames[0].Data)
		require.NoError(t, err)
		require.Equal(t, p.Type, q.Type)
		require.Equal(t, p.Namespace, q.Namespace)
		require.Equal(t, p.HasID, q.HasID)
		require.Equal(t, p.ID, q.ID)
		if raw != nil {
			require.Equal(t, raw.Raw(), q.Data.(parser.RawValue).Raw())
		} else {
			require.Nil(t, q.Data)
		}
	})
}

// FuzzJSON converts JSON text to MessagePack and back to JSON: valid JSON
// must convert, and the result must mean the same thing.
func FuzzJSON(f *testing.F) {
	for _, s := range []string{`{"z":1,"a":[12345678901234567890,1.0,1.5,"\u00e9"]}`, `[]`, `"x"`, `-0`, `1e400`, `{"a":{"b":[null,true,false]}}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, js []byte) {
		b, err := appendJSON(nil, js, 0)
		var probe any
		if json.Unmarshal(js, &probe) != nil {
			require.Error(t, err)
			return
		}
		require.NoError(t, err)
		back, end, err := appendAsJSON(nil, b, 0)
		require.NoError(t, err)
		require.Equal(t, len(b), end)
		var x, y any
		dx, dy := json.NewDecoder(bytesReader(js)), json.NewDecoder(bytesReader(back))
		dx.UseNumber()
		dy.UseNumber()
		require.NoError(t, dx.Decode(&x))
		require.NoError(t, dy.Decode(&y))
		require.Equal(t, normNumbers(x), normNumbers(y), "%s → %s", js, back)
	})
}
