package engineio

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestPollingGetReturnsQueuedInOrder(t *testing.T) {
	hs := newHarness(t, nil)
	o, s := hs.handshakeV4()
	require.NoError(t, s.Send(TextMessage([]byte("one")), TextMessage([]byte("two"))))
	require.NoError(t, s.Send(BinaryMessage([]byte{0, 1, 2, 0xff})))
	require.NoError(t, s.Send(TextMessage([]byte("three"))))

	resp, body := hs.get("EIO=4&transport=polling&sid=" + o.SID)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Equal(t, "no-store", resp.Header.Get("Cache-Control"))
	want := "4one\x1e4two\x1eb" + base64.StdEncoding.EncodeToString([]byte{0, 1, 2, 0xff}) + "\x1e4three"
	require.Equal(t, want, string(body))
}

func TestPollingGetHeldUntilSend(t *testing.T) {
	hs := newHarness(t, nil)
	o, s := hs.handshakeV4()
	ch := hs.goGet("EIO=4&transport=polling&sid="+o.SID, nil)
	waitPollActive(t, s)
	select {
	case r := <-ch:
		t.Fatalf("GET answered before anything was sent: %q", r.body)
	default:
	}
	require.NoError(t, s.Send(TextMessage([]byte("late"))))
	r := awaitResult(t, ch)
	require.Equal(t, http.StatusOK, r.resp.StatusCode)
	require.Equal(t, "4late", string(r.body))
}

func TestPollingPostDeliversInOrder(t *testing.T) {
	hs := newHarness(t, nil)
	o, s := hs.handshakeV4()
	payload := "4first\x1e4second\x1eb" + base64.StdEncoding.EncodeToString([]byte{9, 8, 7}) + "\x1e4third"
	resp, body := hs.post("EIO=4&transport=polling&sid="+o.SID, payload)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Equal(t, "ok", string(body))

	want := []msgEvent{{s, false, []byte("first")}, {s, false, []byte("second")}, {s, true, []byte{9, 8, 7}}, {s, false, []byte("third")}}
	for _, w := range want {
		m := hs.h.nextMsg(t)
		require.Same(t, w.s, m.s)
		require.Equal(t, w.binary, m.binary)
		require.Equal(t, w.data, m.data)
	}
	hs.h.requireNoClose(t)
}

// TestPollingPostAnsweredBeforeDelivery checks the promise in servePost: the
// client's POST completes even while the handler is still busy with the
// messages it carried.
// A POST is answered once its packets are delivered: the client's next POST
// cannot overlap it, and a handler that is behind slows the client down.
func TestPollingPostAnsweredAfterDelivery(t *testing.T) {
	h := newRecHandler()
	release := make(chan struct{})
	h.onMessage = func(*Session, bool, []byte) { <-release }
	hs := newHarnessWith(t, h, nil)
	o, _ := hs.handshakeV4()

	done := make(chan httpResult, 1)
	go func() {
		resp, err := hs.ts.Client().Post(hs.url("EIO=4&transport=polling&sid="+o.SID), "text/plain", strings.NewReader("4slow"))
		if err != nil {
			done <- httpResult{err: err}
			return
		}
		b, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		done <- httpResult{resp: resp, body: b, err: err}
	}()
	select {
	case r := <-done:
		t.Fatalf("POST answered while OnMessage was still running: %+v", r)
	case <-time.After(100 * time.Millisecond):
	}
	close(release)
	r := awaitResult(t, done)
	require.NoError(t, r.err)
	require.Equal(t, "ok", string(r.body))
	hs.h.nextMsg(t)
}

func TestPollingConcurrentGetClosesSession(t *testing.T) {
	hs := newHarness(t, nil)
	o, s := hs.handshakeV4()
	first := hs.goGet("EIO=4&transport=polling&sid="+o.SID, nil)
	waitPollActive(t, s)

	resp, body := hs.get("EIO=4&transport=polling&sid=" + o.SID)
	requireProtocolError(t, resp, body, 400, 3)

	c := hs.h.nextClose(t)
	require.Same(t, s, c.s)
	require.Equal(t, ReasonTransportError, c.reason)
	// The first GET learns that the session ended through a close packet.
	r := awaitResult(t, first)
	require.Equal(t, http.StatusOK, r.resp.StatusCode)
	require.Equal(t, "1", string(r.body))
	require.Nil(t, hs.srv.Session(o.SID))
	require.ErrorIs(t, s.Send(TextMessage([]byte("x"))), ErrSessionClosed)
}

func TestPollingPostTooLarge(t *testing.T) {
	hs := newHarness(t, &Options{MaxHTTPBufferSize: 100})
	o, s := hs.handshakeV4()
	resp, _ := hs.post("EIO=4&transport=polling&sid="+o.SID, "4"+strings.Repeat("x", 200))
	require.Equal(t, http.StatusRequestEntityTooLarge, resp.StatusCode)
	c := hs.h.nextClose(t)
	require.Same(t, s, c.s)
	require.Equal(t, ReasonTransportError, c.reason)
	require.Nil(t, hs.srv.Session(o.SID))
}

func TestPollingPostTooLargeChunked(t *testing.T) {
	// No Content-Length: the limit must hold while reading.
	hs := newHarness(t, &Options{MaxHTTPBufferSize: 100})
	o, _ := hs.handshakeV4()
	body := io.MultiReader(strings.NewReader("4"), strings.NewReader(strings.Repeat("y", 300)))
	req, err := http.NewRequest(http.MethodPost, hs.url("EIO=4&transport=polling&sid="+o.SID), body)
	require.NoError(t, err)
	req.ContentLength = -1
	resp, err := hs.ts.Client().Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusRequestEntityTooLarge, resp.StatusCode)
	require.Equal(t, ReasonTransportError, hs.h.nextClose(t).reason)
}

func TestPollingPostMalformed(t *testing.T) {
	for name, body := range map[string]string{
		"unknown type":  "9nope",
		"empty":         "",
		"bad base64":    "b!!!",
		"empty segment": "4a\x1e\x1e4b",
	} {
		t.Run(name, func(t *testing.T) {
			hs := newHarness(t, nil)
			o, s := hs.handshakeV4()
			resp, b := hs.post("EIO=4&transport=polling&sid="+o.SID, body)
			requireProtocolError(t, resp, b, 400, 3)
			c := hs.h.nextClose(t)
			require.Same(t, s, c.s)
			require.Equal(t, ReasonParseError, c.reason)
			require.Error(t, c.err)
		})
	}
}

func TestPollingPostClosePacket(t *testing.T) {
	hs := newHarness(t, nil)
	o, s := hs.handshakeV4()
	_, b := hs.post("EIO=4&transport=polling&sid="+o.SID, "1")
	require.Equal(t, "ok", string(b))
	c := hs.h.nextClose(t)
	require.Same(t, s, c.s)
	require.Equal(t, ReasonTransportClose, c.reason)
}

func TestPollingPostCloseAnswersPendingGetWithNoop(t *testing.T) {
	hs := newHarness(t, nil)
	o, s := hs.handshakeV4()
	q := "EIO=4&transport=polling&sid=" + o.SID
	get := hs.goGet(q, nil)
	waitPollActive(t, s)
	_, b := hs.post(q, "1")
	require.Equal(t, "ok", string(b))
	r := awaitResult(t, get)
	require.Equal(t, 200, r.resp.StatusCode)
	require.Equal(t, "6", string(r.body), "the client closed: a noop, not a close packet")
	require.Equal(t, ReasonTransportClose, hs.h.nextClose(t).reason)
	resp, body := hs.get(q)
	requireProtocolError(t, resp, body, 400, 1)
}

func TestPollingPostCloseWaitsForTheGetSentWithIt(t *testing.T) {
	hs := newHarness(t, nil)
	o, s := hs.handshakeV4()
	q := "EIO=4&transport=polling&sid=" + o.SID
	// The POST is read first; the GET the client sent with it comes
	// while the close waits for it, and gets the noop.
	post := make(chan []byte, 1)
	go func() { _, b := hs.post(q, "1"); post <- b }()
	require.Eventually(t, func() bool {
		s.mu.Lock()
		defer s.mu.Unlock()
		return s.pollArrived != nil
	}, waitTimeout, time.Millisecond)
	r := awaitResult(t, hs.goGet(q, nil))
	require.Equal(t, 200, r.resp.StatusCode)
	require.Equal(t, "6", string(r.body))
	require.Equal(t, "ok", string(<-post))
	require.Equal(t, ReasonTransportClose, hs.h.nextClose(t).reason)
	resp, body := hs.get(q)
	requireProtocolError(t, resp, body, 400, 1)
}

func TestPollingBadMethod(t *testing.T) {
	hs := newHarness(t, nil)
	o, _ := hs.handshakeV4()
	resp, b := hs.do(http.MethodPut, "EIO=4&transport=polling&sid="+o.SID, nil, nil)
	requireProtocolError(t, resp, b, 400, 3)
}

// jsonpBody unwraps ___eio[<j>]("...");
func jsonpBody(t *testing.T, j string, body []byte) string {
	t.Helper()
	prefix, suffix := "___eio["+j+"](", ");"
	require.True(t, strings.HasPrefix(string(body), prefix) && strings.HasSuffix(string(body), suffix), "body %q", body)
	var payload string
	require.NoError(t, json.Unmarshal(body[len(prefix):len(body)-len(suffix)], &payload), "body %q", body)
	return payload
}

func TestPollingJSONP(t *testing.T) {
	hs := newHarness(t, &Options{AllowEIO3: true})
	resp, body := hs.get("EIO=3&transport=polling&j=0")
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Equal(t, "text/javascript; charset=UTF-8", resp.Header.Get("Content-Type"))
	payload := jsonpBody(t, "0", body)
	n, pkt, ok := strings.Cut(payload, ":")
	require.True(t, ok)
	require.Equal(t, strconv.Itoa(len(pkt)), n)
	o := parseOpen(t, []byte(pkt[1:]))
	s := hs.h.nextOpen(t)
	require.Equal(t, o.SID, s.ID())

	// Server → client: messages inside the JSONP wrapper, binary as base64
	// (JSONP cannot carry raw bytes), quotes and newlines escaped.
	require.NoError(t, s.Send(TextMessage([]byte("say \"hi\"\nnow")), BinaryMessage([]byte{1, 2, 3})))
	_, body = hs.get("EIO=3&transport=polling&j=0&sid=" + o.SID)
	require.Equal(t, "13:4say \"hi\"\nnow6:b4AQID", jsonpBody(t, "0", body))

	// Client → server: form field d, newlines escaped as \n.
	form := url.Values{"d": {`7:4hello!4:4a\nb`}}.Encode()
	resp, b := hs.do(http.MethodPost, "EIO=3&transport=polling&j=0&sid="+o.SID, strings.NewReader(form),
		http.Header{"Content-Type": {"application/x-www-form-urlencoded"}})
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Equal(t, "ok", string(b))
	require.Equal(t, "hello!", string(hs.h.nextMsg(t).data))
	require.Equal(t, "a\nb", string(hs.h.nextMsg(t).data))
}

func TestPollingJSONPBadIndex(t *testing.T) {
	hs := newHarness(t, &Options{AllowEIO3: true})
	resp, body := hs.get("EIO=3&transport=polling&j=alert(1)")
	requireProtocolError(t, resp, body, 400, 3)
	require.NotContains(t, string(body), "alert")
	require.Zero(t, hs.srv.SessionCount())
}

func TestPollingV3BinaryForms(t *testing.T) {
	hs := newHarness(t, &Options{AllowEIO3: true})

	// XHR2 client (no b64): binary-form payload.
	o, s, _ := hs.handshakeV3("")
	require.NoError(t, s.Send(TextMessage([]byte("hi")), BinaryMessage([]byte{1, 2, 3})))
	resp, body := hs.get("EIO=3&transport=polling&sid=" + o.SID)
	require.Equal(t, "application/octet-stream", resp.Header.Get("Content-Type"))
	want := []byte{0, 3, 0xff, '4', 'h', 'i', 1, 4, 0xff, 4, 1, 2, 3}
	require.Equal(t, want, body)

	// Text only: string form even for an XHR2 client.
	require.NoError(t, s.Send(TextMessage([]byte("é"))))
	resp, body = hs.get("EIO=3&transport=polling&sid=" + o.SID)
	require.Equal(t, "text/plain; charset=UTF-8", resp.Header.Get("Content-Type"))
	require.Equal(t, "2:4é", string(body))

	// Client → server binary form.
	post := []byte{1, 4, 0xff, 4, 7, 8, 9, 0, 2, 0xff, '4', 'x'}
	resp, b := hs.do(http.MethodPost, "EIO=3&transport=polling&sid="+o.SID, bytes.NewReader(post),
		http.Header{"Content-Type": {"application/octet-stream"}})
	require.Equal(t, "ok", string(b), "status %d", resp.StatusCode)
	m := hs.h.nextMsg(t)
	require.True(t, m.binary)
	require.Equal(t, []byte{7, 8, 9}, m.data)
	m = hs.h.nextMsg(t)
	require.False(t, m.binary)
	require.Equal(t, "x", string(m.data))

	// b64=1 client: string form with base64 binary.
	o2, s2, _ := hs.handshakeV3("&b64=1")
	require.NoError(t, s2.Send(BinaryMessage([]byte{1, 2, 3}), TextMessage([]byte("t"))))
	resp, body = hs.get("EIO=3&transport=polling&b64=1&sid=" + o2.SID)
	require.Equal(t, "text/plain; charset=UTF-8", resp.Header.Get("Content-Type"))
	require.Equal(t, "6:b4AQID2:4t", string(body))
}

func TestPollingGzip(t *testing.T) {
	hs := newHarness(t, nil)
	o, s := hs.handshakeV4()
	big := bytes.Repeat([]byte("compress me please "), 200) // ~3.8 KB
	require.NoError(t, s.Send(TextMessage(big)))

	gz := http.Header{"Accept-Encoding": {"gzip, deflate"}}
	resp, body := hs.do(http.MethodGet, "EIO=4&transport=polling&sid="+o.SID, nil, gz)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Equal(t, "gzip", resp.Header.Get("Content-Encoding"))
	require.Contains(t, resp.Header.Values("Vary"), "Accept-Encoding")
	require.Less(t, len(body), len(big)/4, "compressed body")
	zr, err := gzip.NewReader(bytes.NewReader(body))
	require.NoError(t, err)
	plain, err := io.ReadAll(zr)
	require.NoError(t, err)
	require.Equal(t, append([]byte("4"), big...), plain)

	// Under the threshold: sent as is.
	require.NoError(t, s.Send(TextMessage([]byte("small"))))
	resp, body = hs.do(http.MethodGet, "EIO=4&transport=polling&sid="+o.SID, nil, gz)
	require.Empty(t, resp.Header.Get("Content-Encoding"))
	require.Equal(t, "4small", string(body))

	// Large, but the client does not accept gzip.
	require.NoError(t, s.Send(TextMessage(big)))
	resp, body = hs.do(http.MethodGet, "EIO=4&transport=polling&sid="+o.SID, nil, http.Header{"Accept-Encoding": {"identity"}})
	require.Empty(t, resp.Header.Get("Content-Encoding"))
	require.Equal(t, append([]byte("4"), big...), body)
}

func TestPollingCompressionDisabled(t *testing.T) {
	hs := newHarness(t, &Options{HTTPCompression: &CompressionOptions{Disable: true}})
	o, s := hs.handshakeV4()
	big := bytes.Repeat([]byte("z"), 4096)
	require.NoError(t, s.Send(TextMessage(big)))
	resp, body := hs.do(http.MethodGet, "EIO=4&transport=polling&sid="+o.SID, nil, http.Header{"Accept-Encoding": {"gzip"}})
	require.Empty(t, resp.Header.Get("Content-Encoding"))
	require.Equal(t, append([]byte("4"), big...), body)
}

func TestPollingAbortedGetClosesSession(t *testing.T) {
	hs := newHarness(t, nil)
	o, s := hs.handshakeV4()
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	req, err := http.NewRequest(http.MethodGet, hs.url("EIO=4&transport=polling&sid="+o.SID), nil)
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	req = req.WithContext(ctx)
	errc := make(chan error, 1)
	go func() {
		resp, err := tr.RoundTrip(req)
		if err == nil {
			resp.Body.Close()
		}
		errc <- err
	}()
	waitPollActive(t, s)
	cancel()
	require.Error(t, <-errc)
	c := hs.h.nextClose(t)
	require.Equal(t, ReasonTransportError, c.reason)
	require.ErrorIs(t, c.err, errPollAborted)
}

// blockingWriter is a ResponseWriter whose first Write waits for release,
// which freezes a polling GET between taking its batch and finishing it.
type blockingWriter struct {
	hdr     http.Header
	status  int
	body    bytes.Buffer
	wrote   chan struct{}
	release chan struct{}
}

func newBlockingWriter() *blockingWriter {
	return &blockingWriter{hdr: http.Header{}, wrote: make(chan struct{}), release: make(chan struct{})}
}

func (w *blockingWriter) Header() http.Header { return w.hdr }
func (w *blockingWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
}

func (w *blockingWriter) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	select {
	case <-w.wrote:
	default:
		close(w.wrote)
		<-w.release
	}
	return w.body.Write(p)
}

// TestPollingBatchOwnership: a GET that has taken its batch must keep it
// until it is done with it. Here the GET that carries the close packet of
// Session.Close (alone, as the engine sends it) is still writing when the client's next GET takes the
// following batch (a v3 pong). The engine then reuses the first batch's array
// for the second, so the first GET no longer sees the close packet it wrote,
// and the session is not ended: OnClose("forced close") only comes after the
// PingInterval+PingTimeout grace timer instead of right away.
func TestPollingBatchOwnership(t *testing.T) {
	hs := newHarness(t, &Options{AllowEIO3: true, PingInterval: 20 * time.Second, PingTimeout: 20 * time.Second})
	o, s, _ := hs.handshakeV3("&b64=1")
	require.NoError(t, s.Send(TextMessage([]byte("bye"))))
	require.NoError(t, s.Close())
	_, b := hs.get("EIO=3&transport=polling&b64=1&sid=" + o.SID)
	require.Equal(t, "4:4bye", string(b), "the close packet goes alone in the next response")

	bw := newBlockingWriter()
	req, err := http.NewRequest(http.MethodGet, hs.url("EIO=3&transport=polling&b64=1&sid="+o.SID), nil)
	require.NoError(t, err)
	get1 := make(chan struct{})
	go func() {
		defer close(get1)
		hs.srv.ServeHTTP(bw, req)
	}()
	select {
	case <-bw.wrote:
	case <-time.After(waitTimeout):
		t.Fatal("first GET did not write")
	}

	// The client pings (v3) and polls again while the first answer is
	// still being written.
	_, b = hs.post("EIO=3&transport=polling&b64=1&sid="+o.SID, "1:2")
	require.Equal(t, "ok", string(b))
	_, b = hs.get("EIO=3&transport=polling&b64=1&sid=" + o.SID)
	require.Equal(t, "1:3", string(b))

	close(bw.release)
	<-get1
	require.Equal(t, "1:1", bw.body.String())

	c := hs.h.nextClose(t)
	require.Equal(t, ReasonForcedClose, c.reason)
}
