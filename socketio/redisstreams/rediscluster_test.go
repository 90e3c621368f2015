package redisstreams

import (
	"testing"

	"github.com/gosio/gosio/internal/clustertest"
)

// The adapter on a Redis Cluster through go-redis's ClusterClient: three
// masters that scripts/ensure-redis-cluster.sh starts (make redis). The
// stream lives on its key's master; classic Pub/Sub crosses the bus,
// sharded Pub/Sub goes to each channel's master.

func TestRedisCluster(t *testing.T) {
	clustertest.RequireRedisCluster(t)
	t.Run("Classic", func(t *testing.T) { clusterSuite(t, clustertest.RedisClusterClient, false) })
	t.Run("Sharded", func(t *testing.T) { clusterSuite(t, clustertest.RedisClusterClient, true) })
}
