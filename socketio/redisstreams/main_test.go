package redisstreams

import (
	"context"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"go.uber.org/goleak"

	"github.com/gosio/gosio/internal/clustertest"
	"github.com/gosio/gosio/socketio"
)

// Every test in the package ends with no goroutine left behind: the stream
// readers, the Pub/Sub loops and the handlers included.
func TestMain(m *testing.M) {
	redis.SetLogger(clustertest.QuietRedisLogger{})
	goleak.VerifyTestMain(m)
}

// testKey returns a stream name and channel prefix no other test uses.
func testKey(t testing.TB) string { return clustertest.UniqueName(t, "gosio-streams-test") }

// node is a server and its Redis client.
type node = clustertest.Node[redis.UniversalClient]

// adapterOf is nd's adapter of "/".
func adapterOf(nd *node) *Adapter { return nd.Adapter().(*Adapter) }

type clusterConfig struct {
	addr string
	// client, if set, makes each server's Redis client; otherwise each
	// gets a Client of addr.
	client func() redis.UniversalClient
	opts   Options
	setup  func(i int, io *socketio.Server)
	// recovery turns connection state recovery on (broadcasts then
	// carry their offsets).
	recovery bool
}

// startCluster starts n servers on one Redis, each behind httptest (see
// clustertest.StartNode). The stream is deleted at the end.
func startCluster(t testing.TB, n int, cfg clusterConfig) []*node {
	t.Helper()
	if cfg.addr == "" {
		cfg.addr = clustertest.RedisAddr
	}
	if cfg.client == nil {
		clustertest.RequireRedis(t, cfg.addr)
		cfg.client = func() redis.UniversalClient { return redis.NewClient(&redis.Options{Addr: cfg.addr}) }
	}
	if cfg.opts.StreamName == "" {
		cfg.opts.StreamName = testKey(t)
		cfg.opts.ChannelPrefix = cfg.opts.StreamName
		cleanup := cfg.client()
		t.Cleanup(func() {
			ctx, cancel := context.WithTimeout(context.Background(), time.Second)
			defer cancel()
			_ = cleanup.Del(ctx, cfg.opts.StreamName).Err()
			_ = cleanup.Close()
		})
	}
	nodes := make([]*node, n)
	for i := range n {
		rdb := cfg.client()
		t.Cleanup(func() { _ = rdb.Close() })
		o := cfg.opts
		if o.Logger == nil {
			o.Logger = clustertest.Logger()
		}
		so := &socketio.Options{Adapter: New(rdb, &o)}
		if cfg.recovery {
			so.ConnectionStateRecovery = &socketio.RecoveryOptions{}
		}
		nodes[i] = clustertest.StartNode(t, i, rdb, so, cfg.setup)
	}
	clustertest.WaitServerCount(t, nodes, n)
	return nodes
}

func bg() context.Context { return context.Background() }
