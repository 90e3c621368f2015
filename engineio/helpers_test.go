package engineio

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gobwas/ws"
	"github.com/gobwas/ws/wsutil"
	"github.com/stretchr/testify/require"
)

// waitTimeout bounds every wait for an event; generous so a loaded CI machine
// does not fail a correct engine, while a broken one still fails the test.
const waitTimeout = 5 * time.Second

type msgEvent struct {
	s      *Session
	binary bool
	data   []byte
}

type closeEvent struct {
	s      *Session
	reason CloseReason
	err    error
}

// recHandler records every Handler event on buffered channels.
type recHandler struct {
	opened chan *Session
	msgs   chan msgEvent
	closed chan closeEvent

	// Optional hooks, called before the event is recorded.
	onOpen    func(s *Session)
	onMessage func(s *Session, binary bool, data []byte)
}

func newRecHandler() *recHandler {
	return &recHandler{
		opened: make(chan *Session, 1024),
		msgs:   make(chan msgEvent, 8192),
		closed: make(chan closeEvent, 1024),
	}
}

func (h *recHandler) OnOpen(s *Session) {
	if h.onOpen != nil {
		h.onOpen(s)
	}
	h.opened <- s
}

func (h *recHandler) OnMessage(s *Session, binary bool, data []byte) {
	if h.onMessage != nil {
		h.onMessage(s, binary, data)
	}
	h.msgs <- msgEvent{s, binary, data}
}

func (h *recHandler) OnClose(s *Session, reason CloseReason, err error) {
	h.closed <- closeEvent{s, reason, err}
}

func (h *recHandler) nextOpen(t testing.TB) *Session {
	t.Helper()
	select {
	case s := <-h.opened:
		return s
	case <-time.After(waitTimeout):
		t.Fatal("timed out waiting for OnOpen")
		return nil
	}
}

func (h *recHandler) nextMsg(t testing.TB) msgEvent {
	t.Helper()
	select {
	case m := <-h.msgs:
		return m
	case <-time.After(waitTimeout):
		t.Fatal("timed out waiting for OnMessage")
		return msgEvent{}
	}
}

func (h *recHandler) nextClose(t testing.TB) closeEvent {
	t.Helper()
	select {
	case c := <-h.closed:
		return c
	case <-time.After(waitTimeout):
		t.Fatal("timed out waiting for OnClose")
		return closeEvent{}
	}
}

// requireNoClose fails if an OnClose is pending.
func (h *recHandler) requireNoClose(t testing.TB) {
	t.Helper()
	select {
	case c := <-h.closed:
		t.Fatalf("unexpected OnClose: %q (%v)", c.reason, c.err)
	default:
	}
}

// harness is an engine server mounted on a real HTTP test server.
type harness struct {
	t   testing.TB
	h   *recHandler
	srv *Server
	ts  *httptest.Server
}

func newHarness(t testing.TB, opts *Options) *harness {
	t.Helper()
	h := newRecHandler()
	return newHarnessWith(t, h, opts)
}

func newHarnessWith(t testing.TB, h *recHandler, opts *Options) *harness {
	t.Helper()
	srv := NewServer(h, opts)
	ts := httptest.NewServer(srv)
	// Cleanups run last-in first-out: the engine closes its sessions first
	// (which completes waiting polls), then the HTTP server shuts down.
	t.Cleanup(ts.Close)
	t.Cleanup(func() { _ = srv.Close() })
	return &harness{t: t, h: h, srv: srv, ts: ts}
}

func (hs *harness) url(query string) string {
	return hs.ts.URL + hs.srv.opts.Path + "?" + query
}

func (hs *harness) wsURL(query string) string {
	return "ws" + strings.TrimPrefix(hs.ts.URL, "http") + hs.srv.opts.Path + "?" + query
}

// do sends a request and returns the response with its body read.
func (hs *harness) do(method, query string, body io.Reader, hdr http.Header) (*http.Response, []byte) {
	hs.t.Helper()
	return hs.doCtx(context.Background(), method, query, body, hdr)
}

func (hs *harness) doCtx(ctx context.Context, method, query string, body io.Reader, hdr http.Header) (*http.Response, []byte) {
	hs.t.Helper()
	req, err := http.NewRequestWithContext(ctx, method, hs.url(query), body)
	require.NoError(hs.t, err)
	for k, v := range hdr {
		req.Header[k] = v
	}
	resp, err := hs.ts.Client().Do(req)
	require.NoError(hs.t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(hs.t, err)
	return resp, b
}

func (hs *harness) get(query string) (*http.Response, []byte) {
	hs.t.Helper()
	return hs.do(http.MethodGet, query, nil, nil)
}

func (hs *harness) post(query, body string) (*http.Response, []byte) {
	hs.t.Helper()
	return hs.do(http.MethodPost, query, strings.NewReader(body), http.Header{"Content-Type": {"text/plain;charset=UTF-8"}})
}

type openPacket struct {
	SID          string   `json:"sid"`
	Upgrades     []string `json:"upgrades"`
	PingInterval int64    `json:"pingInterval"`
	PingTimeout  int64    `json:"pingTimeout"`
	MaxPayload   *int64   `json:"maxPayload"`
}

func parseOpen(t testing.TB, data []byte) openPacket {
	t.Helper()
	var o openPacket
	require.NoError(t, json.Unmarshal(data, &o), "open payload %q", data)
	return o
}

// handshakeV4 opens a v4 polling session and returns its OPEN packet and the
// server side session.
func (hs *harness) handshakeV4() (openPacket, *Session) {
	hs.t.Helper()
	resp, body := hs.get("EIO=4&transport=polling")
	require.Equal(hs.t, http.StatusOK, resp.StatusCode, "body %q", body)
	require.True(hs.t, len(body) > 1 && body[0] == '0', "handshake body %q", body)
	o := parseOpen(hs.t, body[1:])
	s := hs.h.nextOpen(hs.t)
	require.Equal(hs.t, o.SID, s.ID())
	return o, s
}

// handshakeV3 opens a v3 polling session with extra query parameters.
func (hs *harness) handshakeV3(extra string) (openPacket, *Session, []byte) {
	hs.t.Helper()
	resp, body := hs.get("EIO=3&transport=polling" + extra)
	require.Equal(hs.t, http.StatusOK, resp.StatusCode, "body %q", body)
	s := hs.h.nextOpen(hs.t)
	return openPacket{SID: s.ID()}, s, body
}

// requireProtocolError checks an Engine.IO JSON error answer.
func requireProtocolError(t testing.TB, resp *http.Response, body []byte, status, code int) {
	t.Helper()
	require.Equal(t, status, resp.StatusCode, "body %q", body)
	require.Equal(t, "application/json", resp.Header.Get("Content-Type"))
	var e struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
	}
	require.NoError(t, json.Unmarshal(body, &e), "body %q", body)
	require.Equal(t, code, e.Code, "body %q", body)
	require.NotEmpty(t, e.Message)
}

// waitPollActive waits until the session holds a waiting polling GET. It
// inspects engine state instead of sleeping, so the test knows the GET has
// really reached the server.
func waitPollActive(t testing.TB, s *Session) {
	t.Helper()
	require.Eventually(t, func() bool {
		s.mu.Lock()
		defer s.mu.Unlock()
		return s.pollActive
	}, waitTimeout, time.Millisecond, "the polling GET never reached the server")
}

type httpResult struct {
	resp *http.Response
	body []byte
	err  error
}

// goGet starts a GET on its own goroutine; its result arrives on the channel.
func (hs *harness) goGet(query string, hdr http.Header) <-chan httpResult {
	ch := make(chan httpResult, 1)
	req, err := http.NewRequest(http.MethodGet, hs.url(query), nil)
	require.NoError(hs.t, err)
	for k, v := range hdr {
		req.Header[k] = v
	}
	go func() {
		resp, err := hs.ts.Client().Do(req)
		if err != nil {
			ch <- httpResult{err: err}
			return
		}
		b, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		ch <- httpResult{resp: resp, body: b, err: err}
	}()
	return ch
}

func awaitResult(t testing.TB, ch <-chan httpResult) httpResult {
	t.Helper()
	select {
	case r := <-ch:
		require.NoError(t, r.err)
		return r
	case <-time.After(waitTimeout):
		t.Fatal("timed out waiting for HTTP response")
		return httpResult{}
	}
}

// wsClient is a minimal WebSocket client built on gobwas/ws.
type wsClient struct {
	t    testing.TB
	conn net.Conn
	rw   io.ReadWriter
}

type readWriter struct {
	io.Reader
	io.Writer
}

func (hs *harness) dialWS(query string) *wsClient {
	hs.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	conn, br, _, err := ws.Dial(ctx, hs.wsURL(query))
	require.NoError(hs.t, err)
	hs.t.Cleanup(func() { _ = conn.Close() })
	var r io.Reader = conn
	if br != nil {
		r = br // may hold frames the server sent right after the handshake
	}
	return &wsClient{t: hs.t, conn: conn, rw: readWriter{r, conn}}
}

// read returns the next data message, answering control frames.
func (c *wsClient) read() (ws.OpCode, []byte) {
	c.t.Helper()
	require.NoError(c.t, c.conn.SetReadDeadline(time.Now().Add(waitTimeout)))
	data, op, err := wsutil.ReadServerData(c.rw)
	require.NoError(c.t, err)
	return op, data
}

func (c *wsClient) readText() string {
	c.t.Helper()
	op, data := c.read()
	require.Equal(c.t, ws.OpText, op, "frame %q", data)
	return string(data)
}

func (c *wsClient) write(op ws.OpCode, p []byte) {
	c.t.Helper()
	require.NoError(c.t, c.conn.SetWriteDeadline(time.Now().Add(waitTimeout)))
	require.NoError(c.t, wsutil.WriteClientMessage(c.conn, op, p))
}

func (c *wsClient) writeText(s string) { c.t.Helper(); c.write(ws.OpText, []byte(s)) }

// readFrame returns the next raw frame, control frames included.
func (c *wsClient) readFrame() ws.Frame {
	c.t.Helper()
	require.NoError(c.t, c.conn.SetReadDeadline(time.Now().Add(waitTimeout)))
	//lint:ignore SA1019 a test reading frames from the server under test, whose sizes it controls
	f, err := ws.ReadFrame(c.rw)
	require.NoError(c.t, err)
	return f
}

// requireRefused fails unless the server closes the WebSocket at once: a
// close frame first, then the end of the connection once it is answered.
func (c *wsClient) requireRefused() {
	c.t.Helper()
	f := c.readFrame()
	require.Equal(c.t, ws.OpClose, f.Header.OpCode, "frame %q", f.Payload)
	require.NoError(c.t, ws.WriteFrame(c.conn, ws.MaskFrame(ws.NewCloseFrame(ws.NewCloseFrameBody(ws.StatusNormalClosure, "")))))
	_, err := c.rw.Read(make([]byte, 1))
	require.ErrorIs(c.t, err, io.EOF)
}

// openWS opens a v4 WebSocket session and returns its OPEN packet.
func (hs *harness) openWS(eio int) (*wsClient, openPacket, *Session) {
	hs.t.Helper()
	c := hs.dialWS("EIO=" + strconv.Itoa(eio) + "&transport=websocket")
	txt := c.readText()
	require.True(hs.t, strings.HasPrefix(txt, "0"), "first frame %q", txt)
	o := parseOpen(hs.t, []byte(txt[1:]))
	s := hs.h.nextOpen(hs.t)
	require.Equal(hs.t, o.SID, s.ID())
	return c, o, s
}

func timeNowPlus() time.Time { return time.Now().Add(waitTimeout) }

// requireSenderOrder reads senders*each text messages "4<sender>:<seq>" and
// fails unless every sender's messages arrive once each and in its order.
func (c *wsClient) requireSenderOrder(t testing.TB, senders, each int) {
	t.Helper()
	next := make([]int, senders)
	for range senders * each {
		g, i, ok := strings.Cut(strings.TrimPrefix(c.readText(), "4"), ":")
		require.True(t, ok)
		gi, _ := strconv.Atoi(g)
		ii, _ := strconv.Atoi(i)
		require.Equal(t, next[gi], ii, "sender %d out of order", gi)
		next[gi]++
	}
}
