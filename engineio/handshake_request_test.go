package engineio

import (
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestHandshakeRequestRoundTrip(t *testing.T) {
	r := httptest.NewRequest(http.MethodGet, "/engine.io/?EIO=4&transport=websocket&token=a%20b", nil)
	r.Header.Add("Cookie", "a=1")
	r.Header.Add("Cookie", "b=2")
	r.Header.Set("Origin", "https://example.com")
	r.Header.Set("X-Empty", "")
	r.RemoteAddr = "10.0.0.7:5555"

	h := newHandshakeRequest(r)
	var wg sync.WaitGroup
	got := make([]*http.Request, 8)
	for i := range got {
		wg.Go(func() { got[i] = h.request() })
	}
	wg.Wait()
	for _, g := range got {
		require.Same(t, got[0], g, "one request, built once")
	}
	g := got[0]
	require.Equal(t, http.MethodGet, g.Method)
	require.Equal(t, "a b", g.URL.Query().Get("token"))
	require.Equal(t, "/engine.io/?EIO=4&transport=websocket&token=a%20b", g.RequestURI)
	require.Equal(t, []string{"a=1", "b=2"}, g.Header.Values("Cookie"), "order of repeated headers kept")
	require.Equal(t, "https://example.com", g.Header.Get("Origin"))
	require.Contains(t, g.Header, "X-Empty")
	require.Equal(t, "10.0.0.7:5555", g.RemoteAddr)
	require.Equal(t, "example.com", g.Host)
	require.Equal(t, "HTTP/1.1", g.Proto)
	require.Nil(t, g.TLS)
	require.Equal(t, http.NoBody, g.Body)
	require.NoError(t, g.Context().Err())
}

func TestHandshakeRequestBuiltByHand(t *testing.T) {
	r, err := http.NewRequest(http.MethodGet, "http://h/engine.io/?EIO=4", nil)
	require.NoError(t, err)
	g := newHandshakeRequest(r).request()
	require.Equal(t, "4", g.URL.Query().Get("EIO"), "no RequestURI: taken from the URL")
	require.Empty(t, g.Header)
}
