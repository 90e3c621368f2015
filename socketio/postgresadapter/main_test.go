package postgresadapter

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

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/gosio/gosio/internal/siotest"
	"github.com/gosio/gosio/socketio"
)

// Every test in the package ends with no goroutine left behind: the
// listener, the cleanup and heartbeat loops and the pools included.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// testLogger keeps the adapters' warnings out of the output unless -v.
func testLogger() *slog.Logger {
	if testing.Verbose() {
		return slog.Default()
	}
	return slog.New(slog.DiscardHandler)
}

// pgURL is the shared test database (scripts/ensure-postgres.sh starts it).
func pgURL() string {
	if u := os.Getenv("GOSIO_PG_URL"); u != "" {
		return u
	}
	return "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"
}

const testTable = "gosio_test_attachments"

// requirePostgres skips (or, under CI=true, fails) when no PostgreSQL
// answers at the test database's address.
func requirePostgres(t testing.TB) {
	t.Helper()
	addr := "127.0.0.1:5432"
	if u := os.Getenv("GOSIO_PG_URL"); u != "" {
		cfg, err := pgxpool.ParseConfig(u)
		require.NoError(t, err)
		addr = fmt.Sprintf("%s:%d", cfg.ConnConfig.Host, cfg.ConnConfig.Port)
	}
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err == nil {
		_ = c.Close()
		return
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("PostgreSQL is required at %s (run scripts/ensure-postgres.sh): %v", addr, err)
	}
	t.Skipf("no PostgreSQL at %s (run scripts/ensure-postgres.sh; under CI=true this fails): %v", addr, err)
}

// newPool opens a pool on url, closed when the test ends, and makes sure
// the attachment table exists.
func newPool(t testing.TB, url string) *pgxpool.Pool {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	pool, err := pgxpool.New(ctx, url)
	require.NoError(t, err)
	t.Cleanup(pool.Close)
	require.NoError(t, CreateTable(ctx, pool, testTable))
	return pool
}

var prefixSeq atomic.Int64

// testPrefix returns a channel prefix no other test uses, short enough
// for PostgreSQL's 63-byte channel names.
func testPrefix(testing.TB) string {
	return fmt.Sprintf("gosio-test-%d-%d", os.Getpid(), prefixSeq.Add(1))
}

type node struct {
	io   *socketio.Server
	hs   *httptest.Server
	pool *pgxpool.Pool
}

func (n *node) adapter() socketio.Adapter { return n.io.Of("/").Adapter() }

type clusterConfig struct {
	url   string
	opts  Options
	setup func(i int, io *socketio.Server)
}

// startCluster starts n servers on one database, each with its own pool
// and behind httptest. Each socket joins the rooms listed in its query
// (?rooms=a,b) and stores its "data" query value as its data.
func startCluster(t testing.TB, n int, cfg clusterConfig) []*node {
	t.Helper()
	if cfg.url == "" {
		requirePostgres(t)
		cfg.url = pgURL()
	}
	if cfg.opts.ChannelPrefix == "" {
		cfg.opts.ChannelPrefix = testPrefix(t)
	}
	if cfg.opts.TableName == "" {
		cfg.opts.TableName = testTable
	}
	nodes := make([]*node, n)
	for i := range n {
		nodes[i] = startNode(t, i, cfg)
	}
	waitServerCount(t, nodes, n)
	return nodes
}

func startNode(t testing.TB, i int, cfg clusterConfig) *node {
	t.Helper()
	pool := newPool(t, cfg.url)
	o := cfg.opts
	if o.Logger == nil {
		o.Logger = testLogger()
	}
	io := socketio.NewServer(&socketio.Options{Adapter: New(pool, &o), Logger: o.Logger})
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
	nd := &node{io: io, hs: hs, pool: pool}
	t.Cleanup(func() {
		hs.CloseClientConnections()
		hs.Close()
		_ = io.Close()
	})
	return nd
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
	}, 15*time.Second, 20*time.Millisecond)
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

func bg() context.Context { return context.Background() }
