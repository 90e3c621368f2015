package hostile

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain checks that the attackers, the prober and the target's pipes
// leave no goroutine behind.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
