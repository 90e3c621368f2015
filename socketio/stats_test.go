package socketio

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

type event struct {
	kind, id string
	reason   DisconnectReason
	rooms    []string
}

type chanObserver chan event

func (o chanObserver) SocketConnected(s *Socket) {
	o <- event{kind: "connected", id: s.ID(), rooms: s.Rooms()}
}

func (o chanObserver) SocketDisconnected(s *Socket, r DisconnectReason) {
	o <- event{kind: "disconnected", id: s.ID(), reason: r, rooms: s.Rooms()}
}

func TestObserverAndStats(t *testing.T) {
	io, hs := startServer(t, &Options{Limits: Limits{
		MaxNamespaces: 1,
		EventRate:     &EventRateLimit{PerSecond: 0.001, Burst: 1, Policy: RateDrop},
	}})
	st := io.Stats()
	require.Same(t, st, io.Stats())
	obs := make(chanObserver, 8)
	stop := io.Observe(obs)
	io.OnConnection(func(s *Socket) {
		_ = s.Join("room")
		s.On("ev", func() {})
	})
	_ = io.Of("/other")

	c := dial(t, hs)
	id := c.connect("/", "")
	e := receive(t, obs)
	require.Equal(t, event{kind: "connected", id: id, rooms: []string{id}}, e, "before the handlers' rooms")

	c.send(`0/other,`)
	require.Contains(t, c.next(), `4/other,{"message":"Too many namespaces"}`)
	require.EqualValues(t, 1, st.NamespacesRefused.Load())

	c.send(`2["ev"]`)
	c.send(`2["ev"]`)
	require.Eventually(t, func() bool { return st.RateDropped.Load() == 1 }, 5*time.Second, time.Millisecond)

	c.close()
	e = receive(t, obs)
	require.Equal(t, event{kind: "disconnected", id: id, reason: ReasonTransportClose}, e, "after leaving the rooms")
	require.EqualValues(t, 1, st.Connects.Load())
	require.EqualValues(t, 1, st.Disconnects.Load())

	stop()
	c = dial(t, hs)
	c.connect("/", "")
	c.close()
	require.Eventually(t, func() bool { return st.Disconnects.Load() == 2 }, 5*time.Second, time.Millisecond)
	require.Empty(t, obs)
}
