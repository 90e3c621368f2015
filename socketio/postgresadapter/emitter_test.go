package postgresadapter

import (
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gosio/gosio/internal/clustertest"
	"github.com/gosio/gosio/internal/msgpack"
	"github.com/gosio/gosio/internal/pgnotify"
	"github.com/gosio/gosio/socketio"
	"github.com/gosio/gosio/socketio/postgresemitter"
)

// What Node's @socket.io/postgres-emitter 0.1.1 sends names no namespace
// (Node's adapter 0.5 drops it): ours delivers it to the namespace of the
// channel, inline or through the table.
func TestNodeEmitterMessagesWithoutNsp(t *testing.T) {
	nodes := startCluster(t, 1, cfg())
	cs := clustertest.ConnectAll(t, nodes, 1, func(i, j int) string { return "&rooms=r" })
	a := nodes[0].Adapter().(*Adapter)
	channel := pgnotify.Channel(a.opts.ChannelPrefix, "/")
	notify := func(payload string) {
		t.Helper()
		_, err := nodes[0].Client.Exec(bg(), "SELECT pg_notify($1, $2)", channel, payload)
		require.NoError(t, err)
	}
	notify(`{"type":3,"data":{"packet":{"type":2,"data":["inline",1],"nsp":"/"},"opts":{"rooms":["r"],"flags":{},"except":[]}},"uid":"emitter"}`)
	assert.Equal(t, []any{float64(1)}, cs[0][0].ExpectEvent("inline"))

	// Binary: msgpack in the table, then a header {uid, type, attachmentId}.
	body, err := msgpack.Marshal(msgpack.Object("type", 3, "data", msgpack.Object(
		"packet", msgpack.Object("type", 2, "data", []any{"bin", []byte{7, 8}}, "nsp", "/"),
		"opts", msgpack.Object("rooms", []string{}, "flags", msgpack.Map{}, "except", []string{})), "uid", "emitter"))
	require.NoError(t, err)
	var id int64
	require.NoError(t, nodes[0].Client.QueryRow(bg(), "INSERT INTO "+testTable+" (payload) VALUES ($1) RETURNING id", body).Scan(&id))
	h, err := msgpack.MarshalJSON(msgpack.Object("uid", "emitter", "type", 3, "attachmentId", strconv.FormatInt(id, 10)))
	require.NoError(t, err)
	notify(string(h))
	cs[0][0].ExpectEvent("bin")
	assert.Equal(t, []byte{7, 8}, <-cs[0][0].Bin)

	n, err := a.ServerCount(bg())
	require.NoError(t, err)
	assert.Equal(t, 1, n, "the emitter is not a server")
}

// Our emitter reaches every server, in every namespace, for every
// operation, binary and large payloads included.
func TestEmitter(t *testing.T) {
	got := make(chan string, 4)
	c := cfg()
	c.setup = func(i int, io *socketio.Server) {
		io.Of("/").On("note", func(s string) { got <- s })
	}
	nodes := startCluster(t, 2, c)
	cs := clustertest.ConnectAll(t, nodes, 2, func(i, j int) string {
		if j == 0 {
			return "&rooms=a"
		}
		return ""
	})
	a := nodes[0].Adapter().(*Adapter)
	em := postgresemitter.New(nodes[0].Client, &postgresemitter.Options{ChannelPrefix: a.opts.ChannelPrefix, TableName: testTable})

	require.NoError(t, em.To("a").Emit("to-a", 1))
	require.NoError(t, em.Except("a").Emit("not-a", []byte{1}))
	for i := range nodes {
		assert.Equal(t, []any{float64(1)}, cs[i][0].ExpectEvent("to-a"))
		cs[i][1].ExpectEvent("not-a")
		assert.Equal(t, []byte{1}, <-cs[i][1].Bin)
	}
	big := make([]byte, 0, 9000)
	for len(big) < 9000 {
		big = append(big, "0123456789"...)
	}
	require.NoError(t, em.Emit("big", string(big)))
	for _, cl := range clustertest.Flat(cs) {
		assert.Equal(t, []any{string(big)}, cl.ExpectEvent("big"))
	}

	require.NoError(t, em.In("a").SocketsJoin("b"))
	require.Eventually(t, func() bool {
		s, err := nodes[1].IO.In("b").FetchSockets(bg())
		return err == nil && len(s) == 2
	}, 3*time.Second, 20*time.Millisecond)
	require.NoError(t, em.In("a").SocketsLeave("b"))
	require.Eventually(t, func() bool {
		s, err := nodes[1].IO.In("b").FetchSockets(bg())
		return err == nil && len(s) == 0
	}, 3*time.Second, 20*time.Millisecond)

	require.NoError(t, em.ServerSideEmit("note", "hi"))
	assert.Equal(t, []string{"hi", "hi"}, []string{<-got, <-got})

	require.NoError(t, em.Except("a").DisconnectSockets(false))
	for i := range nodes {
		assert.Equal(t, "1", cs[i][1].Next())
	}

	// Another namespace, through Of.
	ns := make(chan string, 2)
	for _, nd := range nodes {
		nd.IO.Of("/chat").On("x", func(s string) { ns <- s })
	}
	waitServerCountNsp(t, nodes, "/chat", 2)
	require.NoError(t, em.Of("chat").ServerSideEmit("x", "in-chat"))
	assert.Equal(t, []string{"in-chat", "in-chat"}, []string{<-ns, <-ns})
	assert.ErrorIs(t, em.Emit("connect"), postgresemitter.ErrReservedEvent)
}

func waitServerCountNsp(t *testing.T, nodes []*node, nsp string, want int) {
	t.Helper()
	require.Eventually(t, func() bool {
		for _, nd := range nodes {
			n, err := nd.IO.Of(nsp).Adapter().ServerCount(bg())
			if err != nil || n != want {
				return false
			}
		}
		return true
	}, 10*time.Second, 20*time.Millisecond)
}

// An attachment over MaxAttachmentSize is not read (a peer cannot make a
// server hold an unbounded message); the next message still arrives.
func TestAttachmentSizeLimit(t *testing.T) {
	c := cfg()
	c.opts.MaxAttachmentSize = 1000
	nodes := startCluster(t, 1, c)
	cs := clustertest.ConnectAll(t, nodes, 1, nil)
	a := nodes[0].Adapter().(*Adapter)
	em := postgresemitter.New(nodes[0].Client, &postgresemitter.Options{ChannelPrefix: a.opts.ChannelPrefix, TableName: testTable})
	require.NoError(t, em.Emit("huge", make([]byte, 2000)))
	require.NoError(t, em.Emit("small", []byte{1}))
	cs[0][0].ExpectEvent("small")
	assert.Equal(t, []byte{1}, <-cs[0][0].Bin)
	cs[0][0].ExpectNothing(100 * time.Millisecond)
}
