package socketio

import (
	"log/slog"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// With the in-memory adapter, the server numbers the events and keeps the
// sessions itself, as before SessionAdapter existed: a client that comes
// back with {pid, offset} recovers its id, rooms and missed events.
func TestMemoryRecovery(t *testing.T) {
	io, hs := startServer(t, &Options{ConnectionStateRecovery: &RecoveryOptions{}, Logger: slog.New(slog.DiscardHandler)})
	require.Nil(t, io.Of("/").sessions)
	got := make(chan *Socket, 2)
	gone := make(chan struct{}, 2)
	io.OnConnection(func(s *Socket) {
		// The session is saved before the disconnect listeners run.
		s.On("disconnect", func(string) { gone <- struct{}{} })
		if !s.Recovered() {
			_ = s.Join("room1")
		}
		_ = s.Emit("welcome")
		got <- s
	})
	c := dial(t, hs)
	c.send("0")
	sid, pid := readConnect(t, c)
	receive(t, got)
	welcome := nextEvent(t, c)
	offset := welcome[len(welcome)-1].(string)
	require.True(t, strings.HasPrefix(offset, io.recovery.epoch+"-"), offset)
	c.close()
	receive(t, gone)
	io.recovery.mu.Lock()
	require.NotNil(t, io.recovery.sessions[pid])
	io.recovery.mu.Unlock()

	require.NoError(t, io.To("room1").Emit("a"))
	require.NoError(t, io.To("room2").Emit("other-room"))
	require.NoError(t, io.Emit("b"))

	c2 := dial(t, hs)
	c2.send(`0{"pid":"` + pid + `","offset":"` + offset + `"}`)
	sid2, _ := readConnect(t, c2)
	require.Equal(t, sid, sid2)
	s := receive(t, got)
	require.True(t, s.Recovered())
	require.Equal(t, "a", nextEvent(t, c2)[0])
	require.Equal(t, "b", nextEvent(t, c2)[0])
	require.Equal(t, "welcome", nextEvent(t, c2)[0])
}
