package parser

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// FuzzDecode feeds a text message, then (while the decoder waits for
// attachments) copies of bin, into a decoder. It must never panic, only
// return errors wrapping ErrInvalidPacket, and any packet it accepts must
// survive a re-encode/decode round trip.
func FuzzDecode(f *testing.F) {
	seeds := []string{
		`0`, `0{"token":"123"}`, `0/admin,`, `0/admin,{"sid":"oSO0OpakMV_3jnilAAAA"}`,
		`0/admin?token=abc&x=1,`, `0/?a=b,`, `1`, `1/chat,`, `1/chat`,
		`2["hello"]`, `2["hello",1,"two",{"three":[3.5,true,null]}]`, `2/chat,12["msg","hi"]`,
		`218446744073709551615["x"]`, `218446744073709551616["x"]`, `2 [ "x" ] `,
		`312["ok"]`, `3/chat,7[]`, `3[]`, `4{"message":"Not authorized","data":{"code":1}}`,
		`4"Invalid namespace"`, `4/x,"nope"`,
		`51-["upload",{"_placeholder":true,"num":0}]`,
		`52-/files,4["up",{"_placeholder":true,"num":0},[{"num":1,"_placeholder":true},"s"]]`,
		`61-9[{"_placeholder":true,"num":0},"ok"]`, `50-["x"]`, `511-["x"]`,
		`51-["x",{"_placeholder":true,"num":1}]`, `51-["x",{"_placeholder":true,"num":0,"y":{"_placeholder":true,"num":7}}]`,
		`2["caf\u00e9","\ud83d\ude00"]`, `2[1]`, `2{}`, `7`, ``, `2["x"`, `2["x"]]`, `5`, `5-`, `2/`, `2/,`,
	}
	for _, s := range seeds {
		f.Add(s, []byte{1, 2, 3})
	}
	f.Add(`51-["x",{"_placeholder":true,"num":0}]`, []byte{})

	f.Fuzz(func(t *testing.T, text string, bin []byte) {
		d := JSON.NewDecoder()
		p, err := d.Add(false, []byte(text))
		for i := 0; p == nil && err == nil && i <= DefaultMaxAttachments; i++ {
			p, err = d.Add(true, bin)
		}
		if err != nil {
			require.ErrorIs(t, err, ErrInvalidPacket)
			return
		}
		require.NotNil(t, p, "decoder still waiting after the announced attachments")

		// Invariants of an accepted packet.
		require.True(t, p.Type.Valid())
		require.True(t, strings.HasPrefix(p.Namespace, "/"))
		require.NotContains(t, p.Namespace, ",")
		require.Equal(t, p.Type.isBinary(), len(p.Attachments) > 0)
		if p.Query != "" {
			require.Equal(t, Connect, p.Type)
		}

		var first any
		firstErr := error(nil)
		if p.Data != nil {
			rv := p.Data.(RawValue)
			firstErr = rv.Unmarshal(&first)
			rv.String()
			rv.Elems()
		}

		// An array payload written from a *[]any of its elements comes out
		// as from the []any itself.
		if elems, err := rawElems(p.Data); err == nil {
			list := make([]any, len(elems))
			for i, e := range elems {
				list[i] = e
			}
			viaSlice, errSlice := JSON.Encode(nil, &Packet{Type: p.Type, Namespace: p.Namespace, ID: p.ID, HasID: p.HasID, Data: list})
			viaPtr, errPtr := JSON.Encode(nil, &Packet{Type: p.Type, Namespace: p.Namespace, ID: p.ID, HasID: p.HasID, Data: &list})
			require.Equal(t, fmt.Sprint(errSlice), fmt.Sprint(errPtr))
			require.Equal(t, viaSlice, viaPtr)
		}

		// Re-encode, forwarding the decoded payload as is.
		frames, err := JSON.Encode(nil, &Packet{Type: p.Type, Namespace: p.Namespace, Query: p.Query, ID: p.ID, HasID: p.HasID, Data: p.Data})
		if err != nil {
			// Only a binary payload that encoding/json cannot load generically
			// (e.g. a number overflowing float64) may fail to re-encode.
			require.Error(t, firstErr, "re-encode failed: %v", err)
			return
		}
		// AppendText writes the same text after any prefix, or declines
		// when attachments need binary frames.
		pkt := &Packet{Type: p.Type, Namespace: p.Namespace, Query: p.Query, ID: p.ID, HasID: p.HasID, Data: p.Data}
		appended, ok, err := JSON.(TextAppender).AppendText([]byte("prefix"), *pkt)
		require.NoError(t, err)
		require.Equal(t, len(frames) == 1, ok)
		if ok {
			require.Equal(t, "prefix"+string(frames[0].Data), string(appended))
		} else {
			require.Equal(t, "prefix", string(appended))
		}
		q := decodeWith(t, JSON.NewDecoder(), frames)
		assert.Equal(t, p.Type, q.Type)
		assert.Equal(t, p.Namespace, q.Namespace)
		assert.Equal(t, p.Query, q.Query)
		assert.Equal(t, p.HasID, q.HasID)
		assert.Equal(t, p.ID, q.ID)
		require.Equal(t, p.Data == nil, q.Data == nil)
		if p.Data != nil && firstErr == nil {
			var second any
			require.NoError(t, q.Data.(RawValue).Unmarshal(&second))
			assert.Equal(t, first, second)
		}
	})
}

// rawElems returns the elements of a decoded array payload.
func rawElems(data any) ([]RawValue, error) {
	rv, ok := data.(RawValue)
	if !ok {
		return nil, errors.New("no payload")
	}
	return rv.Elems()
}
