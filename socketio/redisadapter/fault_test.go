package redisadapter

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gosio/gosio/internal/clustertest"
)

// faultPort is a Redis of this test's own, so stopping it disturbs no
// other test.
const faultPort = 6390

func startRedis(t *testing.T, port int) {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("redis-server is required: %v", err)
		}
		t.Skipf("redis-server not installed (under CI=true this fails): %v", err)
	}
	out, err := exec.Command(bin, "--port", strconv.Itoa(port), "--bind", "127.0.0.1",
		"--save", "", "--appendonly", "no", "--daemonize", "yes").CombinedOutput()
	require.NoError(t, err, "%s", out)
	require.Eventually(t, func() bool { return redisCLI(port, "ping") == nil }, 5*time.Second, 20*time.Millisecond)
}

func redisCLI(port int, args ...string) error {
	return exec.Command("redis-cli", append([]string{"-p", strconv.Itoa(port)}, args...)...).Run()
}

func stopRedis(t *testing.T, port int) {
	t.Helper()
	_ = redisCLI(port, "shutdown", "nosave")
	require.Eventually(t, func() bool { return redisCLI(port, "ping") != nil }, 5*time.Second, 20*time.Millisecond)
}

func faultSuite(t *testing.T, sharded bool) {
	addr := fmt.Sprintf("127.0.0.1:%d", faultPort)
	startRedis(t, faultPort)
	t.Cleanup(func() { _ = redisCLI(faultPort, "shutdown", "nosave") })

	nodes := startCluster(t, 2, clusterConfig{addr: addr, sharded: sharded,
		opts: Options{RequestsTimeout: time.Second, SubscriptionMode: Static}})
	cs := clustertest.ConnectAll(t, nodes, 1, nil)
	require.NoError(t, nodes[0].IO.Emit("before"))
	cs[0][0].ExpectEvent("before")
	cs[1][0].ExpectEvent("before")

	stopRedis(t, faultPort)

	// Local delivery goes on; the cluster part fails, promptly.
	start := time.Now()
	err := nodes[0].IO.Emit("during")
	assert.Error(t, err)
	cs[0][0].ExpectEvent("during")
	cs[1][0].ExpectNothing(100 * time.Millisecond)

	_, err = nodes[0].IO.FetchSockets(context.Background())
	assert.Error(t, err)
	_, err = nodes[0].Adapter().ServerCount(context.Background())
	assert.Error(t, err)
	assert.Error(t, nodes[0].IO.ServerSideEmit(bg(), "x"))
	_, err = nodes[0].IO.Timeout(time.Second).EmitWithAck(context.Background(), "q")
	assert.Error(t, err)
	assert.Error(t, nodes[0].IO.SocketsJoin(bg(), "r"))
	assert.Less(t, time.Since(start), 8*time.Second, "remote operations must fail promptly")

	// Redis comes back: the subscribers reconnect and resubscribe by
	// themselves.
	startRedis(t, faultPort)
	clustertest.WaitServerCount(t, nodes, 2)
	require.NoError(t, nodes[1].IO.Emit("after"))
	cs[0][0].ExpectEvent("after")
	cs[1][0].ExpectEvent("after")
	socks, err := nodes[0].IO.FetchSockets(context.Background())
	require.NoError(t, err)
	assert.Len(t, socks, 2)
}

func TestRedisOutage(t *testing.T)        { faultSuite(t, false) }
func TestRedisOutageSharded(t *testing.T) { faultSuite(t, true) }
