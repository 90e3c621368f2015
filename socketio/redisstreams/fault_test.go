package redisstreams

import (
	"bytes"
	"context"
	"net"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gosio/gosio/internal/clustertest"
)

// privateRedis is a redis-server of this test's own (a free port, its
// files in a temporary directory), which the test stops and starts again:
// the shared Redis on 6379 is never touched. It keeps its data in an
// append-only file synced at each write, so that what it acknowledged
// survives a restart.
type privateRedis struct {
	t    *testing.T
	port int
	dir  string
	cmd  *exec.Cmd
	done chan struct{}
}

func newPrivateRedis(t *testing.T) *privateRedis {
	t.Helper()
	if _, err := exec.LookPath("redis-server"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("redis-server is required: %v", err)
		}
		t.Skipf("redis-server not installed (under CI=true this fails): %v", err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	port := l.Addr().(*net.TCPAddr).Port
	require.NoError(t, l.Close())
	r := &privateRedis{t: t, port: port, dir: t.TempDir()}
	r.start()
	t.Cleanup(func() { waitPoolDialers(t) }) // after r.stop and the servers' cleanups
	t.Cleanup(r.stop)
	return r
}

// waitPoolDialers waits until no go-redis background dialer is left. A
// pool starts one after PoolSize dials in a row failed (at once for a
// reader's pool of one); it sleeps a second between tries and sees that
// its client was closed only then, later than goleak looks. One that
// never ends is a client left open.
func waitPoolDialers(t *testing.T) {
	t.Helper()
	buf := make([]byte, 4<<20)
	require.Eventually(t, func() bool {
		n := runtime.Stack(buf, true)
		return !bytes.Contains(buf[:n], []byte("(*ConnPool).tryDial"))
	}, 10*time.Second, 50*time.Millisecond, "a go-redis client with failing dials was left open")
}

func (r *privateRedis) addr() string { return "127.0.0.1:" + strconv.Itoa(r.port) }

func (r *privateRedis) start() {
	r.t.Helper()
	r.cmd = exec.Command("redis-server", "--port", strconv.Itoa(r.port), "--bind", "127.0.0.1",
		"--dir", r.dir, "--save", "", "--appendonly", "yes", "--appendfsync", "always")
	require.NoError(r.t, r.cmd.Start())
	r.done = make(chan struct{})
	go func(cmd *exec.Cmd, done chan struct{}) { _ = cmd.Wait(); close(done) }(r.cmd, r.done)
	c := redis.NewClient(&redis.Options{Addr: r.addr(), MaxRetries: -1})
	defer c.Close()
	require.Eventually(r.t, func() bool {
		ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		defer cancel()
		return c.Ping(ctx).Err() == nil
	}, 10*time.Second, 20*time.Millisecond, "private redis-server did not start")
}

// stop ends the server (SIGTERM: it flushes its append-only file) and
// waits for the process.
func (r *privateRedis) stop() {
	if r.cmd == nil {
		return
	}
	_ = r.cmd.Process.Signal(os.Interrupt)
	select {
	case <-r.done:
	case <-time.After(10 * time.Second):
		_ = r.cmd.Process.Kill()
		<-r.done
	}
	r.cmd = nil
}

// Redis restarted in the middle of a stream of broadcasts: every broadcast
// Emit did not fail (appended at once, or held while Redis was away and
// appended when it came back) reaches the other server's client, once and
// in order (the reader resumes from the last id it read); the local client
// gets every broadcast; requests work again once Redis is back.
func TestRedisRestartMidTraffic(t *testing.T) {
	rd := newPrivateRedis(t)
	nodes := startCluster(t, 2, clusterConfig{addr: rd.addr(), opts: Options{
		RequestsTimeout: time.Second, BlockTime: 500 * time.Millisecond,
	}})
	cs := clustertest.ConnectAll(t, nodes, 1, nil)

	var mu sync.Mutex
	var acked []int
	failed := 0
	stop := make(chan struct{})
	sent := make(chan struct{})
	go func() {
		defer close(sent)
		tick := time.NewTicker(2 * time.Millisecond) // pacing, not synchronisation
		defer tick.Stop()
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			case <-tick.C:
			}
			err := nodes[0].IO.Emit("n", i)
			mu.Lock()
			if err == nil {
				acked = append(acked, i)
			} else {
				failed++
			}
			mu.Unlock()
		}
	}()
	count := func() int { mu.Lock(); defer mu.Unlock(); return len(acked) }

	require.Eventually(t, func() bool { return count() >= 50 }, 10*time.Second, 5*time.Millisecond)
	t0 := time.Now()
	rd.stop()
	before := count()
	// Redis stays away while 20 broadcasts wait for it.
	held := adapterOf(nodes[0]).out.len
	require.Eventually(t, func() bool { return held() >= 20 }, 10*time.Second, 5*time.Millisecond)
	rd.start()
	require.Eventually(t, func() bool { return held() == 0 && count() >= before+50 }, 20*time.Second, 5*time.Millisecond)
	close(stop)
	<-sent

	mu.Lock()
	want := append([]int(nil), acked...)
	mu.Unlock()
	// The other server's client: every acknowledged broadcast, in order; an
	// unacknowledged one (its XADD's reply lost as Redis stopped) may have
	// been applied by Redis all the same.
	last := -1
	for _, w := range want {
		for {
			args := cs[1][0].ExpectEvent("n")
			got := int(args[0].(float64))
			require.Greater(t, got, last, "out of order or repeated")
			last = got
			if got == w {
				break
			}
			require.Less(t, got, w, "acknowledged broadcast %d lost", w)
		}
	}
	// The local client got every broadcast, acknowledged or not.
	for i := 0; i <= want[len(want)-1]; i++ {
		args := cs[0][0].ExpectEvent("n")
		require.Equal(t, float64(i), args[0])
	}

	clustertest.WaitServerCount(t, nodes, 2)
	socks, err := nodes[1].IO.FetchSockets(bg())
	require.NoError(t, err)
	assert.Len(t, socks, 2)
	t.Logf("%d broadcasts acknowledged, %d before the restart; %d failed; outage and traffic %v",
		len(want), before, failed, time.Since(t0))
}

// One server dies without closing (its Redis connections cut): the
// survivors stop counting it and keep working together.
func TestServerKilled(t *testing.T) {
	nodes := startCluster(t, 3, clusterConfig{opts: Options{RequestsTimeout: time.Second}})
	cs := clustertest.ConnectAll(t, nodes, 1, nil)
	// Cutting the client's connections is what Redis sees of a killed
	// process: its subscriptions end.
	require.NoError(t, nodes[2].Client.Close())
	for _, ps := range adapterOf(nodes[2]).subs {
		_ = ps.Close()
	}
	clustertest.WaitServerCount(t, nodes[:2], 2)
	require.NoError(t, nodes[0].IO.Emit("after-kill"))
	cs[0][0].ExpectEvent("after-kill")
	cs[1][0].ExpectEvent("after-kill")
	socks, err := nodes[1].IO.FetchSockets(bg())
	require.NoError(t, err)
	assert.Len(t, socks, 2)
}

// With Redis away, Close still returns at once and leaves nothing running
// (goleak checks at the end of the package): the reader is backing off or
// blocked, requests are pending.
func TestCloseDuringOutage(t *testing.T) {
	rd := newPrivateRedis(t)
	nodes := startCluster(t, 2, clusterConfig{addr: rd.addr(), opts: Options{RequestsTimeout: 2 * time.Second}})
	clustertest.ConnectAll(t, nodes, 1, nil)
	rd.stop()
	pending := make(chan error, 1)
	go func() {
		_, err := nodes[0].IO.Of("/").ServerSideEmitWithAck(bg(), "x")
		pending <- err
	}()
	start := time.Now()
	for _, nd := range nodes {
		require.NoError(t, nd.IO.Close())
	}
	assert.Less(t, time.Since(start), 3*time.Second)
	assert.Error(t, <-pending)
}
