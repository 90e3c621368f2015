package redisadapter

import (
	"context"
	"testing"

	"github.com/redis/go-redis/v9"
	"go.uber.org/goleak"

	"github.com/gosio/gosio/internal/clustertest"
	"github.com/gosio/gosio/socketio"
)

// Every test in the package ends with no goroutine left behind: adapters'
// subscriber loops and handlers included.
func TestMain(m *testing.M) {
	redis.SetLogger(clustertest.QuietRedisLogger{})
	goleak.VerifyTestMain(m)
}

// testKey returns a channel prefix no other test uses.
func testKey(t testing.TB) string { return clustertest.UniqueName(t, "gosio-test") }

// node is a server and its Redis client.
type node = clustertest.Node[redis.UniversalClient]

type clusterConfig struct {
	addr string
	// client, if set, makes each server's Redis client (a ClusterClient);
	// otherwise each gets a Client of addr.
	client  func() redis.UniversalClient
	sharded bool
	opts    Options
	setup   func(i int, io *socketio.Server)
}

// startCluster starts n servers on one Redis, each behind httptest (see
// clustertest.StartNode).
func startCluster(t testing.TB, n int, cfg clusterConfig) []*node {
	t.Helper()
	if cfg.addr == "" {
		cfg.addr = clustertest.RedisAddr
	}
	if cfg.client == nil {
		clustertest.RequireRedis(t, cfg.addr)
		cfg.client = func() redis.UniversalClient { return redis.NewClient(&redis.Options{Addr: cfg.addr}) }
	}
	if cfg.opts.Key == "" {
		cfg.opts.Key = testKey(t)
	}
	nodes := make([]*node, n)
	for i := range n {
		rdb := cfg.client()
		t.Cleanup(func() { _ = rdb.Close() })
		o := cfg.opts
		if o.Logger == nil {
			o.Logger = clustertest.Logger()
		}
		factory := New(rdb, &o)
		if cfg.sharded {
			factory = NewSharded(rdb, &o)
		}
		nodes[i] = clustertest.StartNode(t, i, rdb, &socketio.Options{Adapter: factory}, cfg.setup)
	}
	clustertest.WaitServerCount(t, nodes, n)
	return nodes
}

func bg() context.Context { return context.Background() }
