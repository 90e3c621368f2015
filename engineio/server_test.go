package engineio

import (
	"context"
	"errors"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gobwas/ws"
	"github.com/stretchr/testify/require"
)

var sidPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{22,}$`)

func TestHandshakeV4Polling(t *testing.T) {
	hs := newHarness(t, &Options{PingInterval: 1500 * time.Millisecond, PingTimeout: 700 * time.Millisecond, MaxHTTPBufferSize: 12345})
	resp, body := hs.get("EIO=4&transport=polling")
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Equal(t, "text/plain; charset=UTF-8", resp.Header.Get("Content-Type"))
	require.Equal(t, byte('0'), body[0], "OPEN packet type, body %q", body)
	o := parseOpen(t, body[1:])
	require.Regexp(t, sidPattern, o.SID)
	require.Equal(t, []string{"websocket"}, o.Upgrades)
	require.EqualValues(t, 1500, o.PingInterval)
	require.EqualValues(t, 700, o.PingTimeout)
	require.NotNil(t, o.MaxPayload, "v4 announces maxPayload")
	require.EqualValues(t, 12345, *o.MaxPayload)

	s := hs.h.nextOpen(t)
	require.Equal(t, o.SID, s.ID())
	require.Equal(t, 4, s.Protocol())
	require.Equal(t, TransportPolling, s.Transport())
	require.Same(t, s, hs.srv.Session(o.SID))
	require.Equal(t, 1, hs.srv.SessionCount())

	// Two handshakes never share an id.
	o2, _ := hs.handshakeV4()
	require.NotEqual(t, o.SID, o2.SID)
}

func TestHandshakeV4UpgradesDisabled(t *testing.T) {
	hs := newHarness(t, &Options{DisableUpgrades: true})
	o, _ := hs.handshakeV4()
	require.Empty(t, o.Upgrades)
	require.NotNil(t, o.Upgrades, "upgrades must be a JSON array, not null")

	hs2 := newHarness(t, &Options{Transports: []string{TransportPolling}})
	o2, _ := hs2.handshakeV4()
	require.Empty(t, o2.Upgrades)
}

func TestHandshakeV3Polling(t *testing.T) {
	hs := newHarness(t, &Options{AllowEIO3: true, PingInterval: 2 * time.Second, PingTimeout: time.Second})
	resp, body := hs.get("EIO=3&transport=polling")
	require.Equal(t, http.StatusOK, resp.StatusCode)
	// String-form payload: <length>:0{json}
	lenStr, pkt, ok := strings.Cut(string(body), ":")
	require.True(t, ok, "body %q", body)
	n, err := strconv.Atoi(lenStr)
	require.NoError(t, err)
	require.Equal(t, len(pkt), n, "length prefix counts the packet (ASCII here)")
	require.Equal(t, byte('0'), pkt[0])
	o := parseOpen(t, []byte(pkt[1:]))
	require.Regexp(t, sidPattern, o.SID)
	require.Equal(t, []string{"websocket"}, o.Upgrades)
	require.EqualValues(t, 2000, o.PingInterval)
	require.EqualValues(t, 1000, o.PingTimeout)
	require.Nil(t, o.MaxPayload, "v3 OPEN has no maxPayload")
	require.NotContains(t, pkt, "maxPayload")
	s := hs.h.nextOpen(t)
	require.Equal(t, 3, s.Protocol())
}

func TestHandshakeErrors(t *testing.T) {
	forbidden := errors.New("nope")
	hs := newHarness(t, &Options{
		AllowRequest: func(r *http.Request) error {
			if r.Header.Get("X-Deny") != "" {
				return forbidden
			}
			return nil
		},
	})
	cases := []struct {
		name   string
		method string
		query  string
		hdr    http.Header
		status int
		code   int
	}{
		{"EIO3 not allowed", http.MethodGet, "EIO=3&transport=polling", nil, 400, 5},
		{"EIO5", http.MethodGet, "EIO=5&transport=polling", nil, 400, 5},
		{"EIO missing", http.MethodGet, "transport=polling", nil, 400, 5},
		{"unknown transport", http.MethodGet, "EIO=4&transport=carrier-pigeon", nil, 400, 0},
		{"missing transport", http.MethodGet, "EIO=4", nil, 400, 0},
		{"POST handshake", http.MethodPost, "EIO=4&transport=polling", nil, 400, 2},
		{"AllowRequest refuses", http.MethodGet, "EIO=4&transport=polling", http.Header{"X-Deny": {"1"}}, 403, 4},
		{"unknown sid GET", http.MethodGet, "EIO=4&transport=polling&sid=doesnotexist", nil, 400, 1},
		{"unknown sid POST", http.MethodPost, "EIO=4&transport=polling&sid=doesnotexist", nil, 400, 1},
		{"websocket handshake without upgrade", http.MethodGet, "EIO=4&transport=websocket", nil, 400, 3},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var body = strings.NewReader("1:1")
			resp, b := hs.do(tc.method, tc.query, body, tc.hdr)
			requireProtocolError(t, resp, b, tc.status, tc.code)
		})
	}
	require.Zero(t, hs.srv.SessionCount())
	select {
	case s := <-hs.h.opened:
		t.Fatalf("a refused handshake opened session %s", s.ID())
	default:
	}
}

func TestHandshakeWrongPathIs404(t *testing.T) {
	hs := newHarness(t, nil)
	resp, err := hs.ts.Client().Get(hs.ts.URL + "/socket.io/?EIO=4&transport=polling")
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusNotFound, resp.StatusCode)
}

func TestHandshakeCustomGenerateID(t *testing.T) {
	n := 0
	hs := newHarness(t, &Options{GenerateID: func(r *http.Request) (string, error) {
		n++
		return "custom-" + strconv.Itoa(n) + "-" + r.URL.Query().Get("tag"), nil
	}})
	resp, body := hs.get("EIO=4&transport=polling&tag=x")
	require.Equal(t, http.StatusOK, resp.StatusCode)
	o := parseOpen(t, body[1:])
	require.Equal(t, "custom-1-x", o.SID)
	require.Equal(t, "custom-1-x", hs.h.nextOpen(t).ID())

	// A generator error refuses the handshake.
	hs2 := newHarness(t, &Options{GenerateID: func(*http.Request) (string, error) { return "", errors.New("boom") }})
	resp, body = hs2.get("EIO=4&transport=polling")
	requireProtocolError(t, resp, body, 400, 3)
	require.Zero(t, hs2.srv.SessionCount())
}

func TestHandshakeDuplicateGeneratedID(t *testing.T) {
	hs := newHarness(t, &Options{GenerateID: func(*http.Request) (string, error) { return "same", nil }})
	hs.handshakeV4()
	resp, body := hs.get("EIO=4&transport=polling")
	requireProtocolError(t, resp, body, 400, 3)
	require.Equal(t, 1, hs.srv.SessionCount())
}

func TestHandshakeCookie(t *testing.T) {
	// The zero CookieOptions is Node's cookie: HttpOnly.
	hs := newHarness(t, &Options{Cookie: &CookieOptions{}})
	resp, body := hs.get("EIO=4&transport=polling")
	require.Equal(t, http.StatusOK, resp.StatusCode)
	o := parseOpen(t, body[1:])
	var found *http.Cookie
	for _, c := range resp.Cookies() {
		if c.Name == "io" {
			found = c
		}
	}
	require.NotNil(t, found, "Set-Cookie: %q", resp.Header.Values("Set-Cookie"))
	require.Equal(t, o.SID, found.Value)
	require.Equal(t, "/", found.Path)
	require.True(t, found.HttpOnly)
	require.Equal(t, http.SameSiteLaxMode, found.SameSite)

	// ScriptReadable leaves HttpOnly out.
	hs1 := newHarness(t, &Options{Cookie: &CookieOptions{ScriptReadable: true}})
	resp, _ = hs1.get("EIO=4&transport=polling")
	require.Len(t, resp.Cookies(), 1)
	require.False(t, resp.Cookies()[0].HttpOnly)

	// Without the option there is no cookie.
	hs2 := newHarness(t, nil)
	resp, _ = hs2.get("EIO=4&transport=polling")
	require.Empty(t, resp.Header.Values("Set-Cookie"))
}

func TestHandshakeHeadersOverWebSocket(t *testing.T) {
	hs := newHarness(t, &Options{
		Cookie:         &CookieOptions{Name: "sticky"},
		InitialHeaders: func(h http.Header, r *http.Request) { h.Set("X-Initial", "yes") },
		Headers:        func(h http.Header, r *http.Request) { h.Set("X-Every", "yes") },
	})
	got := http.Header{}
	d := ws.Dialer{OnHeader: func(k, v []byte) error {
		got.Add(string(k), string(v))
		return nil
	}}
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	conn, br, _, err := d.Dial(ctx, hs.wsURL("EIO=4&transport=websocket"))
	require.NoError(t, err)
	defer conn.Close()
	s := hs.h.nextOpen(t)
	require.Contains(t, got.Get("Set-Cookie"), "sticky="+s.ID())
	require.Equal(t, "yes", got.Get("X-Initial"))
	require.Equal(t, "yes", got.Get("X-Every"))
	if br != nil {
		ws.PutReader(br)
	}
}

func TestHandshakeHeaderHooks(t *testing.T) {
	hs := newHarness(t, &Options{
		InitialHeaders: func(h http.Header, r *http.Request) { h.Set("X-Initial", "init-"+r.URL.Query().Get("transport")) },
		Headers:        func(h http.Header, r *http.Request) { h.Set("X-Every", r.Method) },
	})
	resp, body := hs.get("EIO=4&transport=polling")
	require.Equal(t, "init-polling", resp.Header.Get("X-Initial"))
	require.Equal(t, "GET", resp.Header.Get("X-Every"))
	o := parseOpen(t, body[1:])
	hs.h.nextOpen(t)

	// Later requests of the session get Headers but not InitialHeaders.
	resp, b := hs.post("EIO=4&transport=polling&sid="+o.SID, "4x")
	require.Equal(t, "ok", string(b))
	require.Equal(t, "POST", resp.Header.Get("X-Every"))
	require.Empty(t, resp.Header.Get("X-Initial"))

	// Error answers get Headers too.
	resp, _ = hs.get("EIO=9&transport=polling")
	require.Equal(t, "GET", resp.Header.Get("X-Every"))
}

func TestHandshakeAfterCloseIs503(t *testing.T) {
	hs := newHarness(t, nil)
	require.NoError(t, hs.srv.Close())
	resp, body := hs.get("EIO=4&transport=polling")
	requireProtocolError(t, resp, body, http.StatusServiceUnavailable, 3)
	require.ErrorIs(t, hs.srv.Close(), ErrServerClosed)
	require.Zero(t, hs.srv.SessionCount())
}

func TestOptionsDefaults(t *testing.T) {
	o := NewServer(newRecHandler(), nil).Options()
	require.Equal(t, "/engine.io/", o.Path)
	require.Equal(t, 25*time.Second, o.PingInterval)
	require.Equal(t, 20*time.Second, o.PingTimeout)
	require.Equal(t, 10*time.Second, o.UpgradeTimeout)
	require.EqualValues(t, 1e6, o.MaxHTTPBufferSize)
	require.Equal(t, []string{TransportPolling, TransportWebSocket}, o.Transports)
	require.Equal(t, 4096, o.MaxQueuedMessages)
	require.Equal(t, 1024, o.HTTPCompression.Threshold)
	require.NotNil(t, o.Logger)

	o = NewServer(newRecHandler(), &Options{Path: "/x", Cookie: &CookieOptions{}}).Options()
	require.Equal(t, "/x/", o.Path)
	require.Equal(t, "io", o.Cookie.Name)
}

func TestCustomPath(t *testing.T) {
	hs := newHarness(t, &Options{Path: "/rt"})
	resp, err := hs.ts.Client().Get(hs.ts.URL + "/rt/?EIO=4&transport=polling")
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	hs.h.nextOpen(t)
}
