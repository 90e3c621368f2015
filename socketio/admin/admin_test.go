package admin

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/bcrypt"

	"github.com/gosio/gosio/socketio"
)

func TestInstrumentOptions(t *testing.T) {
	io := socketio.NewServer(nil)
	defer func() { _ = io.Close() }()

	_, err := Instrument(io, Options{})
	require.ErrorContains(t, err, "NoAuth", "no authentication must be asked for")
	_, err = Instrument(io, Options{Auth: &BasicAuth{Username: "a", PasswordHash: "plain"}})
	require.ErrorContains(t, err, "bcrypt")
	_, err = Instrument(io, Options{NoAuth: true, Mode: "staging"})
	require.ErrorContains(t, err, "Mode")

	// A hash made by Node's bcryptjs ("$2a$") is accepted.
	a, err := Instrument(io, Options{Namespace: "ops", Auth: &BasicAuth{
		Username: "admin", PasswordHash: "$2a$10$heqvAkYMez.Va6Et2uXInOnkCT6/uQj1brkrbyG3LpopDklcq7ZOS",
	}})
	require.NoError(t, err)
	require.Equal(t, "/ops", a.Namespace().Name())
	require.Equal(t, []string{"EMIT", "JOIN", "LEAVE", "DISCONNECT", "MJOIN", "MLEAVE", "MDISCONNECT", "AGGREGATED_EVENTS", "ALL_EVENTS"}, a.features)
	require.NoError(t, a.Close())
	require.NoError(t, a.Close(), "Close twice")

	a, err = Instrument(io, Options{Namespace: "/ro", NoAuth: true, ReadOnly: true, Mode: Production})
	require.NoError(t, err)
	require.Equal(t, []string{"AGGREGATED_EVENTS"}, a.features)
	require.NoError(t, a.Close())
}

func TestBcryptHashOfNode(t *testing.T) {
	// A bcryptjs hash of "changeit" (bcryptjs.compareSync agrees).
	hash := "$2a$10$heqvAkYMez.Va6Et2uXInOnkCT6/uQj1brkrbyG3LpopDklcq7ZOS"
	require.NoError(t, bcrypt.CompareHashAndPassword([]byte(hash), []byte("changeit")))
}

func TestMemorySessionsExpire(t *testing.T) {
	m := NewMemorySessions(50 * time.Millisecond)
	m.Save("a")
	require.True(t, m.Exists("a"))
	require.False(t, m.Exists("b"))
	require.Eventually(t, func() bool { return !m.Exists("a") }, time.Second, 5*time.Millisecond)
	m.Save("c") // forgets a
	m.mu.Lock()
	require.Len(t, m.ids, 1)
	m.mu.Unlock()
}

func TestSplitDataOfNodeSockets(t *testing.T) {
	data, cid, tr := splitData(map[string]any{"user": "ann", "_admin": map[string]any{"clientId": "abc", "transport": "websocket"}})
	require.Equal(t, map[string]any{"user": "ann"}, data)
	require.Equal(t, "abc", cid)
	require.Equal(t, "websocket", tr)
	data, _, _ = splitData(nil)
	require.Equal(t, map[string]any{}, data)
	data, _, _ = splitData("x")
	require.Equal(t, "x", data)
}

func TestStatsAggregatesPerSecond(t *testing.T) {
	io := socketio.NewServer(nil)
	defer func() { _ = io.Close() }()
	c := newStatsCollector(io)
	st := io.Engine().Stats()
	st.Handshakes.Add(2)
	st.BytesIn.Add(100)
	c.SessionClosed(nil, "ping timeout")
	c.SessionClosed(nil, "ping timeout")
	c.SessionClosed(nil, "transport close")
	now := time.UnixMilli(1_700_000_001_500)
	c.sample(now)
	sec := int64(1_700_000_000_000)
	require.Equal(t, []aggregatedEvent{
		{sec, "rawConnection", "", 2},
		{sec, "bytesIn", "", 100},
		{sec, "rawDisconnection", "ping timeout", 2},
		{sec, "rawDisconnection", "transport close", 1},
	}, c.drain())
	c.sample(now.Add(time.Second))
	require.Equal(t, []aggregatedEvent{}, c.drain(), "nothing new")
}
