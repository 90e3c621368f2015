package redisadapter

import (
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/gosio/gosio/internal/clustertest"
)

// The adapters on a Redis Cluster through go-redis's ClusterClient: three
// masters that scripts/ensure-redis-cluster.sh starts (make redis). Classic
// Pub/Sub messages cross the cluster's bus; sharded ones go to the master of
// their channel's slot.

// TestRedisCluster runs the adapter and emitter suites on the cluster.
func TestRedisCluster(t *testing.T) {
	clustertest.RequireRedisCluster(t)
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
		t.Run(tc.name, func(t *testing.T) { tc.suite(t, clustertest.RedisClusterClient, tc.sharded, tc.mode) })
	}
}
