package engineio

import (
	"net/http"
	"net/http/httptest"
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

// CORSOptions.Handler applies to an application's own routes what the
// engine applies to its requests: the same answers, from the same code.
func TestCORSHandlerMatchesTheEngine(t *testing.T) {
	c := &CORSOptions{AllowedOrigins: []string{"https://app.example"}, AllowCredentials: true, MaxAge: time.Hour}
	hs := newHarness(t, &Options{CORS: c})
	engine := preflight(hs, "https://app.example")

	reached := 0
	api := c.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		reached++
		w.WriteHeader(http.StatusCreated)
	}))
	rec := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodOptions, "/api/posts", nil)
	req.Header.Set("Origin", "https://app.example")
	req.Header.Set("Access-Control-Request-Method", "POST")
	req.Header.Set("Access-Control-Request-Headers", "content-type, x-custom")
	api.ServeHTTP(rec, req)
	require.Equal(t, engine.StatusCode, rec.Code)
	require.Zero(t, reached, "a preflight is answered, not passed on")
	for _, h := range []string{"Access-Control-Allow-Origin", "Access-Control-Allow-Credentials",
		"Access-Control-Allow-Methods", "Access-Control-Allow-Headers", "Access-Control-Max-Age", "Vary"} {
		require.Equal(t, engine.Header.Values(h), rec.Header().Values(h), h)
	}

	rec = httptest.NewRecorder()
	req = httptest.NewRequest(http.MethodPost, "/api/posts", strings.NewReader("{}"))
	req.Header.Set("Origin", "https://other.example")
	api.ServeHTTP(rec, req)
	require.Equal(t, http.StatusCreated, rec.Code)
	require.Equal(t, 1, reached)
	require.Empty(t, rec.Header().Get("Access-Control-Allow-Origin"), "an origin not listed gets no CORS header")

	var none *CORSOptions
	require.NotNil(t, none.Handler(api), "a nil policy leaves the handler as it is")
}
