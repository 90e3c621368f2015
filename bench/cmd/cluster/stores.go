package main

import (
	"context"
	"fmt"
	"os/exec"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// adapterSpec is what the orchestrator knows of an adapter: the store it
// needs. The servers (bench/servers/gosio-cluster, bench/node/cluster-server.js)
// know it by the same name.
type adapterSpec struct {
	name  string
	store string // "redis" or "postgres"
	label string // for the report
}

// allAdapters in report order. Adding an adapter: a registration in
// servers/gosio-cluster (adapter_<store>.go), an entry in
// node/cluster-server.js, and a line here.
var allAdapters = []adapterSpec{
	{"pubsub", "redis", "Redis Pub/Sub (redisadapter.New · @socket.io/redis-adapter)"},
	{"sharded", "redis", "Redis sharded Pub/Sub (redisadapter.NewSharded · createShardedAdapter)"},
	{"streams", "redis", "Redis Streams (redisstreams · @socket.io/redis-streams-adapter)"},
	{"postgres", "postgres", "PostgreSQL (postgresadapter · @socket.io/postgres-adapter)"},
}

func specOf(name string) (adapterSpec, bool) {
	for _, a := range allAdapters {
		if a.name == name {
			return a, true
		}
	}
	return adapterSpec{}, false
}

// stores reaches Redis and PostgreSQL for the runs' preparation and
// clean-up: every run has its own prefix, and what it leaves in the store
// (a Streams adapter's stream and sessions) is deleted after it.
type stores struct {
	rdb *redis.Client
	pg  string
}

func openStores(ctx context.Context, o opts, need map[string]bool) (*stores, error) {
	s := &stores{pg: o.pg}
	if need["redis"] {
		s.rdb = redis.NewClient(&redis.Options{Addr: o.redis})
		pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		if err := s.rdb.Ping(pctx).Err(); err != nil {
			return nil, fmt.Errorf("redis at %s: %w (bench/cluster.sh starts it)", o.redis, err)
		}
	}
	if need["postgres"] {
		// The attachment table both runtimes' adapters use for payloads over
		// NOTIFY's limit (none here, but the adapters' clean-up queries it).
		q := "CREATE TABLE IF NOT EXISTS " + o.table + " (id bigserial UNIQUE, created_at timestamptz DEFAULT NOW(), payload bytea)"
		if err := s.psql(ctx, q); err != nil {
			return nil, fmt.Errorf("postgres at %s: %w (bench/cluster.sh starts it)", o.pg, err)
		}
	}
	return s, nil
}

func (s *stores) psql(ctx context.Context, q string) error {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, "psql", s.pg, "-q", "-v", "ON_ERROR_STOP=1", "-c", q).CombinedOutput()
	if err != nil {
		return fmt.Errorf("psql: %v: %s", err, strings.TrimSpace(string(out)))
	}
	return nil
}

// cleanup deletes the keys a run left in Redis under its prefix.
func (s *stores) cleanup(ctx context.Context, prefix string) error {
	if s.rdb == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	var keys []string
	it := s.rdb.Scan(ctx, 0, prefix+"*", 1000).Iterator()
	for it.Next(ctx) {
		keys = append(keys, it.Val())
	}
	if err := it.Err(); err != nil {
		return err
	}
	if len(keys) == 0 {
		return nil
	}
	return s.rdb.Del(ctx, keys...).Err()
}

func (s *stores) close() {
	if s.rdb != nil {
		_ = s.rdb.Close()
	}
}
