//go:build linux

package engineio

import (
	"fmt"
	"os"
	"sync"
	"syscall"
)

// poller watches parked WebSocket connections, those idle long enough that
// their reader goroutine was released, with one epoll instance, and starts a
// reader goroutine for a connection again when it has bytes (or hung up).
//
// Registrations are one-shot and level-triggered: bytes that arrived before
// a connection was parked are reported at once, and a connection is reported
// once per parking. Events carry a token, not the descriptor, because a
// closed descriptor's number may be reused by a new connection before a stale
// event is handled.
type poller struct {
	srv  *Server
	epfd int
	// file holds epfd in Go's own poller, so that run waits like any
	// network goroutine instead of blocking an OS thread in epoll_wait: a
	// thread back from a blocking syscall has to win a P again, and under
	// load the wake-ups of every parked connection queued behind that.
	file *os.File
	raw  syscall.RawConn
	wake [2]int // pipe; a byte on wake[0] stops run
	done chan struct{}

	mu     sync.Mutex
	closed bool
	next   uint64
	conns  map[uint64]*wsConn // parked connections by token
}

// wakeToken marks the stop pipe's events; connection tokens start at 1.
const wakeToken = 0

func newPoller(srv *Server) (*poller, error) {
	epfd, err := syscall.EpollCreate1(syscall.EPOLL_CLOEXEC)
	if err != nil {
		return nil, fmt.Errorf("engineio: epoll_create1: %w", err)
	}
	if err := syscall.SetNonblock(epfd, true); err != nil { // makes os.NewFile use the poller
		_ = syscall.Close(epfd)
		return nil, fmt.Errorf("engineio: epoll nonblock: %w", err)
	}
	p := &poller{srv: srv, epfd: epfd, done: make(chan struct{}), conns: make(map[uint64]*wsConn)}
	p.file = os.NewFile(uintptr(epfd), "engineio-epoll")
	if p.raw, err = p.file.SyscallConn(); err != nil {
		_ = p.file.Close()
		return nil, fmt.Errorf("engineio: epoll file: %w", err)
	}
	if err := syscall.Pipe2(p.wake[:], syscall.O_CLOEXEC|syscall.O_NONBLOCK); err != nil {
		_ = p.file.Close()
		return nil, fmt.Errorf("engineio: pipe2: %w", err)
	}
	ev := syscall.EpollEvent{Events: syscall.EPOLLIN}
	setToken(&ev, wakeToken)
	if err := syscall.EpollCtl(epfd, syscall.EPOLL_CTL_ADD, p.wake[0], &ev); err != nil {
		p.closeFDs()
		return nil, fmt.Errorf("engineio: epoll_ctl: %w", err)
	}
	go p.run()
	return p, nil
}

func setToken(ev *syscall.EpollEvent, token uint64) {
	ev.Fd = int32(uint32(token))
	ev.Pad = int32(uint32(token >> 32))
}

func eventToken(ev *syscall.EpollEvent) uint64 {
	return uint64(uint32(ev.Fd)) | uint64(uint32(ev.Pad))<<32
}

// park watches c until it has input; it reports false if c cannot be
// watched (the poller is stopping, or the connection is closed), and the
// caller then keeps reading itself. After a true return the caller must not
// touch c's reading state: a new reader may already own it.
func (p *poller) park(c *wsConn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return false
	}
	p.next++
	token := p.next
	c.pollToken = token
	p.conns[token] = c
	op := syscall.EPOLL_CTL_MOD
	if !c.pollAdded {
		op = syscall.EPOLL_CTL_ADD
	}
	ev := syscall.EpollEvent{Events: syscall.EPOLLIN | syscall.EPOLLRDHUP | syscall.EPOLLONESHOT}
	setToken(&ev, token)
	var ctlErr error
	// Control keeps the descriptor open while it runs, so it cannot be
	// closed and reused under the registration.
	err := c.raw.Control(func(fd uintptr) {
		ctlErr = syscall.EpollCtl(p.epfd, op, int(fd), &ev)
		if ctlErr == syscall.ENOENT && op == syscall.EPOLL_CTL_MOD {
			ctlErr = syscall.EpollCtl(p.epfd, syscall.EPOLL_CTL_ADD, int(fd), &ev)
		}
	})
	if err == nil {
		err = ctlErr
	}
	if err != nil {
		delete(p.conns, token)
		return false
	}
	c.pollAdded = true
	return true
}

// forget stops watching c, before it is closed.
func (p *poller) forget(c *wsConn) {
	p.mu.Lock()
	if p.conns[c.pollToken] == c {
		delete(p.conns, c.pollToken)
	}
	p.mu.Unlock()
}

// parked returns how many connections are parked.
func (p *poller) parked() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.conns)
}

// run hands connections with input back to reader goroutines until stop.
func (p *poller) run() {
	defer close(p.done)
	events := make([]syscall.EpollEvent, 128)
	for {
		var n int
		var werr error
		err := p.raw.Read(func(fd uintptr) bool {
			n, werr = syscall.EpollWait(int(fd), events, 0)
			if werr == syscall.EINTR {
				n, werr = 0, nil
			}
			return n > 0 || werr != nil // nothing ready: wait in Go's poller
		})
		if err == nil {
			err = werr
		}
		if err != nil {
			// Not expected with valid descriptors; without a poller the
			// parked connections would starve, so end them.
			p.srv.opts.Logger.Error("engineio: epoll_wait failed", "err", err)
			p.failAll()
			return
		}
		for i := range events[:n] {
			token := eventToken(&events[i])
			if token == wakeToken {
				return
			}
			p.mu.Lock()
			c := p.conns[token]
			if c != nil {
				delete(p.conns, token)
				// Counted before stop returns, so Close's Wait sees it.
				p.srv.wg.Add(1)
			}
			p.mu.Unlock()
			if c != nil {
				go c.resume()
			}
		}
	}
}

// failAll closes every parked connection's session.
func (p *poller) failAll() {
	p.mu.Lock()
	p.closed = true
	conns := p.conns
	p.conns = map[uint64]*wsConn{}
	p.mu.Unlock()
	for _, c := range conns {
		if s := c.sess.Load(); s != nil {
			s.finish(ReasonTransportError, errPollerFailed)
		} else {
			c.close()
		}
	}
}

// stop ends run and releases the epoll instance. Connections parked then
// stay open; the server closes them (stop comes after every session ended).
func (p *poller) stop() {
	p.mu.Lock()
	p.closed = true
	p.mu.Unlock()
	_, _ = syscall.Write(p.wake[1], []byte{0})
	<-p.done
	p.closeFDs()
}

func (p *poller) closeFDs() {
	_ = syscall.Close(p.wake[0])
	_ = syscall.Close(p.wake[1])
	_ = p.file.Close()
}
