package redisadapter

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// The adapters on a Redis Cluster through go-redis's ClusterClient: three
// masters that scripts/ensure-redis-cluster.sh starts (make redis). Classic
// Pub/Sub messages cross the cluster's bus; sharded ones go to the master of
// their channel's slot.

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

// TestRedisCluster runs the adapter and emitter suites on the cluster.
func TestRedisCluster(t *testing.T) {
	requireRedisCluster(t)
	for _, tc := range []struct {
		name    string
		suite   func(*testing.T, func() redis.UniversalClient, bool, SubscriptionMode)
		sharded bool
		mode    SubscriptionMode
	}{
		{"Classic", clusterSuiteOn, false, ""},
		{"ShardedStatic", clusterSuiteOn, true, Static},
		{"ShardedDynamic", clusterSuiteOn, true, Dynamic},
		{"Emitter", emitterSuiteOn, false, ""},
		{"EmitterShardedPrivate", emitterSuiteOn, true, DynamicPrivate},
	} {
		t.Run(tc.name, func(t *testing.T) { tc.suite(t, clusterClient, tc.sharded, tc.mode) })
	}
}
