//go:build linux

package engineio

import (
	"net"
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

// tryWrite writes b to c's socket as far as it takes it without blocking.
func (c *wsConn) tryWrite(b []byte) (int, error) {
	c.writeMu.Lock()
	defer c.writeMu.Unlock()
	var n int
	var werr error
	err := c.raw.Write(func(fd uintptr) bool {
		for n < len(b) {
			m, err := syscall.Write(int(fd), b[n:])
			switch {
			case err == syscall.EINTR:
				continue
			case err == syscall.EAGAIN:
				return true // the writer goroutine waits for room
			case err != nil:
				werr = err
				return true
			}
			n += m
		}
		return true // never wait here
	})
	if err == nil {
		err = werr
	}
	return n, err
}
