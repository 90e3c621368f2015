package postgresemitter

import (
	"context"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/gosio/gosio/internal/msgpack"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// recorder is a database that records what the emitter asks of it.
type recorder struct {
	notified []string // channel + " " + payload
	inserted [][]byte
}

func (r *recorder) Exec(_ context.Context, sql string, args ...any) (pgconn.CommandTag, error) {
	if strings.HasPrefix(sql, "SELECT pg_notify(") {
		r.notified = append(r.notified, args[0].(string)+" "+args[1].(string))
	}
	return pgconn.CommandTag{}, nil
}

func (r *recorder) QueryRow(_ context.Context, sql string, args ...any) pgx.Row {
	r.inserted = append(r.inserted, args[0].([]byte))
	return row(int64(len(r.inserted)))
}

type row int64

func (r row) Scan(dest ...any) error {
	*(dest[0].(*int64)) = int64(r)
	return nil
}

// The messages are Node's emitter's, with the namespace named.
func TestMessagesAsNodeWritesThem(t *testing.T) {
	db := &recorder{}
	e := New(db, &Options{ChannelPrefix: "p"})
	require.NoError(t, e.To("a").Except("b").Volatile().Emit("ev", 1, "x"))
	require.NoError(t, e.Of("chat").In("r").SocketsJoin("j"))
	require.NoError(t, e.SocketsLeave("j"))
	require.NoError(t, e.Of("/chat").DisconnectSockets(true))
	require.NoError(t, e.ServerSideEmit("note", map[string]any{"k": true}))
	assert.Equal(t, []string{
		`p#/ {"type":3,"data":{"packet":{"type":2,"data":["ev",1,"x"],"nsp":"/"},"opts":{"rooms":["a"],"flags":{"volatile":true},"except":["b"]}},"uid":"emitter","nsp":"/"}`,
		`p#/chat {"type":4,"data":{"opts":{"rooms":["r"],"except":[]},"rooms":["j"]},"uid":"emitter","nsp":"/chat"}`,
		`p#/ {"type":5,"data":{"opts":{"rooms":[],"except":[]},"rooms":["j"]},"uid":"emitter","nsp":"/"}`,
		`p#/chat {"type":6,"data":{"opts":{"rooms":[],"except":[]},"close":true},"uid":"emitter","nsp":"/chat"}`,
		`p#/ {"type":9,"data":{"packet":["note",{"k":true}]},"uid":"emitter","nsp":"/"}`,
	}, db.notified)
	assert.Empty(t, db.inserted)
	assert.ErrorIs(t, e.Emit("disconnect"), ErrReservedEvent)
	assert.ErrorIs(t, e.ServerSideEmit("connect"), ErrReservedEvent)
}

// Binary, and JSON of PayloadThreshold bytes or more, go through the table:
// msgpack there, a header {uid, type, attachmentId, nsp} in the NOTIFY.
func TestAttachments(t *testing.T) {
	db := &recorder{}
	e := New(db, &Options{PayloadThreshold: 200})
	require.NoError(t, e.Emit("bin", []byte{1, 2}))
	require.NoError(t, e.Emit("big", strings.Repeat("x", 200)))
	require.NoError(t, e.Emit("small", "x"))
	require.Len(t, db.inserted, 2)
	assert.Equal(t, []string{
		`socket.io#/ {"uid":"emitter","type":3,"attachmentId":"1","nsp":"/"}`,
		`socket.io#/ {"uid":"emitter","type":3,"attachmentId":"2","nsp":"/"}`,
		`socket.io#/ {"type":3,"data":{"packet":{"type":2,"data":["small","x"],"nsp":"/"},"opts":{"rooms":[],"flags":{},"except":[]}},"uid":"emitter","nsp":"/"}`,
	}, db.notified)
	v, err := msgpack.Unmarshal(db.inserted[0])
	require.NoError(t, err)
	m := v.(map[string]any)
	assert.Equal(t, "/", m["nsp"])
	packet := m["data"].(map[string]any)["packet"].(map[string]any)
	assert.Equal(t, []any{"bin", []byte{1, 2}}, packet["data"])
}

func TestInvalidTableName(t *testing.T) {
	assert.Panics(t, func() { New(&recorder{}, &Options{TableName: "t; --"}) })
}
