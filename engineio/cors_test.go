package engineio

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func preflight(hs *harness, origin string) *http.Response {
	hs.t.Helper()
	resp, _ := hs.do(http.MethodOptions, "EIO=4&transport=polling", nil, http.Header{
		"Origin":                         {origin},
		"Access-Control-Request-Method":  {"POST"},
		"Access-Control-Request-Headers": {"content-type, x-custom"},
	})
	return resp
}

func TestCORSPreflightAllowed(t *testing.T) {
	hs := newHarness(t, &Options{CORS: &CORSOptions{AllowedOrigins: []string{"https://app.example"}, MaxAge: time.Hour}})
	resp := preflight(hs, "https://app.example")
	require.Equal(t, http.StatusNoContent, resp.StatusCode)
	require.Equal(t, "https://app.example", resp.Header.Get("Access-Control-Allow-Origin"))
	require.Equal(t, "GET, POST", resp.Header.Get("Access-Control-Allow-Methods"))
	require.Equal(t, "content-type, x-custom", resp.Header.Get("Access-Control-Allow-Headers"))
	require.Equal(t, "3600", resp.Header.Get("Access-Control-Max-Age"))
	require.Contains(t, resp.Header.Values("Vary"), "Origin")
	require.Empty(t, resp.Header.Get("Access-Control-Allow-Credentials"))
	require.Zero(t, hs.srv.SessionCount(), "a preflight opens no session")

	// The actual request carries the origin header too.
	resp, body := hs.do(http.MethodGet, "EIO=4&transport=polling", nil, http.Header{"Origin": {"https://app.example"}})
	require.Equal(t, http.StatusOK, resp.StatusCode, "body %q", body)
	require.Equal(t, "https://app.example", resp.Header.Get("Access-Control-Allow-Origin"))
	hs.h.nextOpen(t)
}

func TestCORSPreflightDisallowed(t *testing.T) {
	hs := newHarness(t, &Options{CORS: &CORSOptions{AllowedOrigins: []string{"https://app.example"}}})
	resp := preflight(hs, "https://evil.example")
	require.Empty(t, resp.Header.Get("Access-Control-Allow-Origin"))
	require.Empty(t, resp.Header.Get("Access-Control-Allow-Methods"))
	require.Empty(t, resp.Header.Get("Access-Control-Allow-Credentials"))

	resp, _ = hs.do(http.MethodGet, "EIO=4&transport=polling", nil, http.Header{"Origin": {"https://evil.example"}})
	require.Empty(t, resp.Header.Get("Access-Control-Allow-Origin"))
}

func TestCORSWildcardAndFunc(t *testing.T) {
	hs := newHarness(t, &Options{CORS: &CORSOptions{AllowedOrigins: []string{"*"}}})
	resp := preflight(hs, "https://any.example")
	require.Equal(t, "*", resp.Header.Get("Access-Control-Allow-Origin"))

	hs2 := newHarness(t, &Options{CORS: &CORSOptions{
		AllowOriginFunc: func(o string) bool { return strings.HasSuffix(o, ".trusted.example") },
		AllowedMethods:  []string{"GET"},
		AllowedHeaders:  []string{"X-A"},
	}})
	resp = preflight(hs2, "https://a.trusted.example")
	require.Equal(t, "https://a.trusted.example", resp.Header.Get("Access-Control-Allow-Origin"))
	require.Equal(t, "GET", resp.Header.Get("Access-Control-Allow-Methods"))
	require.Equal(t, "X-A", resp.Header.Get("Access-Control-Allow-Headers"))
	resp = preflight(hs2, "https://untrusted.example")
	require.Empty(t, resp.Header.Get("Access-Control-Allow-Origin"))
}

func TestCORSCredentials(t *testing.T) {
	hs := newHarness(t, &Options{CORS: &CORSOptions{AllowedOrigins: []string{"*"}, AllowCredentials: true}})
	resp := preflight(hs, "https://app.example")
	require.Equal(t, http.StatusNoContent, resp.StatusCode)
	require.Equal(t, "https://app.example", resp.Header.Get("Access-Control-Allow-Origin"), "with credentials the origin is echoed, never *")
	require.Equal(t, "true", resp.Header.Get("Access-Control-Allow-Credentials"))
}

func TestCORSOffByDefault(t *testing.T) {
	hs := newHarness(t, nil)
	resp, _ := hs.do(http.MethodGet, "EIO=4&transport=polling", nil, http.Header{"Origin": {"https://app.example"}})
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Empty(t, resp.Header.Get("Access-Control-Allow-Origin"))
	hs.h.nextOpen(t)
	// An OPTIONS request without CORS is not a preflight answer.
	resp = preflight(hs, "https://app.example")
	require.NotEqual(t, http.StatusNoContent, resp.StatusCode)
}
