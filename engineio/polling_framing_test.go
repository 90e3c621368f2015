package engineio

import (
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// Polling answers are framed by Content-Length whatever their size: small
// ones get it from net/http, large ones from the engine, and none is chunked.
func TestPollingAnswersHaveContentLength(t *testing.T) {
	hs := newHarness(t, &Options{HTTPCompression: &CompressionOptions{Disable: true}})
	o, s := hs.handshakeV4()
	q := "EIO=4&transport=polling&sid=" + o.SID
	for _, n := range []int{0, 1, 1022, 1023, 1024, 1500, 2047, 2048, 2049, 5000, 100_000} {
		data := strings.Repeat("x", n)
		require.NoError(t, s.Send(TextMessage([]byte(data))))
		resp, body := hs.get(q)
		require.Equal(t, http.StatusOK, resp.StatusCode)
		require.Equal(t, "4"+data, string(body), "size %d", n)
		require.Empty(t, resp.TransferEncoding, "size %d", n)
		require.Equal(t, strconv.Itoa(n+1), resp.Header.Get("Content-Length"), "size %d", n)
		require.Equal(t, "text/plain; charset=UTF-8", resp.Header.Get("Content-Type"))
	}
	resp, body := hs.post(q, "4hi")
	require.Equal(t, "ok", string(body))
	require.Equal(t, "2", resp.Header.Get("Content-Length"))
	require.Equal(t, "text/html", resp.Header.Get("Content-Type"))
	require.Equal(t, "hi", string(hs.h.nextMsg(t).data))
}

// A session's queue array is reused from one poll to the next; what was
// written must never come back, and what is queued meanwhile must not be lost.
func TestPollingQueueReuseKeepsOrder(t *testing.T) {
	hs := newHarness(t, nil)
	o, s := hs.handshakeV4()
	q := "EIO=4&transport=polling&sid=" + o.SID
	next := 0
	for round := range 50 {
		var want []string
		for range round%5 + 1 {
			m := "m" + strconv.Itoa(next)
			next++
			require.NoError(t, s.Send(TextMessage([]byte(m))))
			want = append(want, "4"+m)
		}
		_, body := hs.get(q)
		require.Equal(t, strings.Join(want, "\x1e"), string(body), "round %d", round)
	}
	// A larger burst than the kept array is delivered whole too.
	var want []string
	for i := range maxRecycledBatch * 3 {
		m := "b" + strconv.Itoa(i)
		require.NoError(t, s.Send(TextMessage([]byte(m))))
		want = append(want, "4"+m)
	}
	_, body := hs.get(q)
	require.Equal(t, strings.Join(want, "\x1e"), string(body))
}
