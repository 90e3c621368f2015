package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gosio/gosio/bench/internal/pollhttp"
)

// pollConn is a Socket.IO 5 client on Engine.IO 4 long-polling only (no
// upgrade). One goroutine keeps a GET pending; POSTs are serialized, since
// servers reject overlapping POSTs of one session.
type pollConn struct {
	hc       *http.Client
	url      string // base URL with EIO, transport and sid
	pmu      sync.Mutex
	nextID   atomic.Uint64
	onPacket func(p []byte)
	done     chan struct{}
	err      error
	stopped  atomic.Bool
}

func newPollHTTPClient(src *srcAddrs, conns int) *http.Client {
	tr := &http.Transport{
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			return src.dialer().DialContext(ctx, network, addr)
		},
		MaxIdleConns:        conns,
		MaxIdleConnsPerHost: conns,
		IdleConnTimeout:     90 * time.Second,
		DisableCompression:  true,
	}
	return &http.Client{Transport: tr, Timeout: 60 * time.Second}
}

func dialPolling(ctx context.Context, hc *http.Client, baseHTTP string) (*pollConn, error) {
	body, err := pollhttp.Do(ctx, hc, "GET", baseHTTP+"?EIO=4&transport=polling", nil)
	if err != nil {
		return nil, fmt.Errorf("handshake: %w", err)
	}
	if len(body) == 0 || body[0] != '0' {
		return nil, fmt.Errorf("handshake: unexpected %q", body)
	}
	var open struct {
		SID string `json:"sid"`
	}
	if i := bytes.IndexByte(body, 0x1e); i >= 0 {
		body = body[:i]
	}
	if err := json.Unmarshal(body[1:], &open); err != nil || open.SID == "" {
		return nil, fmt.Errorf("handshake: bad open packet %q", body)
	}
	c := &pollConn{hc: hc, url: baseHTTP + "?EIO=4&transport=polling&sid=" + open.SID, done: make(chan struct{})}
	if err := c.post(ctx, []byte("40")); err != nil {
		return nil, fmt.Errorf("connect: %w", err)
	}
	for {
		body, err := pollhttp.Do(ctx, hc, "GET", c.url, nil)
		if err != nil {
			return nil, fmt.Errorf("connect: %w", err)
		}
		connected := false
		for _, p := range bytes.Split(body, []byte{0x1e}) {
			switch {
			case bytes.Equal(p, []byte("2")):
				if err := c.post(ctx, []byte("3")); err != nil {
					return nil, err
				}
			case bytes.HasPrefix(p, []byte("40")):
				connected = true
			case bytes.HasPrefix(p, []byte("44")):
				return nil, fmt.Errorf("connect_error: %s", p)
			}
		}
		if connected {
			return c, nil
		}
	}
}

func (c *pollConn) post(ctx context.Context, p []byte) error {
	c.pmu.Lock()
	defer c.pmu.Unlock()
	_, err := pollhttp.Do(ctx, c.hc, "POST", c.url, p)
	return err
}

// start runs the GET loop until ctx ends or the server closes the session.
func (c *pollConn) start(ctx context.Context) {
	go func() {
		defer close(c.done)
		for ctx.Err() == nil && !c.stopped.Load() {
			body, err := pollhttp.Do(ctx, c.hc, "GET", c.url, nil)
			if err != nil {
				c.err = err
				return
			}
			for _, p := range bytes.Split(body, []byte{0x1e}) {
				if len(p) == 0 {
					continue
				}
				switch p[0] {
				case '4':
					if c.onPacket != nil {
						c.onPacket(p[1:])
					}
				case '2':
					if err := c.post(ctx, []byte("3")); err != nil {
						c.err = err
						return
					}
				case '1':
					c.err = errClosed
					return
				}
			}
		}
	}()
}

// close sends the Engine.IO close packet, which also ends the pending GET.
func (c *pollConn) close(ctx context.Context) {
	if c.stopped.CompareAndSwap(false, true) {
		cctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		defer cancel()
		_ = c.post(cctx, []byte("1"))
	}
}
