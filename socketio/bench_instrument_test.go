package socketio

// BenchInstrument, when set (by admin_bench_test.go in the external test
// package, from GOSIO_BENCH_ADMIN), instruments each benchmark's server, so
// that the echo and broadcast figures can be taken with the Admin UI's
// instrumentation on. It returns what undoes it.
var BenchInstrument func(*Server) (stop func())

// benchInstrument applies BenchInstrument to io, if set.
func benchInstrument(tb interface{ Cleanup(func()) }, io *Server) {
	if BenchInstrument != nil {
		tb.Cleanup(BenchInstrument(io))
	}
}
