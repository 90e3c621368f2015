//go:build !linux

package engineio

import (
	"errors"
)

// poller is Linux-only (epoll); elsewhere each WebSocket keeps a blocked
// reader goroutine.
type poller struct{}

func newPoller(*Server) (*poller, error) {
	return nil, errors.New("engineio: idle connection parking needs Linux")
}

func (*poller) park(*wsConn) bool { return false }
func (*poller) forget(*wsConn)    {}
func (*poller) parked() int       { return 0 }
func (*poller) stop()             {}
