package engineio

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain checks, after every test, benchmark and example of the package has
// run, that no goroutine is left behind: the engine's readers, writers,
// OnClose calls and timers must all have ended once the servers are closed.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
