package engineio

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type nopHandler struct{ closed chan string }

func (nopHandler) OnOpen(*Session)                  {}
func (nopHandler) OnMessage(*Session, bool, []byte) {}
func (h nopHandler) OnClose(s *Session, _ CloseReason, _ error) {
	if h.closed != nil {
		h.closed <- s.ID()
	}
}

func handshakeStatus(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url + "/engine.io/?EIO=4&transport=polling")
	require.NoError(t, err)
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

func TestMaxConnectionsPerIP(t *testing.T) {
	h := nopHandler{closed: make(chan string, 4)}
	srv := NewServer(h, &Options{MaxConnectionsPerIP: 2})
	hs := httptest.NewServer(srv)
	defer hs.Close()
	defer srv.Close()

	code, body := handshakeStatus(t, hs.URL)
	require.Equal(t, http.StatusOK, code)
	var open struct{ SID string }
	require.NoError(t, json.Unmarshal([]byte(body[1:]), &open))
	code, _ = handshakeStatus(t, hs.URL)
	require.Equal(t, http.StatusOK, code)
	code, body = handshakeStatus(t, hs.URL)
	assert.Equal(t, http.StatusTooManyRequests, code)
	assert.JSONEq(t, `{"code":4,"message":"Too many requests"}`, body)

	// One session ends: room for another.
	srv.Session(open.SID).finish(ReasonTransportClose, nil)
	<-h.closed
	code, _ = handshakeStatus(t, hs.URL)
	assert.Equal(t, http.StatusOK, code)
}

func TestHandshakeRatePerIP(t *testing.T) {
	srv := NewServer(nopHandler{}, &Options{
		HandshakeRate: &RateLimit{PerSecond: 0.001, Burst: 2},
		// Two clients behind one proxy header, told apart by ClientIP.
		ClientIP: func(r *http.Request) string { return r.Header.Get("X-Client") },
	})
	hs := httptest.NewServer(srv)
	defer hs.Close()
	defer srv.Close()
	get := func(client string) int {
		req, _ := http.NewRequest(http.MethodGet, hs.URL+"/engine.io/?EIO=4&transport=polling", nil)
		req.Header.Set("X-Client", client)
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		return resp.StatusCode
	}
	assert.Equal(t, 200, get("a"))
	assert.Equal(t, 200, get("a"))
	assert.Equal(t, 429, get("a"))
	assert.Equal(t, 200, get("b"), "another client is not affected")
}

// TestHandshakeRateZeroBurst: a RateLimit without Burst allows one second's
// worth of handshakes at once, not none.
func TestHandshakeRateZeroBurst(t *testing.T) {
	srv := NewServer(nopHandler{}, &Options{HandshakeRate: &RateLimit{PerSecond: 3}})
	hs := httptest.NewServer(srv)
	defer hs.Close()
	defer srv.Close()
	for i := range 3 {
		code, _ := handshakeStatus(t, hs.URL)
		require.Equal(t, http.StatusOK, code, "handshake %d", i)
	}
	code, _ := handshakeStatus(t, hs.URL)
	assert.Equal(t, http.StatusTooManyRequests, code, "the fourth within the same second")
}

func TestIPLimiterSweepsIdlePeers(t *testing.T) {
	l := newIPLimiter(&Options{HandshakeRate: &RateLimit{PerSecond: 1000, Burst: 1}})
	now := time.Now()
	for i := range 2000 {
		ip := strings.Repeat("x", i%7) + string(rune('a'+i%26)) + time.Duration(i).String()
		require.True(t, l.acquire(ip, now))
		l.release(ip)
		now = now.Add(10 * time.Millisecond)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	assert.Less(t, len(l.peers), 1024, "idle peers with full buckets are forgotten")
}
