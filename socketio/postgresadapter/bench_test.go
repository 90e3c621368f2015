package postgresadapter

import (
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// BenchmarkBroadcastTwoNodes measures broadcast throughput through
// PostgreSQL: two servers with 50 WebSocket clients each; one server emits
// events to everyone, one after the other; the benchmark waits until every
// client has every message. msgs/s counts deliveries to clients, on both
// servers. "notify" events (~100 bytes) go inline; "attachment" events
// (9,000 bytes) go through the table (an INSERT, then a SELECT on the
// receiving server).
func BenchmarkBroadcastTwoNodes(b *testing.B) {
	b.Run("notify", func(b *testing.B) { benchBroadcast(b, 90) })
	b.Run("attachment", func(b *testing.B) { benchBroadcast(b, 9000) })
}

func benchBroadcast(b *testing.B, size int) {
	const perNode = 50
	nodes := startCluster(b, 2, cfg())
	clients := flat(connectAll(b, nodes, perNode, nil))
	var delivered atomic.Int64
	stop := make(chan struct{})
	for _, c := range clients {
		go func() {
			for {
				select {
				case p := <-c.In:
					if strings.HasPrefix(p, `2["b"`) {
						delivered.Add(1)
					}
				case <-stop:
					return
				}
			}
		}()
	}
	defer close(stop)
	payload := strings.Repeat("x", size)
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	for i := 0; i < b.N; i++ {
		if err := nodes[0].io.Emit("b", payload); err != nil {
			b.Fatal(err)
		}
	}
	want := int64(b.N * len(clients))
	deadline := time.Now().Add(time.Minute)
	for delivered.Load() < want {
		if time.Now().After(deadline) {
			b.Fatalf("delivered %d of %d", delivered.Load(), want)
		}
		time.Sleep(time.Millisecond) // polling a counter; nothing to await
	}
	b.StopTimer()
	b.ReportMetric(float64(want)/time.Since(start).Seconds(), "msgs/s")
}
