package main

import (
	"testing"

	"go.uber.org/goleak"
)

// Every test ends with no goroutine left behind (the cluster link's
// subscriber included).
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }
