package redisstreams

import (
	"context"
	"sort"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gosio/gosio/internal/clustertest"
	"github.com/gosio/gosio/internal/siotest"
	"github.com/gosio/gosio/socketio"
)

// clusterSuite checks every operation across three servers; client makes
// each server's Redis client (nil: a Client of the local Redis).
func clusterSuite(t *testing.T, client func() redis.UniversalClient, sharded bool) {
	var sse = make(chan []any, 16)
	nodes := startCluster(t, 3, clusterConfig{
		client: client,
		opts:   Options{UseShardedPubSub: sharded, RequestsTimeout: 3 * time.Second},
		setup: func(i int, io *socketio.Server) {
			io.Of("/").On("sse", func(v any, ack socketio.Ack) {
				sse <- []any{i, v}
				if ack != nil {
					_ = ack(map[string]any{"from": i, "got": v})
				}
			})
		},
	})
	cs := clustertest.ConnectAll(t, nodes, 2, func(i, j int) string {
		if j == 0 {
			return "&rooms=even&data=a"
		}
		return "&rooms=odd&data=b"
	})
	all := clustertest.Flat(cs)

	t.Run("broadcast", func(t *testing.T) {
		require.NoError(t, nodes[0].IO.Emit("hello", 1, "two", []byte{3}))
		for _, c := range all {
			_, arr := c.Event()
			assert.Equal(t, "hello", arr[0])
			assert.Equal(t, 1.0, arr[1])
			assert.Equal(t, []byte{3}, <-c.Bin)
		}
		for _, c := range all {
			c.ExpectNothing(0)
		}
	})

	t.Run("rooms and except", func(t *testing.T) {
		require.NoError(t, nodes[1].IO.To("even").Emit("to-even"))
		require.NoError(t, nodes[2].IO.Except("even").Emit("not-even"))
		for i := range nodes {
			cs[i][0].ExpectEvent("to-even")
			cs[i][1].ExpectEvent("not-even")
		}
		// A room of one socket: its id.
		require.NoError(t, nodes[0].IO.To(cs[2][1].ID).Emit("private"))
		cs[2][1].ExpectEvent("private")
		for _, c := range all {
			c.ExpectNothing(50 * time.Millisecond)
		}
	})

	t.Run("fetchSockets", func(t *testing.T) {
		st := nodes[0].IO.Stats()
		socks, err := nodes[0].IO.In("odd").FetchSockets(bg())
		require.NoError(t, err)
		var fetches uint64
		for _, r := range st.AdapterRequests() {
			if r.Kind == "fetchSockets" {
				fetches = r.OK
			}
		}
		assert.EqualValues(t, 1, fetches, "the request is counted for the metrics")
		var ids, want []string
		for _, s := range socks {
			ids = append(ids, s.ID)
			assert.Contains(t, s.Rooms, "odd")
			assert.Equal(t, map[string]any{"tag": "b"}, s.Data)
		}
		for i := range nodes {
			want = append(want, cs[i][1].ID)
		}
		sort.Strings(ids)
		sort.Strings(want)
		assert.Equal(t, want, ids)
	})

	t.Run("socketsJoin and socketsLeave", func(t *testing.T) {
		require.NoError(t, nodes[1].IO.In("even").SocketsJoin(bg(), "joined"))
		require.Eventually(t, func() bool {
			for i := range nodes {
				if len(nodes[i].IO.Of("/").Adapter().Sockets([]string{"joined"})) != 1 {
					return false
				}
			}
			return true
		}, 5*time.Second, 10*time.Millisecond)
		require.NoError(t, nodes[0].IO.To("joined").Emit("in-joined"))
		for i := range nodes {
			cs[i][0].ExpectEvent("in-joined")
		}
		require.NoError(t, nodes[2].IO.SocketsLeave(bg(), "joined"))
		require.Eventually(t, func() bool {
			for i := range nodes {
				if len(nodes[i].IO.Of("/").Adapter().Sockets([]string{"joined"})) != 0 {
					return false
				}
			}
			return true
		}, 5*time.Second, 10*time.Millisecond)
	})

	t.Run("serverSideEmit", func(t *testing.T) {
		require.NoError(t, nodes[0].IO.ServerSideEmit(bg(), "sse", "x"))
		got := map[any]bool{}
		for range 2 {
			v := <-sse
			assert.Equal(t, "x", v[1])
			got[v[0]] = true
		}
		assert.Equal(t, map[any]bool{1: true, 2: true}, got, "the others, not the sender")

		res, err := nodes[1].IO.Of("/").ServerSideEmitWithAck(bg(), "sse", "y")
		require.NoError(t, err)
		require.Len(t, res, 2)
		from := map[float64]bool{}
		for _, r := range res {
			var m map[string]any
			require.NoError(t, r.Args[0].Unmarshal(&m))
			assert.Equal(t, "y", m["got"])
			from[m["from"].(float64)] = true
		}
		assert.Equal(t, map[float64]bool{0: true, 2: true}, from)
		for range 2 {
			<-sse
		}
	})

	t.Run("broadcast with acks", func(t *testing.T) {
		done := make(chan struct{})
		var res []socketio.Response
		var err error
		go func() {
			defer close(done)
			res, err = nodes[2].IO.To("odd").Timeout(3*time.Second).EmitWithAck(bg(), "question", 7)
		}()
		for i := range nodes {
			id, arr := cs[i][1].Event()
			assert.Equal(t, []any{"question", 7.0}, arr)
			require.GreaterOrEqual(t, id, 0)
			cs[i][1].Ack(id, `["answer-`+string(rune('0'+i))+`"]`)
		}
		<-done
		require.NoError(t, err)
		var answers []string
		for _, r := range res {
			var s string
			require.NoError(t, r.Args[0].Unmarshal(&s))
			answers = append(answers, s)
		}
		sort.Strings(answers)
		assert.Equal(t, []string{"answer-0", "answer-1", "answer-2"}, answers)
	})

	t.Run("disconnectSockets", func(t *testing.T) {
		require.NoError(t, nodes[0].IO.In("odd").DisconnectSockets(bg(), false))
		for i := range nodes {
			assert.Equal(t, "1", cs[i][1].Next(), "DISCONNECT of /")
		}
		require.Eventually(t, func() bool {
			n := 0
			for i := range nodes {
				n += len(nodes[i].IO.Of("/").Adapter().Sockets(nil))
			}
			return n == 3
		}, 5*time.Second, 10*time.Millisecond)
	})
}

func TestCluster(t *testing.T)        { clusterSuite(t, nil, false) }
func TestClusterSharded(t *testing.T) { clusterSuite(t, nil, true) }

// The stream holds what Node's adapter writes: fields uid, nsp, type and
// data, trimmed near MaxLen.
func TestStreamEntries(t *testing.T) {
	nodes := startCluster(t, 1, clusterConfig{opts: Options{MaxLen: 200}})
	a := adapterOf(nodes[0])
	require.NoError(t, nodes[0].IO.To("r").Emit("ev", 1))
	require.NoError(t, nodes[0].IO.SocketsJoin(bg(), "x"))
	msgs, err := nodes[0].Client.XRange(bg(), a.Stream(), "-", "+").Result()
	require.NoError(t, err)
	require.Len(t, msgs, 2)
	assert.Equal(t, map[string]any{"uid": a.UID(), "nsp": "/", "type": "3",
		"data": `{"packet":{"type":2,"data":["ev",1]},"opts":{"rooms":["r"],"except":[],"flags":{}}}`}, msgs[0].Values)
	assert.Equal(t, map[string]any{"uid": a.UID(), "nsp": "/", "type": "4",
		"data": `{"opts":{"rooms":[],"except":[],"flags":{}},"rooms":["x"]}`}, msgs[1].Values)

	for i := range 1000 {
		require.NoError(t, nodes[0].IO.Emit("fill", i))
	}
	n, err := nodes[0].Client.XLen(bg(), a.Stream()).Result()
	require.NoError(t, err)
	// MAXLEN ~ trims whole macro nodes (100 entries by default).
	assert.LessOrEqual(t, n, int64(200+100))
	assert.GreaterOrEqual(t, n, int64(200))
}

// Namespaces spread over several streams as Node spreads them.
func TestStreamCount(t *testing.T) {
	clustertest.RequireRedis(t, clustertest.RedisAddr)
	key := testKey(t)
	nodes := startCluster(t, 2, clusterConfig{opts: Options{StreamName: key, ChannelPrefix: key, StreamCount: 3}})
	t.Cleanup(func() { _ = nodes[0].Client.Del(context.Background(), key+"-1", key+"-2").Err() })
	admin0 := nodes[0].IO.Of("/admin")
	assert.Equal(t, key+"-2", adapterOf(nodes[0]).Stream())
	assert.Equal(t, key+"-1", admin0.Adapter().(*Adapter).Stream())

	c := siotest.Dial(t, nodes[1].HS, "")
	c.Connect("")
	require.NoError(t, nodes[0].IO.Emit("main"))
	c.ExpectEvent("main")
	n, err := nodes[0].Client.XLen(bg(), key+"-2").Result()
	require.NoError(t, err)
	assert.Equal(t, int64(1), n)
}

// Close returns at once although a reader is blocked in XREAD for
// BlockTime, and the other servers stop counting the closed one.
func TestCloseInterruptsRead(t *testing.T) {
	nodes := startCluster(t, 2, clusterConfig{opts: Options{BlockTime: 30 * time.Second}})
	start := time.Now()
	require.NoError(t, nodes[1].IO.Close())
	assert.Less(t, time.Since(start), 3*time.Second)
	clustertest.WaitServerCount(t, nodes[:1], 1)
}

// A server that starts reads what is added once it runs, not before.
func TestReadsFromStart(t *testing.T) {
	clustertest.RequireRedis(t, clustertest.RedisAddr)
	key := testKey(t)
	rdb := redis.NewClient(&redis.Options{Addr: clustertest.RedisAddr})
	defer rdb.Close()
	defer rdb.Del(context.Background(), key)
	// An old entry a new server must not deliver.
	require.NoError(t, rdb.XAdd(bg(), &redis.XAddArgs{Stream: key, Values: []any{
		"uid", "old", "nsp", "/", "type", "3", "data", `{"packet":{"type":2,"data":["old"]},"opts":{"rooms":[],"except":[],"flags":{}}}`,
	}}).Err())
	nodes := startCluster(t, 1, clusterConfig{opts: Options{StreamName: key, ChannelPrefix: key}})
	c := siotest.Dial(t, nodes[0].HS, "")
	c.Connect("")
	// An entry from elsewhere (Node's emitter shape: nsp in the packet).
	require.NoError(t, rdb.XAdd(bg(), &redis.XAddArgs{Stream: key, Values: []any{
		"uid", "emitter", "nsp", "/", "type", "3", "data", `{"packet":{"type":2,"data":["new",{"a":1}],"nsp":"/"},"opts":{"rooms":[],"except":[],"flags":{}}}`,
	}}).Err())
	assert.Equal(t, []any{map[string]any{"a": 1.0}}, c.ExpectEvent("new"))
	c.ExpectNothing(50 * time.Millisecond)
}
