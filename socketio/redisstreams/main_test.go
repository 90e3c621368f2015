package redisstreams

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
	"go.uber.org/goleak"

	"github.com/gosio/gosio/internal/siotest"
	"github.com/gosio/gosio/socketio"
)

// Every test in the package ends with no goroutine left behind: the stream
// readers, the Pub/Sub loops and the handlers included.
func TestMain(m *testing.M) {
	// go-redis reports reconnections on its own logger; the fault tests
	// provoke many.
	redis.SetLogger(quietLogger{})
	goleak.VerifyTestMain(m)
}

type quietLogger struct{}

func (quietLogger) Printf(context.Context, string, ...any) {}

// testLogger keeps the adapters' warnings out of the output unless -v.
func testLogger() *slog.Logger {
	if testing.Verbose() {
		return slog.Default()
	}
	return slog.New(slog.DiscardHandler)
}

const redisAddr = "127.0.0.1:6379"

// requireRedis skips (or, under CI=true, fails) when no Redis answers.
func requireRedis(t testing.TB, addr string) {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err == nil {
		_ = c.Close()
		return
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("Redis is required at %s (run `make redis`): %v", addr, err)
	}
	t.Skipf("no Redis at %s (run `make redis`; under CI=true this fails): %v", addr, err)
}

var keySeq atomic.Int64

// testKey returns a stream name and channel prefix no other test uses.
func testKey(t testing.TB) string {
	return fmt.Sprintf("gosio-streams-test-%d-%s-%d", os.Getpid(), strings.ReplaceAll(t.Name(), "/", "_"), keySeq.Add(1))
}

type node struct {
	io  *socketio.Server
	hs  *httptest.Server
	rdb redis.UniversalClient
}

func (n *node) adapter() *Adapter { return n.io.Of("/").Adapter().(*Adapter) }

type clusterConfig struct {
	addr string
	// client, if set, makes each server's Redis client; otherwise each
	// gets a Client of addr.
	client func() redis.UniversalClient
	opts   Options
	setup  func(i int, io *socketio.Server)
}

// startCluster starts n servers on one Redis, each behind httptest. Each
// socket joins the rooms listed in its query (?rooms=a,b) and stores its
// "data" query value as its data. The stream is deleted at the end.
func startCluster(t testing.TB, n int, cfg clusterConfig) []*node {
	t.Helper()
	if cfg.addr == "" {
		cfg.addr = redisAddr
	}
	if cfg.client == nil {
		requireRedis(t, cfg.addr)
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
		o := cfg.opts
		if o.Logger == nil {
			o.Logger = testLogger()
		}
		io := socketio.NewServer(&socketio.Options{Adapter: New(rdb, &o)})
		io.OnConnection(func(s *socketio.Socket) {
			if rooms := s.Handshake().Query.Get("rooms"); rooms != "" {
				s.Join(strings.Split(rooms, ",")...)
			}
			if d := s.Handshake().Query.Get("data"); d != "" {
				s.SetData(map[string]any{"tag": d})
			}
		})
		if cfg.setup != nil {
			cfg.setup(i, io)
		}
		hs := httptest.NewServer(io)
		nd := &node{io: io, hs: hs, rdb: rdb}
		nodes[i] = nd
		t.Cleanup(func() {
			hs.CloseClientConnections()
			hs.Close()
			_ = io.Close()
			_ = rdb.Close()
		})
	}
	waitServerCount(t, nodes, n)
	return nodes
}

// waitServerCount waits until every node counts want servers.
func waitServerCount(t testing.TB, nodes []*node, want int) {
	t.Helper()
	require.Eventually(t, func() bool {
		for _, nd := range nodes {
			got, err := nd.adapter().ServerCount(context.Background())
			if err != nil || got != want {
				return false
			}
		}
		return true
	}, 10*time.Second, 20*time.Millisecond)
}

// connectAll connects per clients to each node, with query q(i, j).
func connectAll(t testing.TB, nodes []*node, per int, q func(i, j int) string) [][]*siotest.Client {
	t.Helper()
	out := make([][]*siotest.Client, len(nodes))
	for i, nd := range nodes {
		for j := range per {
			query := ""
			if q != nil {
				query = q(i, j)
			}
			c := siotest.Dial(t, nd.hs, query)
			c.Connect("")
			out[i] = append(out[i], c)
		}
	}
	return out
}

func flat(cs [][]*siotest.Client) []*siotest.Client {
	var out []*siotest.Client
	for _, row := range cs {
		out = append(out, row...)
	}
	return out
}

func bg() context.Context { return context.Background() }
