package postgresadapter

import (
	"context"
	"fmt"
	"os"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/gosio/gosio/internal/clustertest"
	"github.com/gosio/gosio/socketio"
)

// Every test in the package ends with no goroutine left behind: the
// listener, the cleanup and heartbeat loops and the pools included.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
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
	clustertest.RequireTCP(t, addr, "PostgreSQL", "scripts/ensure-postgres.sh")
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

// node is a server and its pool.
type node = clustertest.Node[*pgxpool.Pool]

type clusterConfig struct {
	url   string
	opts  Options
	setup func(i int, io *socketio.Server)
}

// startCluster starts n servers on one database, each with its own pool
// and behind httptest (see clustertest.StartNode).
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
	clustertest.WaitServerCount(t, nodes, n)
	return nodes
}

func startNode(t testing.TB, i int, cfg clusterConfig) *node {
	t.Helper()
	pool := newPool(t, cfg.url)
	o := cfg.opts
	if o.Logger == nil {
		o.Logger = clustertest.Logger()
	}
	return clustertest.StartNode(t, i, pool, &socketio.Options{Adapter: New(pool, &o), Logger: o.Logger}, cfg.setup)
}

func bg() context.Context { return context.Background() }
