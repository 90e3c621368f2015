package socketio

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gobwas/ws"
	"github.com/gobwas/ws/wsutil"
	"github.com/stretchr/testify/require"
)

// recordLog is a slog.Handler that keeps every record, at every level.
type recordLog struct {
	mu      sync.Mutex
	records []logRecord
}

type logRecord struct {
	level slog.Level
	msg   string
	attrs map[string]string
}

func (h *recordLog) Enabled(context.Context, slog.Level) bool { return true }
func (h *recordLog) WithAttrs([]slog.Attr) slog.Handler       { return h }
func (h *recordLog) WithGroup(string) slog.Handler            { return h }

func (h *recordLog) Handle(_ context.Context, r slog.Record) error {
	rec := logRecord{level: r.Level, msg: r.Message, attrs: make(map[string]string)}
	r.Attrs(func(a slog.Attr) bool {
		rec.attrs[a.Key] = a.Value.String()
		return true
	})
	h.mu.Lock()
	h.records = append(h.records, rec)
	h.mu.Unlock()
	return nil
}

// find returns the records with message msg.
func (h *recordLog) find(msg string) []logRecord {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []logRecord
	for _, r := range h.records {
		if r.msg == msg {
			out = append(out, r)
		}
	}
	return out
}

func (h *recordLog) all() []logRecord {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]logRecord(nil), h.records...)
}

// TestLogAttributes follows one client through a connection over
// long-polling, its upgrade to WebSocket, some events and its hang-up, and
// checks that the log records of each step carry the same attributes
// (sid, socket, nsp, transport, address, reason) and that nothing is
// logged at Info or above along the way.
func TestLogAttributes(t *testing.T) {
	logs := &recordLog{}
	srv, hs := startServer(t, &Options{Logger: slog.New(logs)})
	events := make(chan string, 8)
	srv.OnConnection(func(s *Socket) {
		s.On("ev", func(v string) { events <- v })
	})
	base := hs.URL + "/socket.io/?EIO=4&transport=polling"
	open := pollGet(t, base)
	require.True(t, strings.HasPrefix(open, "0{"), open)
	var hello struct{ SID string }
	require.NoError(t, json.Unmarshal([]byte(open[1:]), &hello))
	sid := hello.SID
	resp, err := http.Post(base+"&sid="+sid, "text/plain", strings.NewReader("40"))
	require.NoError(t, err)
	_ = resp.Body.Close()
	connect := pollGet(t, base+"&sid="+sid)
	require.True(t, strings.HasPrefix(connect, "40{"), connect)
	var ack struct{ SID string }
	require.NoError(t, json.Unmarshal([]byte(connect[2:]), &ack))
	socketID := ack.SID

	conn, _, _, err := ws.Dial(context.Background(), "ws"+strings.TrimPrefix(hs.URL, "http")+"/socket.io/?EIO=4&transport=websocket&sid="+sid)
	require.NoError(t, err)
	require.NoError(t, wsutil.WriteClientText(conn, []byte("2probe")))
	b, err := wsutil.ReadServerText(conn)
	require.NoError(t, err)
	require.Equal(t, "3probe", string(b))
	require.NoError(t, wsutil.WriteClientText(conn, []byte("5")))
	for _, v := range []string{"a", "b", "c"} {
		require.NoError(t, wsutil.WriteClientText(conn, []byte(`42["ev","`+v+`"]`)))
		require.Equal(t, v, receive(t, events))
	}
	_ = conn.Close()
	require.Eventually(t, func() bool {
		return len(logs.find("engineio: session closed")) == 1 && len(logs.find("socketio: socket disconnected")) == 1
	}, 5*time.Second, time.Millisecond)

	one := func(msg string) map[string]string {
		t.Helper()
		rs := logs.find(msg)
		require.Len(t, rs, 1, msg)
		require.Equal(t, slog.LevelDebug, rs[0].level, msg)
		return rs[0].attrs
	}
	address := one("engineio: session opened")["address"]
	require.True(t, strings.HasPrefix(address, "127.0.0.1:"), address)
	require.Equal(t, map[string]string{"sid": sid, "transport": "polling", "protocol": "4", "address": address},
		one("engineio: session opened"))
	require.Equal(t, map[string]string{"nsp": "/", "socket": socketID, "sid": sid, "transport": "polling", "address": address},
		one("socketio: socket connected"))
	upgraded := one("engineio: session upgraded")
	require.Equal(t, sid, upgraded["sid"])
	require.Equal(t, "websocket", upgraded["transport"])
	require.True(t, strings.HasPrefix(upgraded["address"], "127.0.0.1:"), "the WebSocket's own connection")
	require.Equal(t, map[string]string{"nsp": "/", "socket": socketID, "sid": sid, "transport": "websocket", "reason": "transport close"},
		one("socketio: socket disconnected"))
	closed := one("engineio: session closed")
	require.Equal(t, sid, closed["sid"])
	require.Equal(t, "websocket", closed["transport"])
	require.Equal(t, "transport close", closed["reason"])

	for _, r := range logs.all() {
		require.Less(t, r.level, slog.LevelInfo, "nothing at Info or above on a quiet connection: %+v", r)
	}
}

// A client cannot make the server write a Warn line per message: the rate
// limit's warning comes once per socket, and arguments that do not decode
// are logged at Debug (a listener's own error stays at Warn).
func TestNoWarnPerMessage(t *testing.T) {
	logs := &recordLog{}
	srv, hs := startServer(t, &Options{Logger: slog.New(logs), Limits: Limits{
		EventRate: &EventRateLimit{PerSecond: 0.001, Burst: 1, Policy: RateWarn},
	}})
	st := srv.Stats()
	done := make(chan struct{}, 8)
	srv.OnConnection(func(s *Socket) {
		s.On("n", func(int) { done <- struct{}{} })
		s.On("fail", func() error { done <- struct{}{}; return io.ErrUnexpectedEOF })
	})
	c := dial(t, hs)
	c.connect("/", "")
	for range 4 {
		c.send(`2["n",1]`)
		receive(t, done)
	}
	require.EqualValues(t, 3, st.RateWarned.Load())
	count := func(msg string, level slog.Level) int {
		n := 0
		for _, r := range logs.find(msg) {
			if r.level == level {
				n++
			}
		}
		return n
	}
	require.Equal(t, 1, count("socketio: event rate exceeded", slog.LevelWarn))
	require.Equal(t, 2, count("socketio: event rate exceeded", slog.LevelDebug))

	c.send(`2["n","not a number"]`)
	c.send(`2["n","nor this"]`)
	c.send(`2["fail"]`)
	receive(t, done)
	require.Eventually(t, func() bool { return len(logs.find("socketio: unhandled socket error")) == 3 }, 5*time.Second, time.Millisecond)
	require.Equal(t, 2, count("socketio: unhandled socket error", slog.LevelDebug), "the client's bad arguments")
	require.Equal(t, 1, count("socketio: unhandled socket error", slog.LevelWarn), "the listener's error")
	c.close()
}
