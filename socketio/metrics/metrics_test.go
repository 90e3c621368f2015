package metrics

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gobwas/ws"
	"github.com/gobwas/ws/wsutil"
	"github.com/stretchr/testify/require"

	"github.com/gosio/gosio/socketio"
)

// scrape fetches url and returns each sample's value by "name{labels}".
func scrape(t *testing.T, url string) map[string]float64 {
	t.Helper()
	resp, err := http.Get(url)
	require.NoError(t, err)
	defer func() { _ = resp.Body.Close() }()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	out := make(map[string]float64)
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		line := sc.Text()
		if !strings.HasPrefix(line, "gosio_") {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		v, err := strconv.ParseFloat(line[i+1:], 64)
		require.NoError(t, err, line)
		out[line[:i]] = v
	}
	require.NoError(t, sc.Err())
	return out
}

// TestScrapeAddsUp runs known traffic through a server and checks that the
// scraped counters add up to it, byte for byte.
func TestScrapeAddsUp(t *testing.T) {
	srv := socketio.NewServer(&socketio.Options{Limits: socketio.Limits{MaxNamespaces: 1}})
	defer func() { _ = srv.Close() }()
	srv.OnConnection(func(s *socketio.Socket) {
		s.On("ev", func(v string) { _ = s.Emit("ev", v) })
		s.On("ask", func(v string, ack socketio.Ack) { _ = ack(v) })
	})
	mux := http.NewServeMux()
	mux.Handle("/socket.io/", srv)
	mux.Handle("/metrics", Handler(srv))
	hs := httptest.NewServer(mux)
	defer hs.Close()
	metricsURL := hs.URL + "/metrics"

	before := scrape(t, metricsURL)
	require.Equal(t, 0.0, before["gosio_engine_handshakes_total"])
	require.Equal(t, 0.0, before[`gosio_sockets{namespace="/"}`])

	conn, br, _, err := ws.Dial(context.Background(), "ws"+strings.TrimPrefix(hs.URL, "http")+"/socket.io/?EIO=4&transport=websocket")
	require.NoError(t, err)
	defer func() { _ = conn.Close() }()
	_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
	// What came with the handshake's response (the OPEN packet) is in br.
	var rw io.ReadWriter = conn
	if br != nil {
		rw = struct {
			io.Reader
			io.Writer
		}{io.MultiReader(br, conn), conn}
	}
	read := func() string {
		t.Helper()
		b, err := wsutil.ReadServerText(rw)
		require.NoError(t, err)
		return string(b)
	}
	var inBytes, outBytes int
	send := func(msg string) { // a message packet: '4' and its payload
		t.Helper()
		require.NoError(t, wsutil.WriteClientText(conn, []byte("4"+msg)))
		inBytes += len(msg)
	}
	recv := func() string {
		t.Helper()
		f := read()
		for f == "2" { // a ping: control packets are not counted
			require.NoError(t, wsutil.WriteClientText(conn, []byte("3")))
			f = read()
		}
		require.Equal(t, byte('4'), f[0], f)
		outBytes += len(f) - 1
		return f[1:]
	}
	require.True(t, strings.HasPrefix(read(), "0{"), "OPEN")
	send("0")
	require.True(t, strings.HasPrefix(recv(), "0{"), "CONNECT")
	const events = 5
	for i := 0; i < events; i++ {
		send(`2["ev","hello ` + strconv.Itoa(i) + `"]`)
		require.Equal(t, `2["ev","hello `+strconv.Itoa(i)+`"]`, recv())
	}
	require.NoError(t, srv.Emit("news", 1)) // one broadcast to one socket
	require.Equal(t, `2["news",1]`, recv())
	send("0/other,") // refused by MaxNamespaces
	require.Contains(t, recv(), "Too many namespaces")
	// One acknowledgement each way.
	send(`21["ask","q"]`)
	require.Equal(t, `31["q"]`, recv())
	answered := make(chan error, 1)
	go func() {
		_, err := srv.Of("/").Sockets()[0].EmitWithAck(context.Background(), "ping?")
		answered <- err
	}()
	require.Equal(t, `20["ping?"]`, recv()) // the namespace's first ack id is 0
	send(`30["pong"]`)
	require.NoError(t, <-answered)
	const acks = 1

	m := scrape(t, metricsURL)
	require.Equal(t, 1.0, m["gosio_engine_handshakes_total"])
	require.Equal(t, 0.0, m["gosio_engine_upgrades_total"])
	require.Equal(t, 1.0, m[`gosio_engine_sessions{protocol="4",transport="websocket"}`])
	require.Equal(t, 0.0, m[`gosio_engine_sessions{protocol="4",transport="polling"}`])
	require.Equal(t, 1.0, m[`gosio_sockets{namespace="/"}`])
	require.Equal(t, 1.0, m["gosio_socket_connects_total"])
	require.Equal(t, float64(events+2+2*acks), m["gosio_engine_messages_received_total"], "CONNECT, events, refused CONNECT, acked event, ack")
	require.Equal(t, float64(events+3+2*acks), m["gosio_engine_messages_sent_total"], "CONNECT, echoes, broadcast, refusal, ack, acked event")
	require.Equal(t, float64(acks), m["gosio_ack_reply_seconds_count"])
	require.Equal(t, float64(acks), m["gosio_ack_round_trip_seconds_count"])
	require.Equal(t, float64(acks), m[`gosio_ack_round_trip_seconds_bucket{le="+Inf"}`])
	require.Greater(t, m["gosio_ack_round_trip_seconds_sum"], 0.0)
	require.Less(t, m["gosio_ack_round_trip_seconds_sum"], 10.0)
	require.Equal(t, 1.0, m["gosio_broadcasts_total"])
	require.Equal(t, 1.0, m["gosio_broadcast_recipients_total"])
	require.Equal(t, 0.0, m[`gosio_engine_queued_messages{protocol="4",transport="websocket"}`])
	require.Equal(t, float64(inBytes), m["gosio_engine_bytes_received_total"])
	require.Equal(t, float64(outBytes), m["gosio_engine_bytes_sent_total"])
	require.Equal(t, 1.0, m[`gosio_limit_hits_total{action="refused",limit="max_namespaces"}`])
	require.Equal(t, 0.0, m[`gosio_limit_hits_total{action="dropped",limit="event_rate"}`])

	// The client hangs up: the session's end is counted by its reason.
	_ = conn.Close()
	require.Eventually(t, func() bool {
		m = scrape(t, metricsURL)
		return m["gosio_socket_disconnects_total"] == 1 && m[`gosio_engine_closes_total{reason="transport close"}`] == 1
	}, 5*time.Second, 10*time.Millisecond)
	require.Equal(t, 0.0, m[`gosio_engine_sessions{protocol="4",transport="websocket"}`])
	require.Equal(t, 0.0, m[`gosio_sockets{namespace="/"}`])
}

// TestAdapterRequestMetrics checks the exposition of what a cluster adapter
// reports through Namespace.StartAdapterRequest.
func TestAdapterRequestMetrics(t *testing.T) {
	srv := socketio.NewServer(nil)
	defer func() { _ = srv.Close() }()
	hs := httptest.NewServer(Handler(srv))
	defer hs.Close()
	nsp := srv.Of("/")
	nsp.StartAdapterRequest("fetchSockets").Done(nil)
	nsp.StartAdapterRequest("fetchSockets").Done(nil)
	nsp.StartAdapterRequest("fetchSockets").TimedOut()
	nsp.StartAdapterRequest("allRooms").Done(context.Canceled)

	m := scrape(t, hs.URL)
	require.Equal(t, 2.0, m[`gosio_adapter_requests_total{kind="fetchSockets",outcome="ok"}`])
	require.Equal(t, 1.0, m[`gosio_adapter_requests_total{kind="fetchSockets",outcome="timeout"}`])
	require.Equal(t, 0.0, m[`gosio_adapter_requests_total{kind="fetchSockets",outcome="error"}`])
	require.Equal(t, 1.0, m[`gosio_adapter_requests_total{kind="allRooms",outcome="error"}`])
	require.Equal(t, 3.0, m[`gosio_adapter_request_seconds_count{kind="fetchSockets"}`])
	require.Equal(t, 3.0, m[`gosio_adapter_request_seconds_bucket{kind="fetchSockets",le="10"}`])
	require.Equal(t, 1.0, m[`gosio_adapter_request_seconds_count{kind="allRooms"}`])
	require.Equal(t, 0.0, m["gosio_ack_round_trip_seconds_count"])
}
