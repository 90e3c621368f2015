package socketio

import (
	"bytes"
	"log/slog"
	"strings"
	"sync"
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
	require.Eventually(t, func() bool { return io.Drops().RateLimited == 1 }, 5*time.Second, time.Millisecond)

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

// lockedBuffer is a log sink safe for the server's goroutines.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func TestLifecycleLogsAtDebugWithCommonAttributes(t *testing.T) {
	var buf lockedBuffer
	logger := slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	io, hs := startServer(t, &Options{Logger: logger})
	c := dial(t, hs)
	id := c.connect("/", "")
	c.close()
	want := []string{
		`"msg":"engineio: session opened","sid":"`,
		`"transport":"websocket","protocol":4,"address":"127.0.0.1:`,
		`"msg":"socketio: socket connected","nsp":"/","socket":"` + id + `","sid":"`,
		`"msg":"socketio: socket disconnected","nsp":"/","socket":"` + id + `","sid":"`,
		`"reason":"transport close"`,
	}
	require.Eventually(t, func() bool {
		for _, w := range want {
			if !strings.Contains(buf.String(), w) {
				return false
			}
		}
		return true
	}, 5*time.Second, time.Millisecond, "log: %s", &buf)
	_ = io
}
