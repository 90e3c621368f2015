package engineio

// Bad-input robustness table. Each row feeds one malformed or hostile input
// to a real server (httptest, loopback) and records the server's exact
// answer: HTTP status and body, what a WebSocket client sees on the wire,
// the reason the offending session closes with, and the messages that still
// reached the Handler. The row fails if any part of the answer changes.
// After every row the server must still be healthy: a session opened before
// the input (the bystander, on WebSocket) still echoes and is still open,
// and a fresh client handshakes and echoes over polling.
//
// docs/ROBUSTNESS.md mirrors this table; keep both in step.

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gobwas/ws"
	"github.com/gobwas/ws/wsutil"
	"github.com/stretchr/testify/require"
)

// badAnswer is everything the server answered to one bad input.
type badAnswer struct {
	// Status and Body are the HTTP answer to the bad request (0 and "" when
	// the input is not an HTTP request, or none came).
	Status int
	Body   string
	// Wire is what a WebSocket client saw after its bad input: "close 1007"
	// (a close frame with that status), "closed" (TCP closed without a
	// close frame), or "" (not a WebSocket input).
	Wire string
	// Also records secondary answers (another request of the same row).
	Also string
	// Close is the reason the victim session closed with; "" means it is
	// still open after the row.
	Close string
	// Msgs are the messages the Handler received from the victim.
	Msgs []string
}

// Fixed protocol error bodies.
const (
	badBodyTransport   = `{"code":0,"message":"Transport unknown"}`
	badBodyUnknownSID  = `{"code":1,"message":"Session ID unknown"}`
	badBodyHandshake   = `{"code":2,"message":"Bad handshake method"}`
	badBodyBadRequest  = `{"code":3,"message":"Bad request"}`
	badBodyProtocol    = `{"code":5,"message":"Unsupported protocol version"}`
	badBodyTooMany     = `{"code":4,"message":"Too many requests"}`
	badRecvLimit       = 512 // MaxHTTPBufferSize of the slowloris rows
	badTrickleInterval = 5 * time.Millisecond
)

// Victim kinds.
const (
	badNoVictim  = ""
	badV4Polling = "v4 polling"
	badV3Polling = "v3 polling"
	badV4WS      = "v4 websocket"
)

type badRow struct {
	name   string
	opts   Options // merged over the defaults of the env
	victim string
	input  func(t *testing.T, e *badEnv) badAnswer
	want   badAnswer
}

func TestBadInput(t *testing.T) {
	for _, row := range badRows() {
		t.Run(row.name, func(t *testing.T) {
			t.Parallel()
			e := newBadEnv(t, row.opts)
			e.openVictim(row.victim)
			got := row.input(t, e)
			if e.victim != "" {
				got.Close = e.waitClose(e.victim, row.want.Close != "")
			}
			e.requireHealthy(t)
			if e.victim != "" && got.Close == "" {
				// Late closes count too: the victim must still be open.
				got.Close = e.waitClose(e.victim, false)
				if got.Close == "" {
					require.NotNil(t, e.srv.Session(e.victim), "victim forgotten without OnClose")
				}
			}
			got.Msgs = e.msgsOf(e.victim)
			require.Equal(t, row.want, got)
		})
	}
}

func badRows() []badRow {
	return []badRow{
		// Handshake.
		{name: "handshake unknown transport", input: func(t *testing.T, e *badEnv) badAnswer {
			return e.httpDo(t, "GET", "EIO=4&transport=flashsocket", "", nil)
		}, want: badAnswer{Status: 400, Body: badBodyTransport}},
		{name: "handshake unsupported EIO", input: func(t *testing.T, e *badEnv) badAnswer {
			return e.httpDo(t, "GET", "EIO=5&transport=polling", "", nil)
		}, want: badAnswer{Status: 400, Body: badBodyProtocol}},
		{name: "handshake EIO3 not allowed", input: func(t *testing.T, e *badEnv) badAnswer {
			return e.httpDo(t, "GET", "EIO=3&transport=polling", "", nil)
		}, want: badAnswer{Status: 400, Body: badBodyProtocol}},
		{name: "handshake by POST", input: func(t *testing.T, e *badEnv) badAnswer {
			return e.httpDo(t, "POST", "EIO=4&transport=polling", "40", nil)
		}, want: badAnswer{Status: 400, Body: badBodyHandshake}},
		{name: "handshake websocket without upgrade", input: func(t *testing.T, e *badEnv) badAnswer {
			return e.httpDo(t, "GET", "EIO=4&transport=websocket", "", nil)
		}, want: badAnswer{Status: 400, Body: badBodyBadRequest}},
		{name: "handshake over MaxConnectionsPerIP", opts: Options{MaxConnectionsPerIP: 1, ClientIP: badClientIP}, input: func(t *testing.T, e *badEnv) badAnswer {
			h := http.Header{"X-Bad-Ip": {"10.0.0.1"}}
			first := e.httpDo(t, "GET", "EIO=4&transport=polling", "", h)
			a := e.httpDo(t, "GET", "EIO=4&transport=polling", "", h)
			a.Also = fmt.Sprintf("first: %d", first.Status)
			return a
		}, want: badAnswer{Status: 429, Body: badBodyTooMany, Also: "first: 200"}},
		{name: "handshake over HandshakeRate", opts: Options{HandshakeRate: &RateLimit{PerSecond: 0.001, Burst: 2}, ClientIP: badClientIP}, input: func(t *testing.T, e *badEnv) badAnswer {
			h := http.Header{"X-Bad-Ip": {"10.0.0.2"}}
			var codes []string
			for range 2 {
				codes = append(codes, strconv.Itoa(e.httpDo(t, "GET", "EIO=4&transport=polling", "", h).Status))
			}
			a := e.httpDo(t, "GET", "EIO=4&transport=polling", "", h)
			a.Also = "before: " + strings.Join(codes, ",")
			return a
		}, want: badAnswer{Status: 429, Body: badBodyTooMany, Also: "before: 200,200"}},
		{name: "CORS preflight from a disallowed origin", opts: Options{CORS: &CORSOptions{AllowedOrigins: []string{"https://good.example"}}}, input: func(t *testing.T, e *badEnv) badAnswer {
			a, resp := e.httpDoResp(t, "OPTIONS", "EIO=4&transport=polling", "", http.Header{
				"Origin": {"https://evil.example"}, "Access-Control-Request-Method": {"POST"},
			})
			a.Also = "Access-Control-Allow-Origin=" + resp.Header.Get("Access-Control-Allow-Origin")
			return a
		}, want: badAnswer{Status: 204, Also: "Access-Control-Allow-Origin="}},

		// Polling payloads (protocol 4).
		{name: "v4 payload is a bare type 4", victim: badV4Polling, input: func(t *testing.T, e *badEnv) badAnswer {
			return e.post(t, "4")
		}, want: badAnswer{Status: 200, Body: "ok", Msgs: []string{""}}},
		{name: "v4 payload empty", victim: badV4Polling, input: func(t *testing.T, e *badEnv) badAnswer {
			return e.post(t, "")
		}, want: badAnswer{Status: 400, Body: badBodyBadRequest, Close: "parse error"}},
		{name: "v4 payload with a trailing separator", victim: badV4Polling, input: func(t *testing.T, e *badEnv) badAnswer {
			return e.post(t, "4a\x1e")
		}, want: badAnswer{Status: 400, Body: badBodyBadRequest, Close: "parse error"}},
		{name: "v4 packet type 9", victim: badV4Polling, input: func(t *testing.T, e *badEnv) badAnswer {
			return e.post(t, "9")
		}, want: badAnswer{Status: 400, Body: badBodyBadRequest, Close: "parse error"}},
		{name: "v4 bad base64", victim: badV4Polling, input: func(t *testing.T, e *badEnv) badAnswer {
			return e.post(t, "b!!!")
		}, want: badAnswer{Status: 400, Body: badBodyBadRequest, Close: "parse error"}},
		{name: "v4 server-only packet (open)", victim: badV4Polling, input: func(t *testing.T, e *badEnv) badAnswer {
			return e.post(t, "0")
		}, want: badAnswer{Status: 200, Body: "ok", Close: "parse error"}},

		// Polling payloads (protocol 3).
		{name: "v3 payload truncated", opts: Options{AllowEIO3: true}, victim: badV3Polling, input: func(t *testing.T, e *badEnv) badAnswer {
			return e.post(t, "5:4ab")
		}, want: badAnswer{Status: 400, Body: badBodyBadRequest, Close: "parse error"}},
		{name: "v3 huge length prefix", opts: Options{AllowEIO3: true}, victim: badV3Polling, input: func(t *testing.T, e *badEnv) badAnswer {
			return e.post(t, "99999999999:4a")
		}, want: badAnswer{Status: 400, Body: badBodyBadRequest, Close: "parse error"}},
		{name: "v3 length prefix overflowing int64", opts: Options{AllowEIO3: true}, victim: badV3Polling, input: func(t *testing.T, e *badEnv) badAnswer {
			return e.post(t, "99999999999999999999999999:4a")
		}, want: badAnswer{Status: 400, Body: badBodyBadRequest, Close: "parse error"}},
		{name: "v3 packet type 9", opts: Options{AllowEIO3: true}, victim: badV3Polling, input: func(t *testing.T, e *badEnv) badAnswer {
			return e.post(t, "1:9")
		}, want: badAnswer{Status: 400, Body: badBodyBadRequest, Close: "parse error"}},
		{name: "v3 good packet then truncated one", opts: Options{AllowEIO3: true}, victim: badV3Polling, input: func(t *testing.T, e *badEnv) badAnswer {
			return e.post(t, "2:4a9:4b")
		}, want: badAnswer{Status: 400, Body: badBodyBadRequest, Close: "parse error"}},

		// Session ids and transports.
		{name: "unknown sid GET", input: func(t *testing.T, e *badEnv) badAnswer {
			return e.httpDo(t, "GET", "EIO=4&transport=polling&sid=nope", "", nil)
		}, want: badAnswer{Status: 400, Body: badBodyUnknownSID}},
		{name: "unknown sid POST", input: func(t *testing.T, e *badEnv) badAnswer {
			return e.httpDo(t, "POST", "EIO=4&transport=polling&sid=nope", "4x", nil)
		}, want: badAnswer{Status: 400, Body: badBodyUnknownSID}},
		{name: "unknown sid WebSocket", input: func(t *testing.T, e *badEnv) badAnswer {
			return e.httpDo(t, "GET", "EIO=4&transport=websocket&sid=nope", "", badUpgradeHeader())
		}, want: badAnswer{Status: 400, Body: badBodyUnknownSID}},
		{name: "polling sid on websocket path without upgrade", victim: badV4Polling, input: func(t *testing.T, e *badEnv) badAnswer {
			return e.httpDo(t, "GET", "EIO=4&transport=websocket&sid="+e.victim, "", nil)
		}, want: badAnswer{Status: 400, Body: badBodyBadRequest}},
		{name: "websocket sid on polling GET", victim: badV4WS, input: func(t *testing.T, e *badEnv) badAnswer {
			return e.httpDo(t, "GET", "EIO=4&transport=polling&sid="+e.victim, "", nil)
		}, want: badAnswer{Status: 400, Body: badBodyBadRequest}},
		{name: "websocket sid on polling POST", victim: badV4WS, input: func(t *testing.T, e *badEnv) badAnswer {
			return e.httpDo(t, "POST", "EIO=4&transport=polling&sid="+e.victim, "4sneaky", nil)
		}, want: badAnswer{Status: 400, Body: badBodyBadRequest}},
		{name: "websocket sid on a second WebSocket", victim: badV4WS, input: func(t *testing.T, e *badEnv) badAnswer {
			// Accepted and closed at once, as in Node: a close frame, 1000.
			return e.httpDo(t, "GET", "EIO=4&transport=websocket&sid="+e.victim, "", badUpgradeHeader())
		}, want: badAnswer{Status: 101, Body: "\x88\x02\x03\xe8"}},
		{name: "polling sid with another EIO revision", opts: Options{AllowEIO3: true}, victim: badV4Polling, input: func(t *testing.T, e *badEnv) badAnswer {
			// The session keeps the revision of its handshake; the query's
			// EIO only has to be one the server accepts.
			e.send(t, "late")
			a := e.httpDo(t, "GET", "EIO=3&transport=polling&sid="+e.victim, "", nil)
			return a
		}, want: badAnswer{Status: 200, Body: "4late"}},
		{name: "concurrent polling GETs", victim: badV4Polling, input: func(t *testing.T, e *badEnv) badAnswer {
			first := e.goDo(t, "GET", "EIO=4&transport=polling&sid="+e.victim, "")
			s := e.srv.Session(e.victim)
			require.Eventually(t, func() bool {
				s.mu.Lock()
				defer s.mu.Unlock()
				return s.pollActive
			}, 5*time.Second, time.Millisecond)
			a := e.httpDo(t, "GET", "EIO=4&transport=polling&sid="+e.victim, "", nil)
			f := <-first
			a.Also = fmt.Sprintf("first GET: %d %q", f.Status, f.Body)
			return a
		}, want: badAnswer{Status: 400, Body: badBodyBadRequest, Also: `first GET: 200 "1"`, Close: "transport error"}},

		// Sizes and slow clients (polling).
		{name: "10 MB POST with Content-Length", victim: badV4Polling, input: func(t *testing.T, e *badEnv) badAnswer {
			return e.rawPost(t, 10<<20, false, 0, nil)
		}, want: badAnswer{Status: 413, Close: "transport error"}},
		{name: "10 MB POST chunked", victim: badV4Polling, input: func(t *testing.T, e *badEnv) badAnswer {
			return e.rawPost(t, 10<<20, true, 0, nil)
		}, want: badAnswer{Status: 413, Close: "transport error"}},
		{name: "slowloris body announcing more than the limit", opts: Options{MaxHTTPBufferSize: badRecvLimit}, victim: badV4Polling, input: func(t *testing.T, e *badEnv) badAnswer {
			// Content-Length 1000 > 512: refused before a body byte is read,
			// so the trickle never gets to hold the request.
			return e.rawPost(t, 1000, false, badTrickleInterval, nil)
		}, want: badAnswer{Status: 413, Close: "transport error"}},
		{name: "slowloris chunked body past the limit", opts: Options{MaxHTTPBufferSize: badRecvLimit}, victim: badV4Polling, input: func(t *testing.T, e *badEnv) badAnswer {
			return e.rawPost(t, 1000, true, badTrickleInterval, func() { e.requireHealthy(t) })
		}, want: badAnswer{Status: 413, Close: "transport error"}},
		{name: "slowloris body within the limit", opts: Options{MaxHTTPBufferSize: badRecvLimit}, victim: badV4Polling, input: func(t *testing.T, e *badEnv) badAnswer {
			return e.rawPost(t, 400, false, badTrickleInterval, func() { e.requireHealthy(t) })
		}, want: badAnswer{Status: 200, Body: "ok", Msgs: []string{strings.Repeat("z", 399)}}},
		{name: "POST overlapping a trickling POST", victim: badV4Polling, input: func(t *testing.T, e *badEnv) badAnswer {
			var a badAnswer
			first := e.rawPost(t, 400, false, badTrickleInterval, func() {
				s := e.srv.Session(e.victim)
				require.Eventually(t, func() bool {
					s.mu.Lock()
					defer s.mu.Unlock()
					return s.postActive
				}, 5*time.Second, time.Millisecond)
				a = e.httpDo(t, "POST", "EIO=4&transport=polling&sid="+e.victim, "4second", nil)
			})
			// The trickling request's session is gone by the time its body
			// completes: nothing of it is delivered, and the answer says so.
			a.Also = fmt.Sprintf("trickling POST: %d %q", first.Status, first.Body)
			return a
		}, want: badAnswer{Status: 400, Body: badBodyBadRequest, Also: `trickling POST: 400 "{\"code\":3,\"message\":\"Bad request\"}"`, Close: "transport error"}},
		{name: "slowloris headers", input: func(t *testing.T, e *badEnv) badAnswer {
			conn := e.rawConn(t)
			_, err := io.WriteString(conn, "GET "+e.path("EIO=4&transport=polling")+" HTTP/1.1\r\nHost: x\r\n")
			require.NoError(t, err)
			for i := range 20 {
				_, err := fmt.Fprintf(conn, "X-Slow-%d: %d\r\n", i, i)
				require.NoError(t, err)
				time.Sleep(badTrickleInterval)
				if i == 10 {
					e.requireHealthy(t)
				}
			}
			// http.Server.ReadHeaderTimeout is the application's to set;
			// until then the connection waits, costing one goroutine.
			require.NoError(t, conn.SetReadDeadline(time.Now().Add(100*time.Millisecond)))
			_, err = conn.Read(make([]byte, 1))
			var ne net.Error
			require.True(t, errors.As(err, &ne) && ne.Timeout(), "want no answer yet, got %v", err)
			return badAnswer{Also: "no answer while the header trickles"}
		}, want: badAnswer{Also: "no answer while the header trickles"}},

		// WebSocket frames.
		{name: "websocket packet type 9", victim: badV4WS, input: func(t *testing.T, e *badEnv) badAnswer {
			e.victimWS.write(t, ws.OpText, []byte("9"))
			return badAnswer{Wire: e.victimWS.observe(t)}
		}, want: badAnswer{Wire: "closed", Close: "parse error"}},
		{name: "websocket empty text message", victim: badV4WS, input: func(t *testing.T, e *badEnv) badAnswer {
			e.victimWS.write(t, ws.OpText, nil)
			return badAnswer{Wire: e.victimWS.observe(t)}
		}, want: badAnswer{Wire: "closed", Close: "parse error"}},
		{name: "websocket invalid UTF-8 in a text frame", victim: badV4WS, input: func(t *testing.T, e *badEnv) badAnswer {
			e.victimWS.write(t, ws.OpText, []byte("4ok\xff\xfe"))
			return badAnswer{Wire: e.victimWS.observe(t)}
		}, want: badAnswer{Wire: "close 1007", Close: "transport error"}},
		{name: "websocket unmasked frame", victim: badV4WS, input: func(t *testing.T, e *badEnv) badAnswer {
			require.NoError(t, ws.WriteFrame(e.victimWS.conn, ws.NewTextFrame([]byte("4x"))))
			return badAnswer{Wire: e.victimWS.observe(t)}
		}, want: badAnswer{Wire: "close 1002", Close: "transport error"}},
		{name: "websocket garbage bytes", victim: badV4WS, input: func(t *testing.T, e *badEnv) badAnswer {
			// Fixed seed: the first byte is 0x19 (no FIN, opcode ping): a
			// fragmented control frame.
			r := rand.New(rand.NewPCG(7, 7))
			junk := make([]byte, 256)
			for i := range junk {
				junk[i] = byte(r.Uint32())
			}
			_, err := e.victimWS.conn.Write(junk)
			require.NoError(t, err)
			return badAnswer{Wire: e.victimWS.observe(t), Also: fmt.Sprintf("first byte %#x", junk[0])}
		}, want: badAnswer{Wire: "close 1002", Close: "transport error", Also: "first byte 0x19"}},
		{name: "websocket message over MaxHTTPBufferSize", opts: Options{MaxHTTPBufferSize: badRecvLimit}, victim: badV4WS, input: func(t *testing.T, e *badEnv) badAnswer {
			e.victimWS.write(t, ws.OpText, []byte("4"+strings.Repeat("x", badRecvLimit)))
			return badAnswer{Wire: e.victimWS.observe(t)}
		}, want: badAnswer{Wire: "close 1009", Close: "transport error"}},
		{name: "websocket frame header announcing 2^62 bytes", victim: badV4WS, input: func(t *testing.T, e *badEnv) badAnswer {
			hdr := []byte{0x81, 0x80 | 127, 0x40, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4}
			_, err := e.victimWS.conn.Write(hdr)
			require.NoError(t, err)
			return badAnswer{Wire: e.victimWS.observe(t)}
		}, want: badAnswer{Wire: "close 1009", Close: "transport error"}},
		{name: "websocket fragmented control frame", victim: badV4WS, input: func(t *testing.T, e *badEnv) badAnswer {
			f := ws.NewFrame(ws.OpPing, false, []byte("x"))
			require.NoError(t, ws.WriteFrame(e.victimWS.conn, ws.MaskFrameInPlace(f)))
			return badAnswer{Wire: e.victimWS.observe(t)}
		}, want: badAnswer{Wire: "close 1002", Close: "transport error"}},
		{name: "websocket close frame is echoed", victim: badV4WS, input: func(t *testing.T, e *badEnv) badAnswer {
			f := ws.NewCloseFrame(ws.NewCloseFrameBody(ws.StatusGoingAway, "bye"))
			require.NoError(t, ws.WriteFrame(e.victimWS.conn, ws.MaskFrameInPlace(f)))
			return badAnswer{Wire: e.victimWS.observe(t)}
		}, want: badAnswer{Wire: "close 1001", Close: "transport close"}},
		{name: "websocket pong from a v4 client", victim: badV4WS, input: func(t *testing.T, e *badEnv) badAnswer {
			e.victimWS.write(t, ws.OpText, []byte("3"))
			return badAnswer{}
		}, want: badAnswer{}},
		{name: "websocket ping from a v4 client", victim: badV4WS, input: func(t *testing.T, e *badEnv) badAnswer {
			e.victimWS.write(t, ws.OpText, []byte("2"))
			return badAnswer{Wire: e.victimWS.observe(t)}
		}, want: badAnswer{Wire: "closed", Close: "transport error"}},
	}
}

// badClientIP counts the X-Bad-IP header, or each connection on its own.
func badClientIP(r *http.Request) string {
	if ip := r.Header.Get("X-Bad-Ip"); ip != "" {
		return ip
	}
	return r.RemoteAddr
}

func badUpgradeHeader() http.Header {
	return http.Header{
		"Connection":            {"Upgrade"},
		"Upgrade":               {"websocket"},
		"Sec-Websocket-Key":     {"dGhlIHNhbXBsZSBub25jZQ=="},
		"Sec-Websocket-Version": {"13"},
	}
}

// badHandler echoes every message and records messages and closes per
// session.
type badHandler struct {
	mu     sync.Mutex
	msgs   map[string][]string
	closes map[string]chan string
}

func (h *badHandler) closeCh(id string) chan string {
	h.mu.Lock()
	defer h.mu.Unlock()
	ch := h.closes[id]
	if ch == nil {
		ch = make(chan string, 1)
		h.closes[id] = ch
	}
	return ch
}

func (h *badHandler) OnOpen(s *Session) { h.closeCh(s.ID()) }

func (h *badHandler) OnMessage(s *Session, binary bool, data []byte) {
	h.mu.Lock()
	h.msgs[s.ID()] = append(h.msgs[s.ID()], string(data))
	h.mu.Unlock()
	m := TextMessage(data)
	if binary {
		m = BinaryMessage(data)
	}
	_ = s.Send(m)
}

func (h *badHandler) OnClose(s *Session, reason CloseReason, _ error) {
	h.closeCh(s.ID()) <- string(reason)
}

// badEnv is one row's server, bystander and victim.
type badEnv struct {
	t         *testing.T
	h         *badHandler
	srv       *Server
	ts        *httptest.Server
	bystander *badWS
	byID      string
	victim    string // victim session id
	victimWS  *badWS
	echoN     int
}

func newBadEnv(t *testing.T, opts Options) *badEnv {
	h := &badHandler{msgs: map[string][]string{}, closes: map[string]chan string{}}
	srv := NewServer(h, &opts)
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	t.Cleanup(func() { _ = srv.Close() })
	e := &badEnv{t: t, h: h, srv: srv, ts: ts}
	e.bystander, e.byID = e.dialWS(t, "EIO=4&transport=websocket")
	e.echoWS(t, e.bystander)
	return e
}

func (e *badEnv) path(query string) string { return e.srv.opts.Path + "?" + query }

func (e *badEnv) openVictim(kind string) {
	t := e.t
	switch kind {
	case badNoVictim:
	case badV4Polling, badV3Polling:
		eio := "4"
		if kind == badV3Polling {
			eio = "3"
		}
		a := e.httpDo(t, "GET", "EIO="+eio+"&transport=polling", "", nil)
		require.Equal(t, 200, a.Status, a.Body)
		i := strings.Index(a.Body, "0{")
		require.GreaterOrEqual(t, i, 0, a.Body)
		e.victim = badSID(t, a.Body[i+1:])
	case badV4WS:
		e.victimWS, e.victim = e.dialWS(t, "EIO=4&transport=websocket")
	default:
		t.Fatalf("unknown victim %q", kind)
	}
}

func badSID(t *testing.T, open string) string {
	// v3 string payloads may carry a second packet after the JSON.
	dec := json.NewDecoder(strings.NewReader(open))
	var o struct{ SID string }
	require.NoError(t, dec.Decode(&o), open)
	require.NotEmpty(t, o.SID)
	return o.SID
}

// send queues a message to the victim from the server.
func (e *badEnv) send(t *testing.T, msg string) {
	s := e.srv.Session(e.victim)
	require.NotNil(t, s)
	require.NoError(t, s.Send(TextMessage([]byte(msg))))
}

// waitClose returns the reason the session closed with: it waits up to 5 s
// when a close is expected, and only checks otherwise.
func (e *badEnv) waitClose(id string, expect bool) string {
	ch := e.h.closeCh(id)
	d := 20 * time.Millisecond
	if expect {
		d = 5 * time.Second
	}
	select {
	case r := <-ch:
		ch <- r // keep it for a later look
		return r
	case <-time.After(d):
		return ""
	}
}

func (e *badEnv) msgsOf(id string) []string {
	if id == "" {
		return nil
	}
	e.h.mu.Lock()
	defer e.h.mu.Unlock()
	return e.h.msgs[id]
}

// requireHealthy checks that the bystander still echoes and is open, and that
// a fresh client handshakes and echoes over polling.
func (e *badEnv) requireHealthy(t *testing.T) {
	e.echoWS(t, e.bystander)
	require.Equal(t, "", e.waitClose(e.byID, false), "the bystander was closed")

	a := e.httpDo(t, "GET", "EIO=4&transport=polling", "", nil)
	require.Equal(t, 200, a.Status, a.Body)
	sid := badSID(t, a.Body[1:])
	q := "EIO=4&transport=polling&sid=" + sid
	e.echoN++
	msg := "fresh-" + strconv.Itoa(e.echoN)
	a = e.httpDo(t, "POST", q, "4"+msg, nil)
	require.Equal(t, badAnswer{Status: 200, Body: "ok"}, a)
	a = e.httpDo(t, "GET", q, "", nil)
	require.Equal(t, badAnswer{Status: 200, Body: "4" + msg}, a)
	a = e.httpDo(t, "POST", q, "1", nil) // leave
	require.Equal(t, 200, a.Status)
}

func (e *badEnv) echoWS(t *testing.T, c *badWS) {
	e.echoN++
	msg := "4echo-" + strconv.Itoa(e.echoN)
	c.write(t, ws.OpText, []byte(msg))
	require.NoError(t, c.conn.SetReadDeadline(time.Now().Add(5*time.Second)))
	for {
		data, op, err := wsutil.ReadServerData(c.rw)
		require.NoError(t, err)
		if op == ws.OpText && string(data) == "2" {
			continue // heartbeat; not answered, the rows are short
		}
		require.Equal(t, msg, string(data))
		return
	}
}

// httpDo sends one request and returns its status and body.
func (e *badEnv) httpDo(t *testing.T, method, query, body string, hdr http.Header) badAnswer {
	a, _ := e.httpDoResp(t, method, query, body, hdr)
	return a
}

func (e *badEnv) httpDoResp(t *testing.T, method, query, body string, hdr http.Header) (badAnswer, *http.Response) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, e.ts.URL+e.path(query), strings.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "text/plain;charset=UTF-8")
	for k, v := range hdr {
		req.Header[k] = v
	}
	resp, err := e.ts.Client().Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return badAnswer{Status: resp.StatusCode, Body: string(b)}, resp
}

func (e *badEnv) post(t *testing.T, body string) badAnswer {
	return e.httpDo(t, "POST", "EIO=4&transport=polling&sid="+e.victim, body, nil)
}

// goDo runs httpDo on its own goroutine.
func (e *badEnv) goDo(t *testing.T, method, query, body string) <-chan badAnswer {
	ch := make(chan badAnswer, 1)
	go func() {
		req, err := http.NewRequest(method, e.ts.URL+e.path(query), strings.NewReader(body))
		if err != nil {
			ch <- badAnswer{Body: err.Error()}
			return
		}
		resp, err := e.ts.Client().Do(req)
		if err != nil {
			ch <- badAnswer{Body: err.Error()}
			return
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		ch <- badAnswer{Status: resp.StatusCode, Body: string(b)}
	}()
	return ch
}

func (e *badEnv) rawConn(t *testing.T) net.Conn {
	conn, err := net.Dial("tcp", e.ts.Listener.Addr().String())
	require.NoError(t, err)
	t.Cleanup(func() { _ = conn.Close() })
	return conn
}

// rawPost POSTs a message of size bytes ("4" + 'z's) to the victim over a raw
// connection, with Content-Length or chunked, writing it in 16-byte pieces
// every interval when interval > 0 (a slowloris body) or at once. midway,
// if set, runs once the body has started. The answer is whatever the server
// replies, possibly before the body is complete.
func (e *badEnv) rawPost(t *testing.T, size int, chunked bool, interval time.Duration, midway func()) badAnswer {
	conn := e.rawConn(t)
	hdr := "POST " + e.path("EIO=4&transport=polling&sid="+e.victim) + " HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain;charset=UTF-8\r\n"
	if chunked {
		hdr += "Transfer-Encoding: chunked\r\n\r\n"
	} else {
		hdr += "Content-Length: " + strconv.Itoa(size) + "\r\n\r\n"
	}
	_, err := io.WriteString(conn, hdr)
	require.NoError(t, err)

	resp := make(chan badAnswer, 1)
	go func() {
		_ = conn.SetReadDeadline(time.Now().Add(20 * time.Second))
		r, err := http.ReadResponse(bufio.NewReader(conn), nil)
		if err != nil {
			resp <- badAnswer{Body: "read error: " + err.Error()}
			return
		}
		b, _ := io.ReadAll(r.Body)
		r.Body.Close()
		resp <- badAnswer{Status: r.StatusCode, Body: string(b)}
	}()

	body := []byte("4" + strings.Repeat("z", size-1))
	piece := 16
	if interval == 0 {
		piece = 64 << 10
	}
	writeErr := false
	for off := 0; off < len(body) && !writeErr; off += piece {
		p := body[off:min(off+piece, len(body))]
		var err error
		if chunked {
			_, err = fmt.Fprintf(conn, "%x\r\n%s\r\n", len(p), p)
		} else {
			_, err = conn.Write(p)
		}
		writeErr = err != nil // the server may answer and close early
		if off == 0 && midway != nil {
			midway()
		}
		select {
		case a := <-resp:
			return a // answered before the whole body was sent
		default:
		}
		if interval > 0 {
			time.Sleep(interval)
		}
	}
	if chunked && !writeErr {
		_, _ = io.WriteString(conn, "0\r\n\r\n")
	}
	select {
	case a := <-resp:
		return a
	case <-time.After(20 * time.Second):
		t.Fatal("no answer to the POST")
		return badAnswer{}
	}
}

// badWS is a raw WebSocket client.
type badWS struct {
	conn net.Conn
	rw   io.ReadWriter
}

type badRW struct {
	io.Reader
	io.Writer
}

func (e *badEnv) dialWS(t *testing.T, query string) (*badWS, string) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	url := "ws" + strings.TrimPrefix(e.ts.URL, "http") + e.path(query)
	conn, br, _, err := ws.Dial(ctx, url)
	require.NoError(t, err)
	t.Cleanup(func() { _ = conn.Close() })
	var r io.Reader = conn
	if br != nil {
		r = io.MultiReader(br, conn)
	}
	c := &badWS{conn: conn, rw: badRW{r, conn}}
	require.NoError(t, conn.SetReadDeadline(time.Now().Add(5*time.Second)))
	data, _, err := wsutil.ReadServerData(c.rw)
	require.NoError(t, err)
	require.True(t, strings.HasPrefix(string(data), "0{"), "%q", data)
	return c, badSID(t, string(data[1:]))
}

func (c *badWS) write(t *testing.T, op ws.OpCode, p []byte) {
	require.NoError(t, c.conn.SetWriteDeadline(time.Now().Add(5*time.Second)))
	require.NoError(t, ws.WriteFrame(c.conn, ws.MaskFrameInPlace(ws.NewFrame(op, true, p))))
}

// observe reads what the server sends after a bad input until the
// connection ends: "close N" when a close frame arrives first, "closed"
// when the connection ends without one.
func (c *badWS) observe(t *testing.T) string {
	require.NoError(t, c.conn.SetReadDeadline(time.Now().Add(5*time.Second)))
	for {
		//lint:ignore SA1019 a test reading frames from the server under test, whose sizes it controls
		f, err := ws.ReadFrame(c.rw)
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				return "still open"
			}
			return "closed"
		}
		if f.Header.OpCode == ws.OpClose {
			if len(f.Payload) < 2 {
				return "close (no status)"
			}
			code, _ := ws.ParseCloseFrameData(f.Payload)
			return "close " + strconv.Itoa(int(code))
		}
	}
}

// TestBadInputTableDocumented keeps docs/ROBUSTNESS.md in step with the
// table: every row's name appears there.
func TestBadInputTableDocumented(t *testing.T) {
	doc, err := os.ReadFile("../docs/ROBUSTNESS.md")
	require.NoError(t, err)
	for _, row := range badRows() {
		require.Contains(t, string(doc), "`TestBadInput/"+strings.ReplaceAll(row.name, " ", "_")+"`", "row %q is not in docs/ROBUSTNESS.md", row.name)
	}
}
