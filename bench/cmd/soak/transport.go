package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gobwas/ws"
	"github.com/gobwas/ws/wsutil"

	"github.com/gosio/gosio/bench/internal/pollhttp"
)

// transport carries Engine.IO packets, in their text form ("4..." for a
// message), between one client session and the server.
type transport interface {
	// Send writes packets in order.
	Send(pkts ...string) error
	// Recv delivers the packets the server sends, beginning with the open
	// packet; it is closed when the transport ends.
	Recv() <-chan string
	// Close ends the transport: politely (engine close packet, WebSocket
	// close frame) or abruptly (the connection just drops).
	Close(abrupt bool)
}

const ioTimeout = 15 * time.Second

// ---------------------------------------------------------------------------
// WebSocket.

type wsTransport struct {
	conn net.Conn
	wmu  sync.Mutex
	in   chan string
	stop chan struct{}
	done chan struct{}
	once sync.Once
}

func dialWebSocket(ctx context.Context, base string, eio int) (transport, error) {
	ctx, cancel := context.WithTimeout(ctx, ioTimeout)
	defer cancel()
	url := "ws" + strings.TrimPrefix(base, "http") + "/socket.io/?EIO=" + strconv.Itoa(eio) + "&transport=websocket"
	conn, br, _, err := ws.Dial(ctx, url)
	if err != nil {
		return nil, err
	}
	var r io.Reader = conn
	if br != nil {
		r = io.MultiReader(br, conn)
	}
	t := &wsTransport{conn: conn, in: make(chan string, 256), stop: make(chan struct{}), done: make(chan struct{})}
	go t.readLoop(r)
	return t, nil
}

type rw struct {
	io.Reader
	io.Writer
}

func (t *wsTransport) readLoop(r io.Reader) {
	defer close(t.done)
	defer close(t.in)
	src := rw{r, &lockedWriter{t}}
	for {
		data, op, err := wsutil.ReadServerData(src)
		if err != nil {
			return
		}
		if op != ws.OpText {
			continue // binary messages are not part of the soak
		}
		select {
		case t.in <- string(data):
		case <-t.stop:
			return
		}
	}
}

// lockedWriter lets wsutil answer control frames without racing Send.
type lockedWriter struct{ t *wsTransport }

func (w *lockedWriter) Write(p []byte) (int, error) {
	w.t.wmu.Lock()
	defer w.t.wmu.Unlock()
	return w.t.conn.Write(p)
}

func (t *wsTransport) Recv() <-chan string { return t.in }

func (t *wsTransport) Send(pkts ...string) error {
	t.wmu.Lock()
	defer t.wmu.Unlock()
	_ = t.conn.SetWriteDeadline(time.Now().Add(ioTimeout))
	for _, p := range pkts {
		if err := wsutil.WriteClientText(t.conn, []byte(p)); err != nil {
			return err
		}
	}
	return nil
}

func (t *wsTransport) Close(abrupt bool) {
	t.once.Do(func() {
		if !abrupt {
			t.wmu.Lock()
			_ = t.conn.SetWriteDeadline(time.Now().Add(time.Second))
			_ = wsutil.WriteClientMessage(t.conn, ws.OpClose, ws.NewCloseFrameBody(ws.StatusNormalClosure, ""))
			t.wmu.Unlock()
		}
		close(t.stop)
		_ = t.conn.Close()
		<-t.done
	})
}

// ---------------------------------------------------------------------------
// HTTP long-polling.

type pollTransport struct {
	client *http.Client
	url    string // with EIO, transport and sid
	eio    int
	in     chan string
	ctx    context.Context
	cancel context.CancelFunc
	postMu sync.Mutex
	done   chan struct{}
	once   sync.Once
}

func dialPolling(ctx context.Context, client *http.Client, base string, eio int) (transport, error) {
	url := base + "/socket.io/?EIO=" + strconv.Itoa(eio) + "&transport=polling"
	if eio == 3 {
		url += "&b64=1" // string payloads: no binary framing to parse
	}
	hctx, hcancel := context.WithTimeout(ctx, ioTimeout)
	defer hcancel()
	body, err := pollhttp.Do(hctx, client, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	pkts, err := decodePayload(eio, body)
	if err != nil {
		return nil, err
	}
	if len(pkts) == 0 || !strings.HasPrefix(pkts[0], "0{") {
		return nil, fmt.Errorf("handshake answered %q", body)
	}
	sid, err := openSID(pkts[0])
	if err != nil {
		return nil, err
	}
	pctx, cancel := context.WithCancel(context.Background())
	t := &pollTransport{
		client: client, url: url + "&sid=" + sid, eio: eio,
		in: make(chan string, 256), ctx: pctx, cancel: cancel, done: make(chan struct{}),
	}
	for _, p := range pkts {
		t.in <- p
	}
	go t.pollLoop()
	return t, nil
}

func (t *pollTransport) pollLoop() {
	defer close(t.done)
	defer close(t.in)
	for {
		body, err := pollhttp.Do(t.ctx, t.client, http.MethodGet, t.url, nil)
		if err != nil {
			return
		}
		pkts, err := decodePayload(t.eio, body)
		if err != nil {
			return
		}
		for _, p := range pkts {
			select {
			case t.in <- p:
			case <-t.ctx.Done():
				return
			}
			if p == "1" {
				return // the server closed the session
			}
		}
	}
}

func (t *pollTransport) Recv() <-chan string { return t.in }

func (t *pollTransport) Send(pkts ...string) error {
	t.postMu.Lock()
	defer t.postMu.Unlock()
	ctx, cancel := context.WithTimeout(t.ctx, ioTimeout)
	defer cancel()
	_, err := pollhttp.Do(ctx, t.client, http.MethodPost, t.url, encodePayload(t.eio, pkts))
	return err
}

func (t *pollTransport) Close(abrupt bool) {
	t.once.Do(func() {
		if !abrupt {
			_ = t.Send("1")
		}
		// Abrupt: the waiting GET is cancelled, which the server sees as
		// the connection closing prematurely.
		t.cancel()
		<-t.done
	})
}

// Polling payloads: protocol 4 joins packets with the record separator,
// protocol 3 (string form) prefixes each with its length in UTF-16 units.
// The soak only sends and expects ASCII, where units are bytes.
func encodePayload(eio int, pkts []string) []byte {
	var b []byte
	for i, p := range pkts {
		if eio == 3 {
			b = strconv.AppendInt(b, int64(len(p)), 10)
			b = append(b, ':')
		} else if i > 0 {
			b = append(b, 0x1e)
		}
		b = append(b, p...)
	}
	return b
}

func decodePayload(eio int, body []byte) ([]string, error) {
	if eio == 4 {
		return strings.Split(string(body), "\x1e"), nil
	}
	var out []string
	s := string(body)
	for len(s) > 0 {
		i := strings.IndexByte(s, ':')
		if i <= 0 {
			return nil, fmt.Errorf("bad v3 payload %q", body)
		}
		n, err := strconv.Atoi(s[:i])
		if err != nil || i+1+n > len(s) {
			return nil, fmt.Errorf("bad v3 payload %q", body)
		}
		out = append(out, s[i+1:i+1+n])
		s = s[i+1+n:]
	}
	return out, nil
}
