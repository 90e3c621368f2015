package socketio_test

import (
	"os"

	"github.com/gosio/gosio/socketio"
	"github.com/gosio/gosio/socketio/admin"
)

// GOSIO_BENCH_ADMIN=development (or production) runs the package's
// benchmarks with the Admin UI's instrumentation on and no UI connected:
//
//	GOSIO_BENCH_ADMIN=development go test -run x -bench 'Echo|Broadcast' ./socketio/
func init() {
	mode := os.Getenv("GOSIO_BENCH_ADMIN")
	if mode == "" {
		return
	}
	socketio.BenchInstrument = func(io *socketio.Server) func() {
		a, err := admin.Instrument(io, admin.Options{NoAuth: true, Mode: admin.Mode(mode)})
		if err != nil {
			panic(err)
		}
		return func() { _ = a.Close() }
	}
}
