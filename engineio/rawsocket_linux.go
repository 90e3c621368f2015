//go:build linux

package engineio

import (
	"net"
	"sync"
	"syscall"
)

// isPlainSocket reports whether conn is a bare socket, whose bytes all wait
// in the kernel, so that its descriptor may be watched and written directly
// (a TLS connection, for one, holds bytes the descriptor does not show).
func isPlainSocket(conn net.Conn) bool {
	switch conn.(type) {
	case *net.TCPConn, *net.UnixConn:
		return true
	}
	return false
}

// rawWrite is one non-blocking write; pooled, so that passing its method to
// RawConn.Write allocates nothing per call.
type rawWrite struct {
	b   []byte
	n   int
	err error
	fn  func(fd uintptr) bool
}

var rawWrites = sync.Pool{New: func() any {
	w := &rawWrite{}
	w.fn = w.write
	return w
}}

func (w *rawWrite) write(fd uintptr) bool {
	for w.n < len(w.b) {
		m, err := syscall.Write(int(fd), w.b[w.n:])
		switch {
		case err == syscall.EINTR:
			continue
		case err == syscall.EAGAIN:
			return true // the writer goroutine waits for room
		case err != nil:
			w.err = err
			return true
		}
		w.n += m
	}
	return true // never wait here
}

// tryWrite writes b to c's socket as far as it takes it without blocking.
func (c *wsConn) tryWrite(b []byte) (int, error) {
	w := rawWrites.Get().(*rawWrite)
	w.b, w.n, w.err = b, 0, nil
	c.writeMu.Lock()
	err := c.raw.Write(w.fn)
	c.writeMu.Unlock()
	n := w.n
	if err == nil {
		err = w.err
	}
	w.b, w.err = nil, nil
	rawWrites.Put(w)
	return n, err
}
