// Package hostile is an adversarial client for gosio: raw TCP, HTTP,
// WebSocket, Engine.IO and Socket.IO, able to send what no real client sends
// and to stop reading, and the scenarios that attack a target server with
// it while measuring what the server holds (see docs/ROBUSTNESS.md,
// "Hostile and stuck clients").
//
// The runner is interop/cmd/hostile; a small-scale run is TestHostile.
package hostile

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gobwas/ws"
)

// Conn is a raw WebSocket connection to the target's Engine.IO endpoint.
// Nothing is read unless a method that reads is called: a Conn that only
// writes is a client that never reads.
type Conn struct {
	net.Conn
	br  *bufio.Reader
	bw  *bufio.Writer
	SID string // the Engine.IO session id, once Open has read it
}

// DialWS opens a WebSocket to /socket.io/ with the Engine.IO revision eio,
// writing the handshake by hand.
func DialWS(addr string, eio int) (*Conn, error) {
	nc, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return nil, err
	}
	key := make([]byte, 16)
	_, _ = rand.Read(key)
	req := "GET /socket.io/?EIO=" + strconv.Itoa(eio) + "&transport=websocket HTTP/1.1\r\n" +
		"Host: " + addr + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
		"Sec-WebSocket-Key: " + base64.StdEncoding.EncodeToString(key) + "\r\n" +
		"Sec-WebSocket-Version: 13\r\n\r\n"
	_ = nc.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := io.WriteString(nc, req); err != nil {
		nc.Close()
		return nil, err
	}
	c := &Conn{Conn: nc, br: bufio.NewReaderSize(nc, 4096), bw: bufio.NewWriterSize(nc, 64<<10)}
	status, err := c.br.ReadString('\n')
	if err != nil || !strings.Contains(status, " 101 ") {
		nc.Close()
		return nil, fmt.Errorf("hostile: WebSocket handshake: %q %v", status, err)
	}
	for {
		line, err := c.br.ReadString('\n')
		if err != nil {
			nc.Close()
			return nil, err
		}
		if line == "\r\n" {
			break
		}
	}
	_ = nc.SetDeadline(time.Time{})
	return c, nil
}

// Frame returns the bytes of one masked client frame, to write many times.
func Frame(op ws.OpCode, payload []byte) []byte {
	f := ws.MaskFrameInPlace(ws.NewFrame(op, true, bytes.Clone(payload)))
	b, err := ws.CompileFrame(f)
	if err != nil {
		panic(err)
	}
	return b
}

// Write buffers raw bytes; Flush sends them.
func (c *Conn) Write(p []byte) (int, error) { return c.bw.Write(p) }

// Flush sends what Write buffered.
func (c *Conn) Flush() error { return c.bw.Flush() }

// Send writes one masked frame and flushes.
func (c *Conn) Send(op ws.OpCode, payload []byte) error {
	if _, err := c.bw.Write(Frame(op, payload)); err != nil {
		return err
	}
	return c.bw.Flush()
}

// SendText sends a text frame.
func (c *Conn) SendText(s string) error { return c.Send(ws.OpText, []byte(s)) }

// ReadText returns the next text or binary message, skipping control
// frames, within timeout.
func (c *Conn) ReadText(timeout time.Duration) (string, error) {
	_ = c.SetReadDeadline(time.Now().Add(timeout))
	defer c.SetReadDeadline(time.Time{})
	for {
		h, err := ws.ReadHeader(c.br)
		if err != nil {
			return "", err
		}
		p := make([]byte, h.Length)
		if _, err := io.ReadFull(c.br, p); err != nil {
			return "", err
		}
		switch {
		case h.OpCode == ws.OpClose:
			return "", errClosed
		case h.OpCode.IsControl():
			continue
		}
		return string(p), nil
	}
}

var errClosed = errors.New("hostile: the server closed the WebSocket")

// Open reads the Engine.IO open packet and keeps the session id.
func (c *Conn) Open() error {
	t, err := c.ReadText(5 * time.Second)
	if err != nil {
		return err
	}
	if !strings.HasPrefix(t, "0") {
		return fmt.Errorf("hostile: expected the open packet, got %.40q", t)
	}
	var o struct {
		SID string `json:"sid"`
	}
	if err := json.Unmarshal([]byte(t[1:]), &o); err != nil {
		return err
	}
	c.SID = o.SID
	return nil
}

// Connect joins namespace "/" at the Socket.IO level (protocol 5) and
// returns the socket id.
func (c *Conn) Connect() (string, error) {
	if err := c.SendText("40"); err != nil {
		return "", err
	}
	for {
		t, err := c.ReadText(5 * time.Second)
		if err != nil {
			return "", err
		}
		if strings.HasPrefix(t, "40") {
			var o struct {
				SID string `json:"sid"`
			}
			if err := json.Unmarshal([]byte(t[2:]), &o); err != nil {
				return "", err
			}
			return o.SID, nil
		}
		if t != "2" {
			return "", fmt.Errorf("hostile: expected CONNECT, got %.40q", t)
		}
		_ = c.SendText("3")
	}
}

// OpenSocket dials a protocol 5 client and connects it to "/".
func OpenSocket(addr string) (*Conn, error) {
	c, err := DialWS(addr, 4)
	if err != nil {
		return nil, err
	}
	if err := c.Open(); err != nil {
		c.Close()
		return nil, err
	}
	if _, err := c.Connect(); err != nil {
		c.Close()
		return nil, err
	}
	return c, nil
}

// Event returns the text of an EVENT packet for "/", with an ack id when
// id >= 0.
func Event(id int, name string, args ...any) string {
	a, err := json.Marshal(append([]any{name}, args...))
	if err != nil {
		panic(err)
	}
	if id >= 0 {
		return "42" + strconv.Itoa(id) + string(a)
	}
	return "42" + string(a)
}

// Ack waits for the ACK of id and returns its payload.
func (c *Conn) Ack(id int, timeout time.Duration) (string, error) {
	deadline := time.Now().Add(timeout)
	prefix := "43" + strconv.Itoa(id) + "["
	for {
		t, err := c.ReadText(time.Until(deadline))
		if err != nil {
			return "", err
		}
		if strings.HasPrefix(t, prefix) {
			return t[len(prefix)-1:], nil
		}
		if t == "2" {
			_ = c.SendText("3")
		}
	}
}

// Probe is a fresh, well-behaved client: it connects, emits "echo" with an
// ack and waits for it, and reports how long that took.
func Probe(addr string) (time.Duration, error) {
	start := time.Now()
	c, err := OpenSocket(addr)
	if err != nil {
		return time.Since(start), err
	}
	defer c.Close()
	if err := c.SendText(Event(1, "echo", "probe")); err != nil {
		return time.Since(start), err
	}
	got, err := c.Ack(1, 5*time.Second)
	if err == nil && got != `["probe"]` {
		err = fmt.Errorf("hostile: probe acked %q", got)
	}
	return time.Since(start), err
}

// handshakeClient keeps no connection: each handshake is its own.
var handshakeClient = &http.Client{
	Timeout:   10 * time.Second,
	Transport: &http.Transport{DisableKeepAlives: true},
}

// Polling is a raw long-polling client: a handshake, then POSTs written by
// hand on one keep-alive connection. It never GETs unless told to.
type Polling struct {
	addr string
	eio  int
	SID  string
	nc   net.Conn
	br   *bufio.Reader
}

// OpenPolling makes a polling handshake with the Engine.IO revision eio.
func OpenPolling(addr string, eio int) (*Polling, error) {
	resp, err := handshakeClient.Get("http://" + addr + "/socket.io/?EIO=" + strconv.Itoa(eio) + "&transport=polling")
	if err != nil {
		return nil, err
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != 200 {
		return nil, fmt.Errorf("hostile: handshake: %s %q", resp.Status, body)
	}
	i := bytes.Index(body, []byte(`"sid":"`))
	if i < 0 {
		return nil, fmt.Errorf("hostile: no sid in %q", body)
	}
	sid := body[i+7:]
	sid = sid[:bytes.IndexByte(sid, '"')]
	nc, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return nil, err
	}
	return &Polling{addr: addr, eio: eio, SID: string(sid), nc: nc, br: bufio.NewReader(nc)}, nil
}

func (p *Polling) query() string {
	return "/socket.io/?EIO=" + strconv.Itoa(p.eio) + "&transport=polling&sid=" + p.SID
}

// Post sends body in one POST and returns the status code.
func (p *Polling) Post(body []byte) (int, error) {
	_ = p.nc.SetDeadline(time.Now().Add(30 * time.Second))
	head := "POST " + p.query() + " HTTP/1.1\r\nHost: " + p.addr +
		"\r\nContent-Type: text/plain;charset=UTF-8\r\nContent-Length: " + strconv.Itoa(len(body)) + "\r\n\r\n"
	if _, err := (&net.Buffers{[]byte(head), body}).WriteTo(p.nc); err != nil {
		return 0, err
	}
	resp, err := http.ReadResponse(p.br, nil)
	if err != nil {
		return 0, err
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode, nil
}

// Close closes the POST connection.
func (p *Polling) Close() error { return p.nc.Close() }
