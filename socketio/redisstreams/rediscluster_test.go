package redisstreams

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// The adapter on a Redis Cluster through go-redis's ClusterClient: three
// masters that scripts/ensure-redis-cluster.sh starts (make redis). The
// stream lives on its key's master; classic Pub/Sub crosses the bus,
// sharded Pub/Sub goes to each channel's master.

var redisClusterAddrs = []string{"127.0.0.1:30001", "127.0.0.1:30002", "127.0.0.1:30003"}

// requireRedisCluster skips (or, under CI=true, fails) when the cluster is
// not up.
func requireRedisCluster(t testing.TB) {
	t.Helper()
	c := redis.NewClient(&redis.Options{Addr: redisClusterAddrs[0], DialTimeout: time.Second})
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	info, err := c.ClusterInfo(ctx).Result()
	if err == nil && strings.Contains(info, "cluster_state:ok") {
		return
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("a Redis Cluster is required at %v (run `make redis`): %v %q", redisClusterAddrs, err, info)
	}
	t.Skipf("no Redis Cluster at %v (run `make redis`; under CI=true this fails): %v", redisClusterAddrs, err)
}

func clusterClient() redis.UniversalClient {
	return redis.NewClusterClient(&redis.ClusterOptions{Addrs: redisClusterAddrs})
}

func TestRedisCluster(t *testing.T) {
	requireRedisCluster(t)
	t.Run("Classic", func(t *testing.T) { clusterSuite(t, clusterClient, false) })
	t.Run("Sharded", func(t *testing.T) { clusterSuite(t, clusterClient, true) })
}
