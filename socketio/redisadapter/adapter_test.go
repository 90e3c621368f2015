package redisadapter

import (
	"context"
	"encoding/json"
	"errors"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gosio/gosio/internal/clustertest"
	"github.com/gosio/gosio/internal/clusterwire"
	"github.com/gosio/gosio/internal/msgpack"
	"github.com/gosio/gosio/internal/redisutil"
	"github.com/gosio/gosio/socketio"
)

// clusterSuite runs the same behaviour checks on the classic and the
// sharded adapters.
func clusterSuite(t *testing.T, sharded bool, mode SubscriptionMode) {
	clusterSuiteOn(t, nil, sharded, mode)
}

// clusterSuiteOn is clusterSuite with each server's Redis client made by
// client (nil: a Client of the local Redis).
func clusterSuiteOn(t *testing.T, client func() redis.UniversalClient, sharded bool, mode SubscriptionMode) {
	cfg := func() clusterConfig {
		return clusterConfig{client: client, sharded: sharded, opts: Options{SubscriptionMode: mode, RequestsTimeout: 2 * time.Second}}
	}
	// settle waits, in the dynamic modes, until the room channels that
	// single-room broadcasts use have their subscribers (they subscribe
	// asynchronously, as in Node).
	settle := func(t *testing.T, nodes []*node, rooms map[string]int) {
		if !sharded {
			return
		}
		sa := nodes[0].Adapter().(*ShardedAdapter)
		// SSUBSCRIBE is asynchronous: wait until every node listens on the
		// namespace channel, or an early publish may reach no one.
		require.Eventually(t, func() bool {
			got, err := redisutil.NumSub(bg(), nodes[0].Client, true, sa.channel)
			return err == nil && got == len(nodes)
		}, 5*time.Second, 10*time.Millisecond)
		if mode == Static {
			return
		}
		require.Eventually(t, func() bool {
			for room, want := range rooms {
				ch := sa.dynamicChannel(room)
				got, err := redisutil.NumSub(bg(), nodes[0].Client, true, ch)
				if err != nil || got != want {
					return false
				}
			}
			return true
		}, 5*time.Second, 10*time.Millisecond)
	}

	t.Run("broadcast reaches every client once", func(t *testing.T) {
		nodes := startCluster(t, 3, cfg())
		cs := clustertest.ConnectAll(t, nodes, 2, nil)
		for from := range nodes {
			require.NoError(t, nodes[from].IO.Emit("hello", from, "x", []byte{1, 2}))
		}
		for _, c := range clustertest.Flat(cs) {
			var froms []float64
			for range nodes {
				args := c.ExpectEvent("hello")
				froms = append(froms, args[0].(float64))
				assert.Equal(t, "x", args[1])
				assert.Equal(t, map[string]any{"_placeholder": true, "num": float64(0)}, args[2])
				assert.Equal(t, []byte{1, 2}, <-c.Bin)
			}
			assert.ElementsMatch(t, []float64{0, 1, 2}, froms)
		}
		for _, c := range clustertest.Flat(cs) {
			c.ExpectNothing(100 * time.Millisecond)
		}
	})

	t.Run("one server's broadcasts keep their order", func(t *testing.T) {
		// On a Redis Cluster go-redis sends each PUBLISH to a random node,
		// and the cluster keeps the order per node only.
		nodes := startCluster(t, 3, cfg())
		cs := clustertest.ConnectAll(t, nodes, 1, nil)
		settle(t, nodes, nil)
		const n = 40
		for i := range n {
			require.NoError(t, nodes[0].IO.Emit("seq", i))
		}
		for _, c := range clustertest.Flat(cs) {
			for i := range n {
				assert.Equal(t, float64(i), c.ExpectEvent("seq")[0])
			}
		}
	})

	t.Run("rooms and except across nodes", func(t *testing.T) {
		nodes := startCluster(t, 3, cfg())
		// client j of each node: j=0 in a, j=1 in a,b, j=2 in none.
		cs := clustertest.ConnectAll(t, nodes, 3, func(i, j int) string {
			return [...]string{"&rooms=a", "&rooms=a,b", ""}[j]
		})
		settle(t, nodes, map[string]int{"a": 3, "b": 3})
		require.NoError(t, nodes[1].IO.To("a").Emit("to-a"))
		require.NoError(t, nodes[2].IO.To("a").Except("b").Emit("a-not-b"))
		require.NoError(t, nodes[0].IO.To("a", "b").Emit("a-or-b"))
		require.NoError(t, nodes[0].IO.Except("a").Emit("not-a"))
		for i := range nodes {
			cs[i][0].ExpectEvents("to-a", "a-not-b", "a-or-b")
			cs[i][1].ExpectEvents("to-a", "a-or-b")
			cs[i][2].ExpectEvents("not-a")
		}
		for _, c := range clustertest.Flat(cs) {
			c.ExpectNothing(100 * time.Millisecond)
		}
	})

	t.Run("emit to a remote socket id", func(t *testing.T) {
		nodes := startCluster(t, 3, cfg())
		cs := clustertest.ConnectAll(t, nodes, 1, nil)
		target := cs[2][0]
		if mode == DynamicPrivate {
			settle(t, nodes, map[string]int{target.ID: 1})
		}
		require.NoError(t, nodes[0].IO.To(target.ID).Emit("direct", "hi"))
		assert.Equal(t, []any{"hi"}, target.ExpectEvent("direct"))
		cs[0][0].ExpectNothing(100 * time.Millisecond)
		cs[1][0].ExpectNothing(0)
	})

	t.Run("local flag stays on the server", func(t *testing.T) {
		nodes := startCluster(t, 2, cfg())
		cs := clustertest.ConnectAll(t, nodes, 1, nil)
		require.NoError(t, nodes[0].IO.Local().Emit("local"))
		cs[0][0].ExpectEvent("local")
		cs[1][0].ExpectNothing(200 * time.Millisecond)
	})

	t.Run("broadcast with acks collects every client", func(t *testing.T) {
		nodes := startCluster(t, 3, cfg())
		cs := clustertest.ConnectAll(t, nodes, 2, nil)
		var wg sync.WaitGroup
		for i, c := range clustertest.Flat(cs) {
			wg.Add(1)
			go func() {
				defer wg.Done()
				id, arr := c.Event()
				assert.Equal(t, "question", arr[0])
				assert.GreaterOrEqual(t, id, 0)
				c.Ack(id, `[`+string(rune('0'+i))+`]`)
			}()
		}
		rs, err := nodes[1].IO.Timeout(3*time.Second).EmitWithAck(bg(), "question", 42)
		require.NoError(t, err)
		wg.Wait()
		require.Len(t, rs, 6)
		var got []int
		for _, r := range rs {
			var n int
			require.NoError(t, r.Decode(&n))
			got = append(got, n)
		}
		sort.Ints(got)
		assert.Equal(t, []int{0, 1, 2, 3, 4, 5}, got)
	})

	t.Run("broadcast with acks times out on a silent client", func(t *testing.T) {
		nodes := startCluster(t, 2, cfg())
		cs := clustertest.ConnectAll(t, nodes, 1, nil)
		go func() {
			id, _ := cs[0][0].Event()
			cs[0][0].Ack(id, `["ok"]`)
		}()
		start := time.Now()
		rs, err := nodes[0].IO.Timeout(500*time.Millisecond).EmitWithAck(bg(), "question")
		require.ErrorIs(t, err, socketio.ErrAckTimeout)
		assert.Len(t, rs, 1)
		assert.Less(t, time.Since(start), 2*time.Second)
		cs[1][0].ExpectEvent("question")
	})

	t.Run("fetchSockets sees every socket and acts on remote ones", func(t *testing.T) {
		nodes := startCluster(t, 3, cfg())
		cs := clustertest.ConnectAll(t, nodes, 2, func(i, j int) string { return "&rooms=r&data=n" + string(rune('0'+i)) })
		socks, err := nodes[0].IO.FetchSockets(bg())
		require.NoError(t, err)
		require.Len(t, socks, 6)
		byID := map[string]*socketio.RemoteSocket{}
		for _, s := range socks {
			byID[s.ID] = s
		}
		for i, row := range cs {
			for _, c := range row {
				s := byID[c.ID]
				require.NotNil(t, s, "socket %s of node %d", c.ID, i)
				assert.ElementsMatch(t, []string{c.ID, "r"}, s.Rooms)
				assert.Equal(t, map[string]any{"tag": "n" + string(rune('0'+i))}, s.Data)
				require.NotNil(t, s.Handshake)
				assert.Equal(t, "n"+string(rune('0'+i)), s.Handshake.Query.Get("data"))
				assert.NotEmpty(t, s.Handshake.Address)
				assert.WithinDuration(t, time.Now(), s.Handshake.Time, time.Minute)
				assert.Equal(t, i == 0, s.Local() != nil)
			}
		}
		// Filtered fetch.
		remote := byID[cs[2][1].ID]
		if mode == DynamicPrivate {
			settle(t, nodes, map[string]int{remote.ID: 1})
		}
		require.NoError(t, remote.Join(bg(), "joined"))
		require.Eventually(t, func() bool {
			got, err := nodes[1].IO.In("joined").FetchSockets(bg())
			return err == nil && len(got) == 1 && got[0].ID == remote.ID
		}, 3*time.Second, 20*time.Millisecond)
		require.NoError(t, remote.Emit(bg(), "private", 1))
		assert.Equal(t, []any{float64(1)}, cs[2][1].ExpectEvent("private"))
		require.NoError(t, remote.Leave(bg(), "joined"))
		require.Eventually(t, func() bool {
			got, err := nodes[1].IO.In("joined").FetchSockets(bg())
			return err == nil && len(got) == 0
		}, 3*time.Second, 20*time.Millisecond)
		require.NoError(t, remote.Disconnect(bg(), false))
		assert.Equal(t, "1", cs[2][1].Next())
	})

	t.Run("requests are timed; answers carry the admin info once shared", func(t *testing.T) {
		nodes := startCluster(t, 2, cfg())
		st := nodes[0].IO.Stats()
		cs := clustertest.ConnectAll(t, nodes, 1, func(i, j int) string { return "&data=n" + string(rune('0'+i)) })
		other := nodes[1].IO.Of("/").Sockets()[0]
		fetch := func() map[string]any {
			socks, err := nodes[0].IO.FetchSockets(bg())
			require.NoError(t, err)
			for _, s := range socks {
				if s.ID == cs[1][0].ID {
					data, _ := s.Data.(map[string]any)
					return data
				}
			}
			t.Fatal("the other server's socket is missing")
			return nil
		}
		assert.Equal(t, map[string]any{"tag": "n1"}, fetch())
		stop := nodes[1].IO.ShareAdminInfo()
		assert.Equal(t, map[string]any{"tag": "n1", "_admin": map[string]any{
			"clientId": other.ClientID()[:12], "transport": "websocket",
		}}, fetch())
		stop()
		assert.Equal(t, map[string]any{"tag": "n1"}, other.Data(), "the socket's own data")

		_, err := nodes[0].IO.FetchSockets(bg())
		require.NoError(t, err)
		_, err = nodes[0].Adapter().ServerCount(bg())
		require.NoError(t, err)
		kinds := map[string]socketio.AdapterRequestStats{}
		for _, r := range st.AdapterRequests() {
			kinds[r.Kind] = r
		}
		assert.EqualValues(t, 3, kinds["fetchSockets"].OK, "%+v", kinds)
		assert.EqualValues(t, 3, kinds["fetchSockets"].Latency.Count)
		assert.Greater(t, kinds["fetchSockets"].Latency.Sum, time.Duration(0))
		assert.GreaterOrEqual(t, kinds["serverCount"].OK, uint64(1), "%+v", kinds)
		assert.Zero(t, kinds["fetchSockets"].Errors+kinds["fetchSockets"].Timeouts)
	})

	t.Run("socketsJoin, socketsLeave and disconnectSockets across nodes", func(t *testing.T) {
		nodes := startCluster(t, 3, cfg())
		cs := clustertest.ConnectAll(t, nodes, 2, func(i, j int) string {
			if j == 0 {
				return "&rooms=src"
			}
			return ""
		})
		require.NoError(t, nodes[0].IO.In("src").SocketsJoin(bg(), "dst"))
		require.Eventually(t, func() bool {
			got, err := nodes[2].IO.In("dst").FetchSockets(bg())
			return err == nil && len(got) == 3
		}, 3*time.Second, 20*time.Millisecond)
		settle(t, nodes, map[string]int{"dst": 3})
		require.NoError(t, nodes[1].IO.To("dst").Emit("in-dst"))
		for i := range nodes {
			cs[i][0].ExpectEvent("in-dst")
			cs[i][1].ExpectNothing(50 * time.Millisecond)
		}
		require.NoError(t, nodes[1].IO.In("src").SocketsLeave(bg(), "dst"))
		require.Eventually(t, func() bool {
			got, err := nodes[2].IO.In("dst").FetchSockets(bg())
			return err == nil && len(got) == 0
		}, 3*time.Second, 20*time.Millisecond)
		require.NoError(t, nodes[2].IO.In("src").DisconnectSockets(bg(), true))
		for i := range nodes {
			assert.Equal(t, "1", cs[i][0].Next())
		}
		require.Eventually(t, func() bool {
			got, err := nodes[0].IO.FetchSockets(bg())
			return err == nil && len(got) == 3
		}, 3*time.Second, 20*time.Millisecond)
	})

	t.Run("serverSideEmit with and without acks", func(t *testing.T) {
		got := make(chan string, 10)
		c := cfg()
		c.setup = func(i int, io *socketio.Server) {
			io.Of("/").On("ping", func(from string, ack socketio.Ack) {
				got <- from + "->" + string(rune('0'+i))
				_ = ack(map[string]any{"node": i})
			})
			io.Of("/").On("note", func(s string) { got <- "note:" + s + "@" + string(rune('0'+i)) })
		}
		nodes := startCluster(t, 3, c)
		require.NoError(t, nodes[0].IO.ServerSideEmit(bg(), "note", "x"))
		recv := []string{<-got, <-got}
		assert.ElementsMatch(t, []string{"note:x@1", "note:x@2"}, recv)

		ctx, cancel := context.WithTimeout(bg(), 3*time.Second)
		defer cancel()
		rs, err := nodes[1].IO.ServerSideEmitWithAck(ctx, "ping", "n1")
		require.NoError(t, err)
		require.Len(t, rs, 2)
		var ids []int
		for _, r := range rs {
			var v struct{ Node int }
			require.NoError(t, r.Decode(&v))
			ids = append(ids, v.Node)
		}
		sort.Ints(ids)
		assert.Equal(t, []int{0, 2}, ids)
		assert.ElementsMatch(t, []string{"n1->0", "n1->2"}, []string{<-got, <-got})
		select {
		case s := <-got:
			t.Fatalf("unexpected %q", s)
		case <-time.After(100 * time.Millisecond):
		}
	})

	t.Run("serverCount and allRooms", func(t *testing.T) {
		nodes := startCluster(t, 3, cfg())
		clustertest.ConnectAll(t, nodes, 1, func(i, j int) string { return "&rooms=room" + string(rune('0'+i)) })
		n, err := nodes[0].Adapter().ServerCount(bg())
		require.NoError(t, err)
		assert.Equal(t, 3, n)
		rooms, err := nodes[0].Adapter().AllRooms(bg())
		require.NoError(t, err)
		if sharded {
			// Node's ClusterAdapter answers allRooms locally only.
			assert.Contains(t, rooms, "room0")
		} else {
			assert.Subset(t, rooms, []string{"room0", "room1", "room2"})
		}
	})
}

func TestCluster(t *testing.T) { clusterSuite(t, false, "") }

func TestClusterSpecificResponseChannel(t *testing.T) {
	clustertest.RequireRedis(t, clustertest.RedisAddr)
	nodes := startCluster(t, 3, clusterConfig{opts: Options{PublishOnSpecificResponseChannel: true}})
	cs := clustertest.ConnectAll(t, nodes, 1, nil)
	socks, err := nodes[0].IO.FetchSockets(bg())
	require.NoError(t, err)
	assert.Len(t, socks, 3)
	go func() {
		for _, c := range clustertest.Flat(cs) {
			id, _ := c.Event()
			c.Ack(id, `[1]`)
		}
	}()
	rs, err := nodes[0].IO.Timeout(2*time.Second).EmitWithAck(bg(), "q")
	require.NoError(t, err)
	assert.Len(t, rs, 3)
}

// A server that subscribes but never answers makes requests time out
// after RequestsTimeout, with an error.
func TestRequestsTimeout(t *testing.T) {
	key := testKey(t)
	nodes := startCluster(t, 1, clusterConfig{opts: Options{Key: key, RequestsTimeout: 300 * time.Millisecond}})
	mute := redis.NewClient(&redis.Options{Addr: clustertest.RedisAddr})
	defer mute.Close()
	ps := mute.Subscribe(bg(), key+"-request#/#")
	defer ps.Close()
	_, err := ps.Receive(bg())
	require.NoError(t, err)
	clustertest.WaitServerCount(t, nodes, 2)

	start := time.Now()
	_, err = nodes[0].IO.FetchSockets(bg())
	require.ErrorIs(t, err, ErrTimeout)
	_, err = nodes[0].Adapter().AllRooms(bg())
	require.ErrorIs(t, err, ErrTimeout)
	assert.Less(t, time.Since(start), 2*time.Second)
	// The server's counters saw both time out (they count from the first
	// Stats call, made by the hook only when on: turn them on and again).
	st := nodes[0].IO.Stats()
	_, err = nodes[0].Adapter().AllRooms(bg())
	require.ErrorIs(t, err, ErrTimeout)
	rs := st.AdapterRequests()
	require.Len(t, rs, 2, "%+v", rs)
	assert.Equal(t, "allRooms", rs[0].Kind)
	assert.EqualValues(t, 1, rs[0].Timeouts)
	assert.Zero(t, rs[0].OK+rs[0].Errors)
	assert.GreaterOrEqual(t, rs[0].Latency.Sum, 300*time.Millisecond)
	assert.Equal(t, "serverCount", rs[1].Kind, "how many answers to wait for")
	assert.EqualValues(t, 1, rs[1].OK)
}

// Adapter methods fail with ErrClosed after Close, and Close is idempotent.
func TestClose(t *testing.T) {
	clustertest.RequireRedis(t, clustertest.RedisAddr)
	rdb := redis.NewClient(&redis.Options{Addr: clustertest.RedisAddr})
	defer rdb.Close()
	key := testKey(t)
	io := socketio.NewServer(&socketio.Options{Adapter: New(rdb, &Options{Key: key})})
	a := io.Of("/").Adapter()
	n, err := a.ServerCount(bg())
	require.NoError(t, err)
	assert.Equal(t, 1, n)
	require.NoError(t, io.Close())
	require.NoError(t, a.Close())
	subs, err := rdb.PubSubNumSub(bg(), key+"-request#/#").Result()
	require.NoError(t, err)
	assert.Zero(t, subs[key+"-request#/#"])
	err = a.ServerSideEmit(bg(), []any{"x"}, func(int) {}, func(socketio.Response) {})
	assert.True(t, err == nil || errors.Is(err, ErrClosed) || errors.Is(err, context.Canceled), "%v", err)
}

func TestShardedStatic(t *testing.T)         { clusterSuite(t, true, Static) }
func TestShardedDynamic(t *testing.T)        { clusterSuite(t, true, Dynamic) }
func TestShardedDynamicPrivate(t *testing.T) { clusterSuite(t, true, DynamicPrivate) }

func TestNodeBufferJSONForm(t *testing.T) {
	v := map[string]any{"data": []any{"x", []byte{1, 255}, map[string]any{"b": []byte{}}}}
	payload, err := json.Marshal(msgpack.ToNodeBuffers(v))
	require.NoError(t, err)
	assert.JSONEq(t, `{"data":["x",{"type":"Buffer","data":[1,255]},{"b":{"type":"Buffer","data":[]}}]}`, string(payload))
	m, err := clusterwire.DecodeMessage(payload)
	require.NoError(t, err)
	assert.Equal(t, v, m)
	// Look-alikes stay as they are.
	m, err = clusterwire.DecodeMessage([]byte(`{"a":{"type":"Buffer","data":[1,256]},"b":{"type":"Buffer","data":[1],"x":1}}`))
	require.NoError(t, err)
	assert.Equal(t, map[string]any{"type": "Buffer", "data": []any{1.0, 256.0}}, m["a"])
	assert.Len(t, m["b"], 3)
}
