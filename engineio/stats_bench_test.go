package engineio

import "testing"

// BenchmarkStatsCount is what counting adds to each message sent or
// received, off (a nil check) and on (two atomic adds), from every core at
// once as under load, where the counters' cache line is shared.
func BenchmarkStatsCount(b *testing.B) {
	for _, on := range []bool{false, true} {
		name := "off"
		if on {
			name = "on"
		}
		b.Run(name, func(b *testing.B) {
			srv := NewServer(newRecHandler(), nil)
			defer func() { _ = srv.Close() }()
			if on {
				srv.Stats()
			}
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					srv.countOut(1, 100)
				}
			})
		})
	}
}
