package engineio

import (
	"bufio"
	"bytes"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// processCPU returns the user and system CPU time the process has used.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// echoHandler sends every message back, so one POST makes one GET answer.
type echoHandler struct{ opened chan *Session }

func (h echoHandler) OnOpen(s *Session) { h.opened <- s }
func (echoHandler) OnMessage(s *Session, binary bool, data []byte) {
	if binary {
		_ = s.Send(BinaryMessage(data))
	} else {
		_ = s.Send(TextMessage(data))
	}
}
func (echoHandler) OnClose(*Session, CloseReason, error) {}

// rawHTTPConn is a keep-alive HTTP/1.1 client on one connection that sends
// prepared request bytes and reads answers into a reused buffer, so the
// benchmark's client side allocates nothing per round trip and allocs/op
// measure the server: net/http and the engine.
type rawHTTPConn struct {
	conn net.Conn
	br   *bufio.Reader
	body []byte
}

func dialRawHTTP(b *testing.B, addr string) *rawHTTPConn {
	c, err := net.Dial("tcp", addr)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = c.Close() })
	_ = c.SetDeadline(time.Now().Add(time.Hour))
	return &rawHTTPConn{conn: c, br: bufio.NewReaderSize(c, 8192)}
}

func (c *rawHTTPConn) send(b *testing.B, req []byte) {
	if _, err := c.conn.Write(req); err != nil {
		b.Fatal(err)
	}
}

// read returns the status code and body of the next answer. Only
// Content-Length framing is understood, which is what the engine sends.
func (c *rawHTTPConn) read(b *testing.B) (int, []byte) {
	line, err := c.br.ReadSlice('\n')
	if err != nil || len(line) < 12 {
		b.Fatalf("status line %q: %v", line, err)
	}
	status := int(line[9]-'0')*100 + int(line[10]-'0')*10 + int(line[11]-'0')
	n := -1
	for {
		line, err = c.br.ReadSlice('\n')
		if err != nil {
			b.Fatal(err)
		}
		if len(line) <= 2 {
			break
		}
		if k, v, ok := bytes.Cut(line, []byte(":")); ok && strings.EqualFold(string(k), "Content-Length") {
			n, _ = strconv.Atoi(string(bytes.TrimSpace(v)))
		}
	}
	if n < 0 {
		b.Fatal("answer without Content-Length")
	}
	if cap(c.body) < n {
		c.body = make([]byte, n)
	}
	c.body = c.body[:n]
	if _, err := io.ReadFull(c.br, c.body); err != nil {
		b.Fatal(err)
	}
	return status, c.body
}

// BenchmarkPollingServerRoundTrip is one emit and its answer over
// long-polling as the bench's polling clients do it: a GET waits, a POST
// carries a message, the handler's answer completes the GET. Requests are
// written by hand, so allocs/op is the server's cost of one POST and one GET.
func BenchmarkPollingServerRoundTrip(b *testing.B) {
	for _, proto := range []int{4, 3} {
		b.Run("EIO="+strconv.Itoa(proto), func(b *testing.B) {
			h := echoHandler{opened: make(chan *Session, 1)}
			srv := NewServer(h, &Options{AllowEIO3: true})
			ts := httptest.NewServer(srv)
			b.Cleanup(ts.Close)
			b.Cleanup(func() { _ = srv.Close() })
			addr := ts.Listener.Addr().String()

			getc, postc := dialRawHTTP(b, addr), dialRawHTTP(b, addr)
			eio := strconv.Itoa(proto)
			getc.send(b, []byte("GET /engine.io/?EIO="+eio+"&transport=polling&t=PabcdEf HTTP/1.1\r\nHost: "+addr+"\r\n\r\n"))
			if st, _ := getc.read(b); st != 200 {
				b.Fatalf("handshake: %d", st)
			}
			s := <-h.opened
			q := "/engine.io/?EIO=" + eio + "&transport=polling&t=PabcdEf&sid=" + s.ID()
			get := []byte("GET " + q + " HTTP/1.1\r\nHost: " + addr + "\r\nUser-Agent: bench\r\nAccept: */*\r\n\r\n")
			msg := `42["echo",{"t":1234567890,"i":42,"p":"` + strings.Repeat("x", 32) + `"}]`
			payload, want := "4"+msg, "4"+msg
			if proto == 3 {
				payload = strconv.Itoa(len(msg)+1) + ":" + payload
				want = payload
			}
			post := []byte("POST " + q + " HTTP/1.1\r\nHost: " + addr + "\r\nUser-Agent: bench\r\nAccept: */*\r\n" +
				"Content-Type: text/plain;charset=UTF-8\r\nContent-Length: " + strconv.Itoa(len(payload)) + "\r\n\r\n" + payload)

			b.ReportAllocs()
			cpu0 := processCPU()
			for b.Loop() {
				getc.send(b, get)
				postc.send(b, post)
				if st, body := postc.read(b); st != 200 || string(body) != "ok" {
					b.Fatalf("POST: %d %q", st, body)
				}
				if st, body := getc.read(b); st != 200 || string(body) != want {
					b.Fatalf("GET: %d %q, want %q", st, body, want)
				}
			}
			// CPU time, unlike elapsed time, does not count waiting for a
			// core, which on a shared machine is most of the noise.
			b.ReportMetric(float64(processCPU()-cpu0)/float64(b.N), "cpu-ns/op")
		})
	}
}

// discardWriter is a ResponseWriter that keeps nothing, reusing its header
// map, so a benchmark calling ServeHTTP directly measures the engine alone.
type discardWriter struct {
	h      http.Header
	status int
	n      int
}

func (w *discardWriter) Header() http.Header { return w.h }
func (w *discardWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
}
func (w *discardWriter) Write(p []byte) (int, error) {
	w.WriteHeader(http.StatusOK)
	w.n += len(p)
	return len(p), nil
}
func (w *discardWriter) reset() { clear(w.h); w.status, w.n = 0, 0 }

// BenchmarkPollingHandler is the engine's own work for one emit and its
// answer over long-polling, without net/http: ServeHTTP is called directly
// for the POST, whose message the handler answers at once, then for the GET
// that takes the answer.
func BenchmarkPollingHandler(b *testing.B) {
	for _, proto := range []int{4, 3} {
		b.Run("EIO="+strconv.Itoa(proto), func(b *testing.B) {
			h := echoHandler{opened: make(chan *Session, 1)}
			srv := NewServer(h, &Options{AllowEIO3: true})
			b.Cleanup(func() { _ = srv.Close() })
			eio := strconv.Itoa(proto)
			w := &discardWriter{h: make(http.Header)}
			hs := httptest.NewRequest(http.MethodGet, "/engine.io/?EIO="+eio+"&transport=polling&t=PabcdEf", nil)
			srv.ServeHTTP(w, hs)
			s := <-h.opened
			target := "/engine.io/?EIO=" + eio + "&transport=polling&t=PabcdEf&sid=" + s.ID()
			msg := `42["echo",{"t":1234567890,"i":42,"p":"` + strings.Repeat("x", 32) + `"}]`
			payload := "4" + msg
			if proto == 3 {
				payload = strconv.Itoa(len(msg)+1) + ":" + payload
			}
			get := httptest.NewRequest(http.MethodGet, target, nil)
			post := httptest.NewRequest(http.MethodPost, target, nil)
			post.Header.Set("Content-Type", "text/plain;charset=UTF-8")
			body := strings.NewReader(payload)
			post.Body = io.NopCloser(body)
			post.ContentLength = int64(len(payload))

			b.ReportAllocs()
			for b.Loop() {
				body.Reset(payload)
				w.reset()
				srv.ServeHTTP(w, post)
				if w.status != http.StatusOK || w.n != 2 {
					b.Fatalf("POST: %d, %d bytes", w.status, w.n)
				}
				w.reset()
				srv.ServeHTTP(w, get)
				if w.status != http.StatusOK || w.n != len(payload) {
					b.Fatalf("GET: %d, %d bytes", w.status, w.n)
				}
			}
		})
	}
}

// BenchmarkPollingServerParallel runs the round trip of
// BenchmarkPollingServerRoundTrip on 16 sessions at once, as the bench's
// polling scenario does with its clients, so that the server's goroutines
// and the scheduler see a realistic load. cpu-ns/op counts client and server.
func BenchmarkPollingServerParallel(b *testing.B) {
	const sessions = 16
	h := echoHandler{opened: make(chan *Session, sessions)}
	srv := NewServer(h, nil)
	ts := httptest.NewServer(srv)
	b.Cleanup(ts.Close)
	b.Cleanup(func() { _ = srv.Close() })
	addr := ts.Listener.Addr().String()
	msg := `42["echo",{"t":1234567890,"i":42,"p":"` + strings.Repeat("x", 32) + `"}]`
	payload := "4" + msg

	type client struct {
		getc, postc *rawHTTPConn
		get, post   []byte
	}
	clients := make([]*client, sessions)
	for i := range clients {
		c := &client{getc: dialRawHTTP(b, addr), postc: dialRawHTTP(b, addr)}
		c.getc.send(b, []byte("GET /engine.io/?EIO=4&transport=polling&t=PabcdEf HTTP/1.1\r\nHost: "+addr+"\r\n\r\n"))
		if st, _ := c.getc.read(b); st != 200 {
			b.Fatalf("handshake: %d", st)
		}
		q := "/engine.io/?EIO=4&transport=polling&t=PabcdEf&sid=" + (<-h.opened).ID()
		c.get = []byte("GET " + q + " HTTP/1.1\r\nHost: " + addr + "\r\nUser-Agent: bench\r\nAccept: */*\r\n\r\n")
		c.post = []byte("POST " + q + " HTTP/1.1\r\nHost: " + addr + "\r\nUser-Agent: bench\r\nAccept: */*\r\n" +
			"Content-Type: text/plain;charset=UTF-8\r\nContent-Length: " + strconv.Itoa(len(payload)) + "\r\n\r\n" + payload)
		clients[i] = c
	}
	work := make(chan struct{}, 1024)
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := processCPU()
	var wg sync.WaitGroup
	for _, c := range clients {
		wg.Go(func() {
			for range work {
				c.getc.send(b, c.get)
				c.postc.send(b, c.post)
				if st, body := c.postc.read(b); st != 200 || string(body) != "ok" {
					b.Errorf("POST: %d %q", st, body)
					return
				}
				if st, body := c.getc.read(b); st != 200 || string(body) != payload {
					b.Errorf("GET: %d %q", st, body)
					return
				}
			}
		})
	}
	for range b.N {
		work <- struct{}{}
	}
	close(work)
	wg.Wait()
	b.StopTimer()
	b.ReportMetric(float64(processCPU()-cpu0)/float64(b.N), "cpu-ns/op")
}
