//go:build !linux

package engineio

import (
	"errors"
	"net"
)

// isPlainSocket is false here: sockets are only watched and written
// directly on Linux.
func isPlainSocket(net.Conn) bool { return false }

// tryWrite is never called: raw is nil where parking is unsupported.
func (c *wsConn) tryWrite(b []byte) (int, error) { return 0, errors.ErrUnsupported }

// tryWritev is never called, for the same reason.
func (c *wsConn) tryWritev(*net.Buffers) (int, error) { return 0, errors.ErrUnsupported }
