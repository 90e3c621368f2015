package redisstreams

import (
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gosio/gosio/internal/clustertest"
	"github.com/gosio/gosio/internal/siotest"
	"github.com/gosio/gosio/internal/streamwire"
	"github.com/gosio/gosio/socketio"
)

// streamIDsOf returns the ids of the broadcast entries uid appended to
// stream, oldest first.
func streamIDsOf(t *testing.T, addr, stream, uid string) []string {
	t.Helper()
	c := redis.NewClient(&redis.Options{Addr: addr})
	defer c.Close()
	entries, err := c.XRange(bg(), stream, "-", "+").Result()
	require.NoError(t, err)
	var ids []string
	for _, e := range entries {
		m, err := streamwire.DecodeEntry(e.Values)
		require.NoError(t, err)
		if m.UID == uid && m.Type == streamwire.Broadcast {
			ids = append(ids, e.ID)
		}
	}
	return ids
}

// expectSeq reads events from c: want lists each event's name and first
// argument; it returns the offsets (the last argument beyond the first,
// "" without one).
func expectSeq(t *testing.T, c *siotest.Client, want [][2]any) []string {
	t.Helper()
	var offsets []string
	for i, w := range want {
		args := c.ExpectEvent(w[0].(string))
		require.NotEmpty(t, args, "event %d", i)
		require.Equal(t, w[1], args[0], "event %d (%v)", i, w)
		off := ""
		if len(args) > 1 {
			off, _ = args[len(args)-1].(string)
		}
		offsets = append(offsets, off)
	}
	return offsets
}

// Broadcasts and a socketsJoin made on server A while Redis is down are
// held, not lost: once Redis is back, B's client gets each once, in
// order (the join before the broadcast to its room), and A's client gets
// them then, in the same order, each with its entry id as offset.
func TestOutageHeldEntries(t *testing.T) {
	rd := newPrivateRedis(t)
	nodes := startCluster(t, 2, clusterConfig{addr: rd.addr(), recovery: true, opts: Options{
		RequestsTimeout: time.Second, BlockTime: 500 * time.Millisecond,
	}})
	cs := clustertest.ConnectAll(t, nodes, 1, nil)
	a, b := cs[0][0], cs[1][0]
	ad := adapterOf(nodes[0])
	nsp := nodes[0].IO.Of("/")

	var want [][2]any
	emit := func(i int) {
		require.NoError(t, nsp.Emit("n", float64(i)))
		want = append(want, [2]any{"n", float64(i)})
	}
	for i := range 5 {
		emit(i)
	}
	expectSeq(t, b, want)
	expectSeq(t, a, want)
	before := len(want)

	rd.stop()
	for i := 5; i < 35; i++ {
		emit(i)
		if i == 20 {
			require.NoError(t, nsp.SocketsJoin(bg(), "late"))
			require.NoError(t, nsp.To("late").Emit("r", "late"))
			want = append(want, [2]any{"r", "late"})
		}
	}
	// The first XADD failed to dial; it and all the later ones wait.
	require.Equal(t, 32, ad.out.len())
	rd.start()
	require.Eventually(t, func() bool { return ad.out.len() == 0 }, 20*time.Second, 10*time.Millisecond)
	require.NoError(t, nsp.Emit("end", "x"))
	want = append(want, [2]any{"end", "x"})

	held := want[before:]
	atB := expectSeq(t, b, held)
	atA := expectSeq(t, a, held)
	ids := streamIDsOf(t, rd.addr(), ad.Stream(), ad.UID())
	require.Len(t, ids, len(want), "each entry appended once")
	assert.Equal(t, ids[before:], atA, "A's client: the entry ids as offsets")
	assert.Equal(t, ids[before:], atB)
	for _, c := range []*siotest.Client{a, b} {
		c.ExpectNothing(100 * time.Millisecond) // nothing repeated after the end marker
	}
}

// Beyond MaxPending entries, or MaxPendingBytes, an operation fails as
// without the queue: delivered here at once, without offset, with an
// error wrapping ErrPendingFull; it never reaches the stream, while the
// entries held before it do.
func TestOutageOverflow(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts Options
		data string
		fits int
	}{
		{name: "count", opts: Options{MaxPending: 5}, data: "x", fits: 5},
		{name: "bytes", opts: Options{MaxPendingBytes: 2500}, data: strings.Repeat("y", 1000), fits: 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rd := newPrivateRedis(t)
			o := tc.opts
			o.RequestsTimeout = time.Second
			o.BlockTime = 500 * time.Millisecond
			nodes := startCluster(t, 2, clusterConfig{addr: rd.addr(), opts: o})
			cs := clustertest.ConnectAll(t, nodes, 1, nil)
			a, b := cs[0][0], cs[1][0]
			ad := adapterOf(nodes[0])
			st := nodes[0].IO.Stats() // counting from now

			rd.stop()
			for i := range tc.fits {
				require.NoError(t, nodes[0].IO.Emit("n", i, tc.data))
			}
			require.Equal(t, tc.fits, ad.out.len())
			err := nodes[0].IO.Emit("n", tc.fits, tc.data)
			require.ErrorIs(t, err, ErrPendingFull)
			// Delivered here at once, ahead of the held ones.
			require.Equal(t, float64(tc.fits), a.ExpectEvent("n")[0])

			rd.start()
			require.Eventually(t, func() bool { return ad.out.len() == 0 }, 20*time.Second, 10*time.Millisecond)
			require.NoError(t, nodes[0].IO.Emit("end", 0))
			var want [][2]any
			for i := range tc.fits {
				want = append(want, [2]any{"n", float64(i)})
			}
			want = append(want, [2]any{"end", float64(0)})
			expectSeq(t, b, want)
			expectSeq(t, a, want)
			i := slices.IndexFunc(st.AdapterRequests(), func(r socketio.AdapterRequestStats) bool { return r.Kind == "xaddHeld" })
			require.GreaterOrEqual(t, i, 0)
			r := st.AdapterRequests()[i]
			assert.Equal(t, [2]uint64{uint64(tc.fits), 1}, [2]uint64{r.OK, r.Errors})
		})
	}
}

// Closing an adapter that holds entries returns at once (the sender is
// backing off or probing), delivers them here without offset, appends
// none of them, and leaves no goroutine behind (goleak, TestMain).
func TestOutageCloseDropsHeld(t *testing.T) {
	rd := newPrivateRedis(t)
	nodes := startCluster(t, 2, clusterConfig{addr: rd.addr(), opts: Options{RequestsTimeout: 2 * time.Second}})
	cs := clustertest.ConnectAll(t, nodes, 1, nil)
	a := cs[0][0]
	ad := adapterOf(nodes[0])

	rd.stop()
	for i := range 5 {
		require.NoError(t, nodes[0].IO.Emit("n", i))
	}
	require.Equal(t, 5, ad.out.len())
	start := time.Now()
	require.NoError(t, ad.Close())
	assert.Less(t, time.Since(start), time.Second)
	assert.Equal(t, 0, ad.out.len())
	for i := range 5 {
		args := a.ExpectEvent("n")
		require.Equal(t, []any{float64(i)}, args)
	}
	rd.start()
	assert.Empty(t, streamIDsOf(t, rd.addr(), ad.Stream(), ad.UID()))
}

// An EmitWithAck made while Redis is down is held with the rest: its
// entry keeps its ack id, so once Redis is back the client gets it with
// that id (no offset) and its answer resolves the wait.
func TestOutageHeldEmitWithAck(t *testing.T) {
	rd := newPrivateRedis(t)
	nodes := startCluster(t, 1, clusterConfig{addr: rd.addr(), recovery: true, opts: Options{
		RequestsTimeout: time.Second, BlockTime: 500 * time.Millisecond,
	}})
	c := clustertest.ConnectAll(t, nodes, 1, nil)[0][0]
	ad := adapterOf(nodes[0])
	socks, err := nodes[0].IO.Of("/").Local().FetchSockets(bg())
	require.NoError(t, err)
	require.Len(t, socks, 1)
	s := socks[0].Local()

	rd.stop()
	type result struct {
		r   socketio.Response
		err error
	}
	done := make(chan result, 1)
	go func() {
		r, err := s.Timeout(20*time.Second).EmitWithAck(bg(), "ask", "x")
		done <- result{r, err}
	}()
	require.Eventually(t, func() bool { return ad.out.len() == 1 }, 5*time.Second, 10*time.Millisecond)
	c.ExpectNothing(100 * time.Millisecond)
	rd.start()
	id, arr := c.Event()
	require.GreaterOrEqual(t, id, 0)
	require.Equal(t, []any{"ask", "x"}, arr)
	c.Ack(id, `["yes"]`)
	res := receive(t, done)
	require.NoError(t, res.err)
	v, err := res.r.Values()
	require.NoError(t, err)
	require.Equal(t, []any{"yes"}, v)
}

// A held entry whose XADD, once Redis answers again, fails in a way that
// may have appended it (the connection closes after the command) is not
// sent again: it takes effect on this server only, is counted as an error,
// and the entries after it go on. Redis is a fake here, which refuses the
// first XADD with LOADING (certainly not applied: held), then closes the
// connection on the second, then appends.
func TestOutageHeldEntryAmbiguousFailure(t *testing.T) {
	nodes := startCluster(t, 1, clusterConfig{opts: Options{RequestsTimeout: time.Second}})
	c := clustertest.ConnectAll(t, nodes, 1, nil)[0][0]
	ad := adapterOf(nodes[0])
	st := nodes[0].IO.Stats()

	var mu sync.Mutex
	var xadds []string // the first argument after the stream of each XADD: which event
	fake := fakeRedis(t, func(cmd []string) string {
		switch strings.ToUpper(cmd[0]) {
		case "EXISTS":
			return ":1\r\n"
		case "XADD":
			mu.Lock()
			defer mu.Unlock()
			xadds = append(xadds, strings.Join(cmd, " "))
			switch len(xadds) {
			case 1:
				return "-LOADING Redis is loading the dataset in memory\r\n"
			case 2:
				return "close"
			default:
				return "$3\r\n9-" + strconv.Itoa(len(xadds)) + "\r\n"
			}
		}
		return "+OK\r\n"
	})
	w := redis.NewClient(&redis.Options{Addr: fake, MaxRetries: -1, Protocol: 2})
	t.Cleanup(func() { _ = w.Close() })
	ad.writer = w // before any emit: the adapter's goroutines read it only for XADD and the probe

	require.NoError(t, nodes[0].IO.Emit("n", 0)) // held
	// Its local effect comes once the sender gave up on it.
	require.Equal(t, []any{float64(0)}, c.ExpectEvent("n"))
	require.Eventually(t, func() bool { return ad.out.len() == 0 }, 5*time.Second, 10*time.Millisecond)
	require.NoError(t, nodes[0].IO.Emit("n", 1)) // the queue is empty: appended at once
	require.Equal(t, []any{float64(1)}, c.ExpectEvent("n"))
	c.ExpectNothing(100 * time.Millisecond)

	mu.Lock()
	n := len(xadds)
	mu.Unlock()
	assert.Equal(t, 3, n, "the held entry was sent twice (refused, then ambiguous), never a third time")
	i := slices.IndexFunc(st.AdapterRequests(), func(r socketio.AdapterRequestStats) bool { return r.Kind == "xaddHeld" })
	require.GreaterOrEqual(t, i, 0)
	r := st.AdapterRequests()[i]
	assert.Equal(t, [2]uint64{0, 1}, [2]uint64{r.OK, r.Errors})
}
