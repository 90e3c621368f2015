package postgresadapter

import (
	"testing"

	"github.com/gosio/gosio/internal/clustertest"
)

// BenchmarkBroadcastTwoNodes measures broadcast throughput through
// PostgreSQL: two servers with 50 WebSocket clients each; one server emits
// events to everyone, one after the other; the benchmark waits until every
// client has every message. msgs/s counts deliveries to clients, on both
// servers. "notify" events (~100 bytes) go inline; "attachment" events
// (9,000 bytes) go through the table (an INSERT, then a SELECT on the
// receiving server).
func BenchmarkBroadcastTwoNodes(b *testing.B) {
	b.Run("notify", func(b *testing.B) { clustertest.BenchBroadcast(b, startCluster(b, 2, cfg()), 50, 90) })
	b.Run("attachment", func(b *testing.B) { clustertest.BenchBroadcast(b, startCluster(b, 2, cfg()), 50, 9000) })
}
