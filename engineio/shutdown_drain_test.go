package engineio

import (
	"context"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type closeTimes struct{ at chan time.Time }

func (closeTimes) OnOpen(*Session)                  {}
func (closeTimes) OnMessage(*Session, bool, []byte) {}
func (c closeTimes) OnClose(*Session, CloseReason, error) {
	c.at <- time.Now()
}

// Shutdown with a DrainWindow tells sessions to go one after another, not
// all at the same instant.
func TestShutdownSpreadsClosesOverDrainWindow(t *testing.T) {
	h := closeTimes{at: make(chan time.Time, 8)}
	srv := NewServer(h, &Options{DrainWindow: 400 * time.Millisecond})
	hs := httptest.NewServer(srv)
	defer hs.Close()
	const n = 4
	for range n {
		code, _ := handshakeStatus(t, hs.URL)
		require.Equal(t, 200, code)
	}
	start := time.Now()
	// No client polls, so each session ends when its close packet would
	// have been sent: once its turn in the window comes and its grace
	// period lapses. A short grace period makes that prompt.
	srv.opts.PingInterval, srv.opts.PingTimeout = 10*time.Millisecond, 10*time.Millisecond
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	require.NoError(t, srv.Shutdown(ctx))
	var last time.Time
	for range n {
		last = <-h.at
	}
	assert.GreaterOrEqual(t, last.Sub(start), 250*time.Millisecond, "closes were spread over the window")
	assert.Less(t, last.Sub(start), 5*time.Second)
}
