package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gobwas/ws"
)

// srcAddrs rotates the client source address over 127.0.0.x so that a
// burst of connections (and the TIME_WAIT they leave) never runs out of
// ephemeral ports.
type srcAddrs struct {
	ips []net.IP
	n   atomic.Uint64
}

func newSrcAddrs(k int) *srcAddrs {
	s := &srcAddrs{}
	if k <= 0 {
		return s
	}
	base := 2 + rand.IntN(250-k)
	for i := 0; i < k; i++ {
		s.ips = append(s.ips, net.IPv4(127, 0, 0, byte(base+i)))
	}
	return s
}

func (s *srcAddrs) dialer() *net.Dialer {
	d := &net.Dialer{Timeout: 10 * time.Second}
	if len(s.ips) > 0 {
		ip := s.ips[s.n.Add(1)%uint64(len(s.ips))]
		d.LocalAddr = &net.TCPAddr{IP: ip}
	}
	return d
}

// sioConn is a Socket.IO 5 client on an Engine.IO 4 WebSocket, connected to
// the default namespace. It answers Engine.IO pings by itself and hands every
// other Socket.IO packet (without the Engine.IO '4' prefix) to onPacket.
type sioConn struct {
	nc  net.Conn
	br  *bufio.Reader
	wmu sync.Mutex
	wb  []byte
	msg []byte // reassembly buffer for fragmented messages
	rb  []byte

	nextID   atomic.Uint64
	onPacket func(p []byte)
	done     chan struct{}
	err      error
	closing  atomic.Bool
}

var errClosed = errors.New("connection closed by server")

func dialSIO(ctx context.Context, baseWS string, src *srcAddrs) (*sioConn, error) {
	d := ws.Dialer{
		NetDial: func(ctx context.Context, network, addr string) (net.Conn, error) {
			return src.dialer().DialContext(ctx, network, addr)
		},
		Timeout: 15 * time.Second,
	}
	nc, br, _, err := d.Dial(ctx, baseWS+"?EIO=4&transport=websocket")
	if err != nil {
		return nil, err
	}
	var r io.Reader = nc
	if br != nil && br.Buffered() > 0 {
		r = io.MultiReader(br, nc)
	}
	c := &sioConn{nc: nc, br: bufio.NewReaderSize(r, 2048), done: make(chan struct{})}
	if dl, ok := ctx.Deadline(); ok {
		_ = nc.SetDeadline(dl)
	} else {
		_ = nc.SetDeadline(time.Now().Add(30 * time.Second))
	}
	// Engine.IO open packet.
	m, err := c.readMessage()
	if err != nil {
		nc.Close()
		return nil, fmt.Errorf("open: %w", err)
	}
	if len(m) == 0 || m[0] != '0' {
		nc.Close()
		return nil, fmt.Errorf("open: unexpected %q", m)
	}
	if err := c.write([]byte("40")); err != nil {
		nc.Close()
		return nil, err
	}
	for {
		m, err := c.readMessage()
		if err != nil {
			nc.Close()
			return nil, fmt.Errorf("connect: %w", err)
		}
		switch {
		case bytes.Equal(m, []byte("2")):
			if err := c.write([]byte("3")); err != nil {
				nc.Close()
				return nil, err
			}
		case bytes.HasPrefix(m, []byte("40")):
			_ = nc.SetDeadline(time.Time{})
			return c, nil
		case bytes.HasPrefix(m, []byte("44")):
			nc.Close()
			return nil, fmt.Errorf("connect_error: %s", m)
		}
	}
}

// start runs the read loop; onPacket must be set before.
func (c *sioConn) start() { go c.readLoop() }

func (c *sioConn) readLoop() {
	defer close(c.done)
	for {
		m, err := c.readMessage()
		if err != nil {
			c.err = err
			return
		}
		if len(m) == 0 {
			continue
		}
		switch m[0] {
		case '4':
			if c.onPacket != nil {
				c.onPacket(m[1:])
			}
		case '2':
			if err := c.write([]byte("3")); err != nil {
				c.err = err
				return
			}
		case '1':
			c.err = errClosed
			return
		}
	}
}

// readMessage returns the next complete text/binary message. The slice is
// valid until the next call.
func (c *sioConn) readMessage() ([]byte, error) {
	c.msg = c.msg[:0]
	for {
		h, err := ws.ReadHeader(c.br)
		if err != nil {
			return nil, err
		}
		n := int(h.Length)
		if cap(c.rb) < n {
			c.rb = make([]byte, n)
		}
		p := c.rb[:n]
		if _, err := io.ReadFull(c.br, p); err != nil {
			return nil, err
		}
		if h.Masked {
			ws.Cipher(p, h.Mask, 0)
		}
		switch h.OpCode {
		case ws.OpPing:
			if err := c.writeFrame(ws.OpPong, p); err != nil {
				return nil, err
			}
			continue
		case ws.OpPong:
			continue
		case ws.OpClose:
			return nil, errClosed
		}
		if h.Fin && len(c.msg) == 0 {
			return p, nil
		}
		c.msg = append(c.msg, p...)
		if h.Fin {
			return c.msg, nil
		}
	}
}

func (c *sioConn) write(p []byte) error { return c.writeFrame(ws.OpText, p) }

// writeFrame writes one masked frame in a single write call.
func (c *sioConn) writeFrame(op ws.OpCode, p []byte) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	b := c.wb[:0]
	b = append(b, 0x80|byte(op))
	n := len(p)
	switch {
	case n < 126:
		b = append(b, 0x80|byte(n))
	case n < 65536:
		b = append(b, 0x80|126, byte(n>>8), byte(n))
	default:
		b = append(b, 0x80|127, 0, 0, 0, 0, byte(n>>24), byte(n>>16), byte(n>>8), byte(n))
	}
	var mask [4]byte
	k := rand.Uint32()
	mask[0], mask[1], mask[2], mask[3] = byte(k), byte(k>>8), byte(k>>16), byte(k>>24)
	b = append(b, mask[:]...)
	start := len(b)
	b = append(b, p...)
	ws.Cipher(b[start:], mask, 0)
	c.wb = b
	_, err := c.nc.Write(b)
	return err
}

func (c *sioConn) close() {
	if c.closing.CompareAndSwap(false, true) {
		_ = c.nc.Close()
	}
}
