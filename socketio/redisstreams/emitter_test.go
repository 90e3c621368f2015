package redisstreams

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gosio/gosio/socketio"
	"github.com/gosio/gosio/socketio/redisstreamsemitter"
)

// The Streams emitter reaches every server of a cluster: broadcasts with
// rooms, exceptions and binary, room operations, disconnects and
// server-side emits.
func TestEmitter(t *testing.T) {
	sse := make(chan []any, 4)
	nodes := startCluster(t, 2, clusterConfig{setup: func(i int, io *socketio.Server) {
		io.Of("/").On("sse", func(v any) { sse <- []any{i, v} })
	}})
	o := nodes[0].adapter().opts
	em := redisstreamsemitter.New(nodes[0].rdb, &redisstreamsemitter.Options{
		StreamName: o.StreamName, ChannelPrefix: o.ChannelPrefix,
	})
	cs := connectAll(t, nodes, 2, func(i, j int) string {
		if j == 0 {
			return "&rooms=r"
		}
		return ""
	})

	require.NoError(t, em.Emit("all", 1, []byte{7}))
	for _, c := range flat(cs) {
		_, arr := c.Event()
		assert.Equal(t, []any{"all", 1.0}, arr[:2])
		assert.Equal(t, []byte{7}, <-c.Bin)
	}
	require.NoError(t, em.To("r").Emit("to-r"))
	require.NoError(t, em.Except("r").Volatile().Emit("not-r"))
	for i := range nodes {
		cs[i][0].ExpectEvent("to-r")
		cs[i][1].ExpectEvent("not-r")
	}

	require.NoError(t, em.In("r").SocketsJoin("joined"))
	require.Eventually(t, func() bool {
		return len(nodes[0].io.Of("/").Adapter().Sockets([]string{"joined"})) == 1 &&
			len(nodes[1].io.Of("/").Adapter().Sockets([]string{"joined"})) == 1
	}, 5*time.Second, 10*time.Millisecond)
	require.NoError(t, em.SocketsLeave("joined"))
	require.Eventually(t, func() bool {
		return len(nodes[0].io.Of("/").Adapter().Sockets([]string{"joined"})) == 0 &&
			len(nodes[1].io.Of("/").Adapter().Sockets([]string{"joined"})) == 0
	}, 5*time.Second, 10*time.Millisecond)

	require.NoError(t, em.ServerSideEmit("sse", "hi"))
	got := map[any]any{}
	for range 2 {
		v := <-sse
		got[v[0]] = v[1]
	}
	assert.Equal(t, map[any]any{0: "hi", 1: "hi"}, got)

	assert.ErrorIs(t, em.Emit("disconnect"), redisstreamsemitter.ErrReservedEvent)

	require.NoError(t, em.In("r").DisconnectSockets(false))
	for i := range nodes {
		assert.Equal(t, "1", cs[i][0].Next())
	}

	// The entry the emitter wrote: Node's emitter shape, nsp in the packet.
	msgs, err := nodes[0].rdb.XRange(bg(), o.StreamName, "-", "+").Result()
	require.NoError(t, err)
	require.NotEmpty(t, msgs)
	assert.Equal(t, map[string]any{"uid": "emitter", "nsp": "/", "type": "3",
		"data": `{"packet":{"type":2,"data":["to-r"],"nsp":"/"},"opts":{"rooms":["r"],"except":[],"flags":{}}}`}, msgs[1].Values)
}
