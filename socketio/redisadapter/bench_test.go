package redisadapter

import (
	"testing"

	"github.com/gosio/gosio/internal/clustertest"
)

// BenchmarkBroadcastTwoNodes measures broadcast throughput through Redis:
// two servers with 50 WebSocket clients each; one server emits ~100-byte
// events to everyone; the benchmark waits until every client has every
// message. msgs/s counts deliveries to clients, on both servers.
func BenchmarkBroadcastTwoNodes(b *testing.B) {
	nodes := startCluster(b, 2, clusterConfig{opts: Options{}})
	clustertest.BenchBroadcast(b, nodes, 50, 90)
}
