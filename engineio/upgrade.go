package engineio

import (
	"bytes"
	"io"
	"net/http"
	"time"

	"github.com/gosio/gosio/engineio/internal/codec"
)

// serveUpgrade moves a polling session to WebSocket. The client opens the
// WebSocket with the session id and sends "2probe"; the server answers
// "3probe" and makes pending polls return at once (noop), so the client can
// pause polling; the client then sends "5" (upgrade) and from then on the
// session's queue drains to the WebSocket. Nothing queued is lost or
// reordered, since polling and the WebSocket take from the same queue.
func (srv *Server) serveUpgrade(s *Session, w http.ResponseWriter, r *http.Request) {
	if !isWebSocketRequest(r) {
		writeError(w, ErrBadRequest)
		return
	}
	if srv.opts.DisableUpgrades {
		writeError(w, ErrBadRequest)
		return
	}
	s.mu.Lock()
	ok := s.state == stateOpen && !s.websocket && s.probe == nil
	s.mu.Unlock()
	c := srv.acceptWebSocket(w, r, w.Header())
	if c == nil {
		return
	}
	if !ok {
		// The session is on WebSocket already, or another one is probing
		// for it: as Node does, this one is accepted and closed at once,
		// so the client sees a closed WebSocket rather than an HTTP
		// error, and the session keeps its transport.
		c.refuse()
		return
	}
	s.mu.Lock()
	if s.state != stateOpen || s.websocket || s.probe != nil {
		s.mu.Unlock()
		c.refuse()
		return
	}
	s.probe = c
	// Counted under s.mu while the session is open: Close finishes the
	// session (taking s.mu) before it waits.
	srv.wg.Add(1)
	s.mu.Unlock()
	go func() {
		defer srv.wg.Done()
		c.probeLoop(s)
	}()
}

// probeLoop runs the upgrade exchange on a new WebSocket, then becomes its
// read loop once the session has moved to it.
func (c *wsConn) probeLoop(s *Session) {
	timer := time.AfterFunc(s.srv.opts.UpgradeTimeout, c.close)
	upgraded := false
	defer func() {
		timer.Stop()
		if !upgraded {
			s.mu.Lock()
			if s.probe == c {
				s.probe = nil
				s.upgrading = false
			}
			s.mu.Unlock()
			c.close()
		}
	}()
	for {
		text, data, err := c.reader.ReadMessage()
		if err != nil {
			return
		}
		if !text {
			return
		}
		p, err := codec.DecodeText(data)
		if err != nil {
			return
		}
		switch {
		case p.Type == codec.Ping && bytes.Equal(p.Data, []byte("probe")):
			// Marked before the answer goes out: a GET the client sends
			// once it has the answer must find the upgrade under way.
			s.mu.Lock()
			s.upgrading = true
			s.mu.Unlock()
			// The read goroutine is the connection's only user until the
			// upgrade completes, so it may write the answer itself.
			if _, err := c.in.conn.Write(frameProbe); err != nil {
				return
			}
			s.mu.Lock()
			s.wakeLocked() // a waiting GET answers noop
			s.mu.Unlock()
		case p.Type == codec.Upgrade:
			s.mu.Lock()
			if s.state != stateOpen && s.state != stateClosing {
				s.mu.Unlock()
				return
			}
			// Wake the GET that may still wait, before the queue moves.
			select {
			case s.pollWake <- struct{}{}:
			default:
			}
			s.websocket = true
			s.probe = nil
			s.upgrading = false
			s.ws = c
			s.wakeLocked()
			s.mu.Unlock()
			upgraded = true
			timer.Stop()
			s.srv.notifyUpgraded(s)
			c.readLoop(s)
			return
		default:
			return
		}
	}
}

// refuseWait bounds how long a refused WebSocket waits for the client's
// answer to its close frame.
const refuseWait = time.Second

// refuse ends a WebSocket that will carry nothing: it sends a close frame,
// then waits, at most refuseWait, for the client to close its side, so that
// the client reads the close frame rather than a reset connection. It runs
// on the hijacked request's goroutine.
func (c *wsConn) refuse() {
	conn := c.in.conn
	_ = conn.SetDeadline(time.Now().Add(refuseWait))
	if _, err := conn.Write(frameWSBye); err == nil {
		_, _ = io.Copy(io.Discard, conn)
	}
	c.close()
}
