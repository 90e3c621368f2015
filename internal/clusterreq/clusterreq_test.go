package clusterreq

import (
	"context"
	"errors"
	"log/slog"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/gosio/gosio/socketio"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

var (
	errClosed  = errors.New("closed")
	errTimeout = errors.New("timeout")
)

func newTable(t *testing.T, timeout time.Duration) (*Table, context.CancelFunc) {
	ctx, cancel := context.WithCancel(context.Background())
	tb := NewTable(ctx, timeout, slog.New(slog.DiscardHandler), "test", errClosed, errTimeout)
	t.Cleanup(func() { tb.Shutdown(); cancel(); tb.WG.Wait() })
	return tb, cancel
}

// A round trip ends when the expected answers have counted; answers that
// do not count, or come for another id, change nothing.
func TestRoundTrip(t *testing.T) {
	tb, _ := newTable(t, 5*time.Second)
	r := NewRequest(7, 2)
	done := make(chan error, 1)
	go func() {
		done <- tb.RoundTrip(context.Background(), "id", r, "test", func() error {
			go func() {
				tb.Answer("other", func(*Request) bool { t.Error("wrong request"); return true })
				tb.Answer("id", func(r *Request) bool { return false })
				tb.Answer("id", func(r *Request) bool { r.Sockets = append(r.Sockets, &socketio.RemoteSocket{ID: "a"}); return true })
				tb.Answer("id", func(r *Request) bool { r.Sockets = append(r.Sockets, &socketio.RemoteSocket{ID: "b"}); return true })
			}()
			return nil
		})
	}()
	require.NoError(t, <-done)
	tb.Locked(func() { assert.Len(t, r.Sockets, 2) })
	assert.Equal(t, 2, r.Got)
	assert.False(t, tb.Has("id"))
}

// Missing answers end the wait at the timeout, with the count in the error.
func TestRoundTripTimeout(t *testing.T) {
	tb, _ := newTable(t, 50*time.Millisecond)
	r := NewRequest(1, 3)
	err := tb.RoundTrip(context.Background(), "id", r, "fetch", func() error {
		tb.Answer("id", func(*Request) bool { return true })
		return nil
	})
	require.ErrorIs(t, err, errTimeout)
	assert.Contains(t, err.Error(), "1 of 3")
	assert.False(t, tb.Has("id"))

	// A failed publish unregisters at once.
	boom := errors.New("boom")
	assert.ErrorIs(t, tb.RoundTrip(context.Background(), "id2", NewRequest(1, 1), "x", func() error { return boom }), boom)
	assert.False(t, tb.Has("id2"))
}

// Shutdown: waiting requests end with the closed error once the adapter's
// context ends, new ones are refused, nothing more is spawned.
func TestShutdown(t *testing.T) {
	tb, cancel := newTable(t, 5*time.Second)
	waiting := make(chan error, 1)
	require.NoError(t, tb.Start("bg", NewRequest(1, 1), "x", func() error { return nil }))
	go func() {
		waiting <- tb.RoundTrip(context.Background(), "id", NewRequest(1, 1), "x", func() error { return nil })
	}()
	require.Eventually(t, func() bool { return tb.Has("id") }, time.Second, time.Millisecond)
	assert.True(t, tb.Shutdown())
	assert.False(t, tb.Shutdown())
	cancel()
	assert.ErrorIs(t, <-waiting, errClosed)
	assert.ErrorIs(t, tb.Register("new", NewRequest(1, 1)), errClosed)
	assert.ErrorIs(t, tb.RegisterAck(context.Background(), "a", func(int) {}, func(socketio.Response) {}), errClosed)
	assert.False(t, tb.Spawn(func() { t.Error("spawned after shutdown") }))
	tb.WG.Wait()
}

// A broadcast's acknowledgement callbacks stay until its context ends.
func TestAcks(t *testing.T) {
	tb, _ := newTable(t, time.Second)
	ctx, cancel := context.WithCancel(context.Background())
	n := 0
	require.NoError(t, tb.RegisterAck(ctx, "b", func(c int) { n += c }, nil))
	tb.Ack("b").Expect(2)
	assert.Equal(t, 2, n)
	cancel()
	require.Eventually(t, func() bool { return tb.Ack("b") == nil }, time.Second, time.Millisecond)
	require.NoError(t, tb.RegisterAck(context.Background(), "c", nil, nil))
	tb.DropAck("c")
	assert.Nil(t, tb.Ack("c"))
}

// Bounded contexts end with the timeout, or with the adapter.
func TestBounded(t *testing.T) {
	tb, cancel := newTable(t, 20*time.Millisecond)
	ctx, stop := tb.Bounded(context.Background())
	<-ctx.Done()
	stop()
	ctx, stop = (&Table{ctx: tb.ctx, timeout: time.Hour}).Bounded(context.Background())
	defer stop()
	cancel()
	<-ctx.Done()
}
