package pgnotify

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gosio/gosio/internal/msgpack"
)

// PostgreSQL refuses a NOTIFY payload of 8000 bytes: a JSON of exactly
// the threshold goes through the table (Node's 0.5.0 sends it inline and
// fails; its later fix agrees with us).
func TestEncodeThreshold(t *testing.T) {
	m := msgpack.Object("type", 3, "data", msgpack.Object("packet", "x"), "uid", "u", "nsp", "/")
	j, err := msgpack.MarshalJSON(m)
	require.NoError(t, err)
	enc, err := Encode(3, m, len(j))
	require.NoError(t, err)
	assert.Nil(t, enc.Notify)
	assert.NotEmpty(t, enc.Attachment)
	enc, err = Encode(3, m, len(j)+1)
	require.NoError(t, err)
	assert.Equal(t, j, enc.Notify)
	assert.Nil(t, enc.Attachment)
}

// Binary goes through the table in the types that may carry it; in the
// others it is JSON, a Buffer written as Node's JSON.stringify writes it.
func TestEncodeBinary(t *testing.T) {
	bin := msgpack.Object("b", []byte{1, 2})
	for _, typ := range []int{3, 9, 10, 12} {
		enc, err := Encode(typ, msgpack.Object("type", typ, "data", bin), 8000)
		require.NoError(t, err)
		assert.NotEmpty(t, enc.Attachment, "type %d", typ)
	}
	enc, err := Encode(8, msgpack.Object("type", 8, "data", bin), 8000)
	require.NoError(t, err)
	assert.Equal(t, `{"type":8,"data":{"b":{"type":"Buffer","data":[1,2]}}}`, string(enc.Notify))
}

func TestHeader(t *testing.T) {
	h, err := Header("emitter", 3, 42, "")
	require.NoError(t, err)
	assert.Equal(t, `{"uid":"emitter","type":3,"attachmentId":"42"}`, string(h))
	h, err = Header("abc", 9, 7, "/chat")
	require.NoError(t, err)
	assert.Equal(t, `{"uid":"abc","type":9,"attachmentId":"7","nsp":"/chat"}`, string(h))
	assert.Equal(t, "socket.io#/chat", Channel("socket.io", "/chat"))
}
