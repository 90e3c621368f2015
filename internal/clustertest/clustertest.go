// Package clustertest is the harness the cluster adapters' tests share:
// servers behind httptest on one backend, test clients connected to them,
// and the checks that a backend is up. Only tests import it.
package clustertest

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http/httptest"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"

	"github.com/gosio/gosio/internal/siotest"
	"github.com/gosio/gosio/socketio"
)

// Node is one server of a test cluster: the server, its httptest
// listener, and the backend client (B) its adapter was given.
type Node[B any] struct {
	IO     *socketio.Server
	HS     *httptest.Server
	Client B
}

// Adapter is the server's adapter of "/".
func (n *Node[B]) Adapter() socketio.Adapter { return n.IO.Of("/").Adapter() }

// Logger keeps the adapters' warnings out of the output unless -v.
func Logger() *slog.Logger {
	if testing.Verbose() {
		return slog.Default()
	}
	return slog.New(slog.DiscardHandler)
}

// RequireTCP skips (or, under CI=true, fails) when nothing answers at
// addr; what names the service and hint says how to start it.
func RequireTCP(t testing.TB, addr, what, hint string) {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err == nil {
		_ = c.Close()
		return
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("%s is required at %s (run %s): %v", what, addr, hint, err)
	}
	t.Skipf("no %s at %s (run %s; under CI=true this fails): %v", what, addr, hint, err)
}

var nameSeq atomic.Int64

// UniqueName returns prefix followed by the process id, the test's name
// and a sequence number: a name no other test uses.
func UniqueName(t testing.TB, prefix string) string {
	return fmt.Sprintf("%s-%d-%s-%d", prefix, os.Getpid(), strings.ReplaceAll(t.Name(), "/", "_"), nameSeq.Add(1))
}

// StartNode starts server i of a cluster with opts behind httptest;
// client is its backend client, which the caller closes. setup, if set,
// runs before the server serves. Each socket joins the rooms listed in its
// query (?rooms=a,b) and stores its "data" query value as its data. The
// test's cleanup closes the connections, the listener and the server.
func StartNode[B any](t testing.TB, i int, client B, opts *socketio.Options, setup func(i int, io *socketio.Server)) *Node[B] {
	t.Helper()
	io := socketio.NewServer(opts)
	io.OnConnection(func(s *socketio.Socket) {
		if rooms := s.Handshake().Query.Get("rooms"); rooms != "" {
			s.Join(strings.Split(rooms, ",")...)
		}
		if d := s.Handshake().Query.Get("data"); d != "" {
			s.SetData(map[string]any{"tag": d})
		}
	})
	if setup != nil {
		setup(i, io)
	}
	hs := httptest.NewServer(io)
	t.Cleanup(func() {
		hs.CloseClientConnections()
		hs.Close()
		_ = io.Close()
	})
	return &Node[B]{IO: io, HS: hs, Client: client}
}

// WaitServerCount waits until every node counts want servers in "/".
func WaitServerCount[B any](t testing.TB, nodes []*Node[B], want int) {
	t.Helper()
	require.Eventually(t, func() bool {
		for _, nd := range nodes {
			got, err := nd.Adapter().ServerCount(context.Background())
			if err != nil || got != want {
				return false
			}
		}
		return true
	}, 15*time.Second, 20*time.Millisecond)
}

// ConnectAll connects per clients to each node, with query q(i, j).
func ConnectAll[B any](t testing.TB, nodes []*Node[B], per int, q func(i, j int) string) [][]*siotest.Client {
	t.Helper()
	out := make([][]*siotest.Client, len(nodes))
	for i, nd := range nodes {
		for j := range per {
			query := ""
			if q != nil {
				query = q(i, j)
			}
			c := siotest.Dial(t, nd.HS, query)
			c.Connect("")
			out[i] = append(out[i], c)
		}
	}
	return out
}

// Flat lists the clients of every node.
func Flat(cs [][]*siotest.Client) []*siotest.Client {
	var out []*siotest.Client
	for _, row := range cs {
		out = append(out, row...)
	}
	return out
}

// QuietRedisLogger is a go-redis logger that says nothing: go-redis
// reports reconnections on its own logger, and the fault tests provoke
// many.
type QuietRedisLogger struct{}

// Printf discards the message.
func (QuietRedisLogger) Printf(context.Context, string, ...any) {}

// RedisAddr is the test Redis (make redis).
const RedisAddr = "127.0.0.1:6379"

// RequireRedis skips (or, under CI=true, fails) when no Redis answers.
func RequireRedis(t testing.TB, addr string) {
	t.Helper()
	RequireTCP(t, addr, "Redis", "`make redis`")
}

// RedisClusterAddrs are the three masters of the test Redis Cluster that
// scripts/ensure-redis-cluster.sh starts (make redis).
var RedisClusterAddrs = []string{"127.0.0.1:30001", "127.0.0.1:30002", "127.0.0.1:30003"}

// RequireRedisCluster skips (or, under CI=true, fails) when the cluster
// is not up.
func RequireRedisCluster(t testing.TB) {
	t.Helper()
	c := redis.NewClient(&redis.Options{Addr: RedisClusterAddrs[0], DialTimeout: time.Second})
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	info, err := c.ClusterInfo(ctx).Result()
	if err == nil && strings.Contains(info, "cluster_state:ok") {
		return
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("a Redis Cluster is required at %v (run `make redis`): %v %q", RedisClusterAddrs, err, info)
	}
	t.Skipf("no Redis Cluster at %v (run `make redis`; under CI=true this fails): %v", RedisClusterAddrs, err)
}

// RedisClusterClient is a go-redis ClusterClient of the test cluster.
func RedisClusterClient() redis.UniversalClient {
	return redis.NewClusterClient(&redis.ClusterOptions{Addrs: RedisClusterAddrs})
}

// BenchBroadcast measures broadcast throughput across nodes: perNode
// WebSocket clients on each; the first node emits size-byte events to
// everyone, one after the other; the benchmark waits until every client
// has every message. msgs/s counts deliveries to clients, on all nodes.
func BenchBroadcast[B any](b *testing.B, nodes []*Node[B], perNode, size int) {
	clients := Flat(ConnectAll(b, nodes, perNode, nil))
	var delivered atomic.Int64
	stop := make(chan struct{})
	for _, c := range clients {
		go func() {
			for {
				select {
				case p := <-c.In:
					if strings.HasPrefix(p, `2["b"`) {
						delivered.Add(1)
					}
				case <-stop:
					return
				}
			}
		}()
	}
	defer close(stop)
	payload := strings.Repeat("x", size)
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	for i := 0; i < b.N; i++ {
		if err := nodes[0].IO.Emit("b", payload); err != nil {
			b.Fatal(err)
		}
	}
	want := int64(b.N * len(clients))
	deadline := time.Now().Add(time.Minute)
	for delivered.Load() < want {
		if time.Now().After(deadline) {
			b.Fatalf("delivered %d of %d", delivered.Load(), want)
		}
		time.Sleep(time.Millisecond) // polling a counter; nothing to await
	}
	b.StopTimer()
	b.ReportMetric(float64(want)/time.Since(start).Seconds(), "msgs/s")
}
