package redisadapter

import (
	"context"
	"net/http/httptest"
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

type node struct {
	io  *socketio.Server
	hs  *httptest.Server
	rdb redis.UniversalClient
}

func (n *node) Server() *socketio.Server  { return n.io }
func (n *node) HTTP() *httptest.Server    { return n.hs }
func (n *node) adapter() socketio.Adapter { return n.io.Of("/").Adapter() }

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
// clustertest.Serve).
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
		var setup func(*socketio.Server)
		if cfg.setup != nil {
			setup = func(io *socketio.Server) { cfg.setup(i, io) }
		}
		io, hs := clustertest.Serve(t, &socketio.Options{Adapter: factory}, setup)
		nodes[i] = &node{io: io, hs: hs, rdb: rdb}
	}
	clustertest.WaitServerCount(t, nodes, n)
	return nodes
}

func bg() context.Context { return context.Background() }
