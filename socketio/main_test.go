package socketio

import (
	"os"
	"testing"

	"go.uber.org/goleak"
)

// Every test in the package ends with no goroutine left behind. Run as
// BenchmarkBroadcast's client process, the binary runs those clients instead.
func TestMain(m *testing.M) {
	if spec := os.Getenv(broadcastClientsEnv); spec != "" {
		os.Exit(runBroadcastClients(spec))
	}
	goleak.VerifyTestMain(m)
}
