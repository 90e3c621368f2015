package redisstreams

import (
	"context"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gosio/gosio/internal/clustertest"
	"github.com/gosio/gosio/internal/siotest"
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
	o := adapterOf(nodes[0]).opts
	em := redisstreamsemitter.New(nodes[0].Client, &redisstreamsemitter.Options{
		StreamName: o.StreamName, ChannelPrefix: o.ChannelPrefix,
	})
	cs := clustertest.ConnectAll(t, nodes, 2, func(i, j int) string {
		if j == 0 {
			return "&rooms=r"
		}
		return ""
	})

	require.NoError(t, em.Emit("all", 1, []byte{7}))
	for _, c := range clustertest.Flat(cs) {
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
		return len(nodes[0].IO.Of("/").Adapter().Sockets([]string{"joined"})) == 1 &&
			len(nodes[1].IO.Of("/").Adapter().Sockets([]string{"joined"})) == 1
	}, 5*time.Second, 10*time.Millisecond)
	require.NoError(t, em.SocketsLeave("joined"))
	require.Eventually(t, func() bool {
		return len(nodes[0].IO.Of("/").Adapter().Sockets([]string{"joined"})) == 0 &&
			len(nodes[1].IO.Of("/").Adapter().Sockets([]string{"joined"})) == 0
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
	msgs, err := nodes[0].Client.XRange(bg(), o.StreamName, "-", "+").Result()
	require.NoError(t, err)
	require.NotEmpty(t, msgs)
	assert.Equal(t, map[string]any{"uid": "emitter", "nsp": "/", "type": "3",
		"data": `{"packet":{"type":2,"data":["to-r"],"nsp":"/"},"opts":{"rooms":["r"],"except":[],"flags":{}}}`}, msgs[1].Values)
}

// Recovery covers the emitter's events: a client that dropped from one
// server recovers on another with the emitter's broadcasts it missed, each
// with the offset EmitOffset returned, and not those meant for others.
func TestEmitterRecovery(t *testing.T) {
	nodes := startRecoveryCluster(t, 2)
	a, b := nodes[0], nodes[1]
	ad := a.io.Of("/").Adapter().(*Adapter)
	rdb := redis.NewClient(&redis.Options{Addr: clustertest.RedisAddr})
	t.Cleanup(func() { _ = rdb.Close() })
	em := redisstreamsemitter.New(rdb, &redisstreamsemitter.Options{
		StreamName: ad.opts.StreamName, ChannelPrefix: ad.opts.ChannelPrefix,
	})

	c := siotest.Dial(t, a.hs, "&rooms=r1")
	sid, pid := connectPID(t, c, "")
	receive(t, a.sockets)
	require.NoError(t, em.Emit("hello"))
	_, offset := eventWithOffset(t, c, "hello")
	c.Close()
	require.Equal(t, a.hook.prefix+pid, receive(t, a.hook.saved))

	ctx := context.Background()
	off1, err := em.To("r1").EmitOffset(ctx, "m1", 1)
	require.NoError(t, err)
	_, err = em.To("r2").EmitOffset(ctx, "not-for-it")
	require.NoError(t, err)
	off2, err := em.Except("r2").EmitOffset(ctx, "m2", []byte{5})
	require.NoError(t, err)

	c2 := siotest.Dial(t, b.hs, "")
	sid2, _ := connectPID(t, c2, `{"pid":"`+pid+`","offset":"`+offset+`"}`)
	require.Equal(t, sid, sid2)
	require.True(t, receive(t, b.sockets).Recovered())
	args, off := eventWithOffset(t, c2, "m1")
	assert.Equal(t, []any{1.0}, args)
	assert.Equal(t, off1, off)
	_, arr := siotest.ParseEvent(t, c2.Next())
	assert.Equal(t, []any{"m2", map[string]any{"_placeholder": true, "num": 0.0}, off2}, arr)
	assert.Equal(t, []byte{5}, receive(t, c2.Bin))
	c2.ExpectNothing(100 * time.Millisecond)
}
