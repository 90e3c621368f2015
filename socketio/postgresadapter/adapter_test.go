package postgresadapter

import (
	"context"
	"errors"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gosio/gosio/internal/clustertest"
	"github.com/gosio/gosio/internal/pgnotify"
	"github.com/gosio/gosio/socketio"
)

func cfg() clusterConfig {
	return clusterConfig{opts: Options{RequestsTimeout: 3 * time.Second}}
}

func TestBroadcast(t *testing.T) {
	nodes := startCluster(t, 3, cfg())
	cs := clustertest.ConnectAll(t, nodes, 2, nil)
	for from := range nodes {
		require.NoError(t, nodes[from].IO.Emit("hello", from, "x"))
	}
	for _, c := range clustertest.Flat(cs) {
		var froms []float64
		for range nodes {
			args := c.ExpectEvent("hello")
			froms = append(froms, args[0].(float64))
			assert.Equal(t, "x", args[1])
		}
		assert.ElementsMatch(t, []float64{0, 1, 2}, froms)
	}
	for _, c := range clustertest.Flat(cs) {
		c.ExpectNothing(100 * time.Millisecond)
	}
}

// Binary payloads and payloads of 8000 bytes or more go through the
// attachment table (NOTIFY refuses them) and arrive whole.
func TestBinaryAndLargePayloads(t *testing.T) {
	nodes := startCluster(t, 2, cfg())
	cs := clustertest.ConnectAll(t, nodes, 1, nil)
	var before int
	require.NoError(t, nodes[0].Client.QueryRow(bg(), "SELECT count(*) FROM "+testTable).Scan(&before))

	require.NoError(t, nodes[0].IO.Emit("bin", "x", []byte{1, 2, 255}))
	big := strings.Repeat("é", 4000) // 8000 bytes of UTF-8
	require.NoError(t, nodes[0].IO.Emit("big", big))
	for _, c := range clustertest.Flat(cs) {
		args := c.ExpectEvent("bin")
		assert.Equal(t, "x", args[0])
		assert.Equal(t, map[string]any{"_placeholder": true, "num": float64(0)}, args[1])
		assert.Equal(t, []byte{1, 2, 255}, <-c.Bin)
		assert.Equal(t, []any{big}, c.ExpectEvent("big"))
	}
	var after int
	require.NoError(t, nodes[0].Client.QueryRow(bg(), "SELECT count(*) FROM "+testTable).Scan(&after))
	assert.GreaterOrEqual(t, after-before, 2, "both went through the table")
}

func TestRoomsAndExcept(t *testing.T) {
	nodes := startCluster(t, 3, cfg())
	// client j of each node: j=0 in a, j=1 in a,b, j=2 in none.
	cs := clustertest.ConnectAll(t, nodes, 3, func(i, j int) string {
		return [...]string{"&rooms=a", "&rooms=a,b", ""}[j]
	})
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
	require.NoError(t, nodes[0].IO.Local().Emit("local"))
	cs[0][2].ExpectEvent("local")
	cs[1][2].ExpectNothing(200 * time.Millisecond)
}

func TestBroadcastWithAck(t *testing.T) {
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

	// A silent client: the timeout, with the answers received.
	go func() {
		id, _ := cs[0][0].Event()
		cs[0][0].Ack(id, `["ok"]`)
	}()
	start := time.Now()
	rs, err = nodes[0].IO.To(cs[0][0].ID, cs[1][0].ID).Timeout(500*time.Millisecond).EmitWithAck(bg(), "q2")
	require.ErrorIs(t, err, socketio.ErrAckTimeout)
	assert.Len(t, rs, 1)
	assert.Less(t, time.Since(start), 2*time.Second)
	cs[1][0].ExpectEvent("q2")
}

func TestFetchSocketsAndRemoteSockets(t *testing.T) {
	nodes := startCluster(t, 3, cfg())
	cs := clustertest.ConnectAll(t, nodes, 2, func(i, j int) string { return "&rooms=r&data=n" + string(rune('0'+i)) })
	st := nodes[0].IO.Stats()
	socks, err := nodes[0].IO.FetchSockets(bg())
	require.NoError(t, err)
	require.Len(t, socks, 6)
	fetches := adapterRequests(st)["fetchSockets"]
	assert.EqualValues(t, 1, fetches.OK, "the request is counted for the metrics")
	assert.EqualValues(t, 1, fetches.Latency.Count)
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
			assert.Equal(t, i == 0, s.Local() != nil)
		}
	}
	remote := byID[cs[2][1].ID]
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
}

func TestSocketsJoinLeaveDisconnect(t *testing.T) {
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
}

func TestServerSideEmit(t *testing.T) {
	got := make(chan string, 10)
	c := cfg()
	c.setup = func(i int, io *socketio.Server) {
		io.Of("/").On("ping", func(from string, ack socketio.Ack) {
			got <- from + "->" + string(rune('0'+i))
			_ = ack(map[string]any{"node": i, "bin": []byte{byte(i)}})
		})
		io.Of("/").On("note", func(s string) { got <- "note:" + s + "@" + string(rune('0'+i)) })
	}
	nodes := startCluster(t, 3, c)
	require.NoError(t, nodes[0].IO.ServerSideEmit(bg(), "note", "x"))
	assert.ElementsMatch(t, []string{"note:x@1", "note:x@2"}, []string{<-got, <-got})

	ctx, cancel := context.WithTimeout(bg(), 3*time.Second)
	defer cancel()
	rs, err := nodes[1].IO.ServerSideEmitWithAck(ctx, "ping", "n1")
	require.NoError(t, err)
	require.Len(t, rs, 2)
	var ids []int
	for _, r := range rs {
		var v struct {
			Node int
			Bin  []byte
		}
		require.NoError(t, r.Decode(&v))
		assert.Equal(t, []byte{byte(v.Node)}, v.Bin, "binary answers come through the table")
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
}

// A closing server says so (ADAPTER_CLOSE): the others stop counting it
// at once, and a request no longer waits for it.
func TestServerCountAfterClose(t *testing.T) {
	nodes := startCluster(t, 3, cfg())
	require.NoError(t, nodes[2].IO.Close())
	clustertest.WaitServerCount(t, nodes[:2], 2)
	socks, err := nodes[0].IO.FetchSockets(bg())
	require.NoError(t, err)
	assert.Empty(t, socks)
}

// A server that goes silent without a goodbye stops counting after
// HeartbeatTimeout; one that keeps quiet but alive is kept by its
// heartbeats.
func TestHeartbeats(t *testing.T) {
	o := Options{HeartbeatInterval: 100 * time.Millisecond, HeartbeatTimeout: 400 * time.Millisecond}
	nodes := startCluster(t, 2, clusterConfig{opts: o})
	a := nodes[0].Adapter().(*Adapter)
	// A peer that announced itself once, then died.
	ghost := `{"type":1,"uid":"ghost","nsp":"/"}`
	_, err := nodes[0].Client.Exec(bg(), "SELECT pg_notify($1, $2)", pgnotify.Channel(a.opts.ChannelPrefix, "/"), ghost)
	require.NoError(t, err)
	require.Eventually(t, func() bool { n, _ := a.ServerCount(bg()); return n == 3 }, 3*time.Second, 5*time.Millisecond)
	require.Eventually(t, func() bool { n, _ := a.ServerCount(bg()); return n == 2 }, 3*time.Second, 20*time.Millisecond)
	// The live peer stays counted over several timeouts.
	deadline := time.Now().Add(time.Second)
	for time.Now().Before(deadline) {
		n, _ := a.ServerCount(bg())
		require.Equal(t, 2, n)
		time.Sleep(50 * time.Millisecond)
	}
}

// Requests to a server that is counted but never answers end after
// RequestsTimeout with ErrTimeout.
func TestRequestsTimeout(t *testing.T) {
	nodes := startCluster(t, 1, clusterConfig{opts: Options{RequestsTimeout: 300 * time.Millisecond}})
	a := nodes[0].Adapter().(*Adapter)
	_, err := nodes[0].Client.Exec(bg(), "SELECT pg_notify($1, $2)", pgnotify.Channel(a.opts.ChannelPrefix, "/"), `{"type":2,"uid":"mute","nsp":"/"}`)
	require.NoError(t, err)
	clustertest.WaitServerCount(t, nodes, 2)
	st := nodes[0].IO.Stats()
	start := time.Now()
	_, err = nodes[0].IO.FetchSockets(bg())
	require.ErrorIs(t, err, ErrTimeout)
	_, err = nodes[0].IO.ServerSideEmitWithAck(bg(), "x")
	require.Error(t, err)
	assert.Less(t, time.Since(start), 2*time.Second)
	assert.EqualValues(t, 1, adapterRequests(st)["fetchSockets"].Timeouts, "the timeout is counted for the metrics")
}

// adapterRequests returns the server's adapter request counters by kind.
func adapterRequests(st *socketio.Stats) map[string]socketio.AdapterRequestStats {
	kinds := map[string]socketio.AdapterRequestStats{}
	for _, r := range st.AdapterRequests() {
		kinds[r.Kind] = r
	}
	return kinds
}

// Adapter methods fail with ErrClosed after Close, which is idempotent,
// and the shared listener stops with the last namespace.
func TestClose(t *testing.T) {
	requirePostgres(t)
	pool := newPool(t, pgURL())
	io := socketio.NewServer(&socketio.Options{Adapter: New(pool, &Options{ChannelPrefix: testPrefix(t), TableName: testTable, Logger: clustertest.Logger()})})
	a := io.Of("/").Adapter()
	b := io.Of("/other").Adapter()
	assert.Same(t, a.(*Adapter).c, b.(*Adapter).c, "namespaces share one listener")
	require.NoError(t, io.Close())
	require.NoError(t, a.Close())
	err := a.ServerSideEmit(bg(), []any{"x"}, func(int) {}, func(socketio.Response) {})
	assert.True(t, err == nil || errors.Is(err, ErrClosed), "%v", err)
}

func TestInvalidTableName(t *testing.T) {
	assert.Panics(t, func() { New(nil, &Options{TableName: "x; DROP TABLE y"}) })
	assert.Error(t, CreateTable(bg(), nil, "a b"))
}

// Every CleanupInterval, each server deletes the attachments older than
// CleanupInterval, as Node's adapter does.
func TestCleanup(t *testing.T) {
	const table = "gosio_test_cleanup"
	requirePostgres(t)
	pool := newPool(t, pgURL())
	require.NoError(t, CreateTable(bg(), pool, table))
	_, err := pool.Exec(bg(), "INSERT INTO "+table+" (payload, created_at) VALUES ('old', now() - interval '1 hour'), ('fresh', now() + interval '1 hour')")
	require.NoError(t, err)
	io := socketio.NewServer(&socketio.Options{Adapter: New(pool, &Options{
		ChannelPrefix: testPrefix(t), TableName: table, CleanupInterval: 100 * time.Millisecond, Logger: clustertest.Logger(),
	})})
	defer io.Close()
	require.Eventually(t, func() bool {
		var n int
		err := pool.QueryRow(bg(), "SELECT count(*) FROM "+table+" WHERE payload = 'old'").Scan(&n)
		return err == nil && n == 0
	}, 5*time.Second, 20*time.Millisecond)
	var n int
	require.NoError(t, pool.QueryRow(bg(), "SELECT count(*) FROM "+table+" WHERE payload = 'fresh'").Scan(&n))
	assert.Equal(t, 1, n, "what is younger than CleanupInterval stays")
	_, err = pool.Exec(bg(), "DELETE FROM "+table)
	require.NoError(t, err)
}
