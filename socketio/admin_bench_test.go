package socketio_test

import (
	"os"

	"github.com/gosio/gosio/socketio"
	"github.com/gosio/gosio/socketio/admin"
)

// GOSIO_BENCH_ADMIN=development (or production) runs the package's
// benchmarks with the Admin UI's instrumentation on and no UI connected;
// GOSIO_BENCH_STATS=1 with the server's and the engine's counters on, as
// socketio/metrics turns them on (with the acknowledgement timing):
//
//	GOSIO_BENCH_ADMIN=development go test -run x -bench 'Echo|Broadcast' ./socketio/
func init() {
	mode := os.Getenv("GOSIO_BENCH_ADMIN")
	stats := os.Getenv("GOSIO_BENCH_STATS") != ""
	if mode == "" && !stats {
		return
	}
	socketio.BenchInstrument = func(io *socketio.Server) func() {
		if stats {
			io.Stats()
			io.Engine().Stats()
		}
		if mode == "" {
			return func() {}
		}
		a, err := admin.Instrument(io, admin.Options{NoAuth: true, Mode: admin.Mode(mode)})
		if err != nil {
			panic(err)
		}
		return func() { _ = a.Close() }
	}
}
