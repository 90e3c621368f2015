package engineio

import (
	"context"
	"log/slog"
	"sync/atomic"
)

// Stats counts a server's traffic since [Server.Stats] was first called.
// Every field only grows; readers (an admin dashboard, a metrics exporter)
// take differences. Counting costs an atomic add per message and nothing
// at all until Stats is called.
type Stats struct {
	// MessagesIn and BytesIn count the message packets received from
	// clients and their payload bytes (without the packet type), as Node's
	// "packet" event sees them. Heartbeats and other control packets are
	// not counted.
	MessagesIn, BytesIn atomic.Uint64
	// MessagesOut and BytesOut count the message packets queued for
	// clients (or written at once) and their payload bytes, as Node's
	// "packetCreate" event sees them.
	MessagesOut, BytesOut atomic.Uint64
	// Handshakes counts the sessions opened, Upgrades those moved from
	// long-polling to WebSocket.
	Handshakes, Upgrades atomic.Uint64
	// HandshakesRefused counts handshakes refused by MaxConnectionsPerIP or
	// HandshakeRate.
	HandshakesRefused atomic.Uint64
	// QueueFull counts the Send calls refused because the session's queue
	// was full (MaxQueuedMessages, MaxQueuedBytes); SlowClientDisconnects
	// those of them that closed the session (SlowClientDisconnect policy).
	QueueFull, SlowClientDisconnects atomic.Uint64
	// VolatileDropped counts volatile messages dropped because the
	// transport could not take them at once.
	VolatileDropped atomic.Uint64
	// PayloadTooLarge counts sessions closed for a body or frame over
	// MaxPayload.
	PayloadTooLarge atomic.Uint64
}

// Observer is told of the life of a server's sessions, for dashboards and
// metrics. Its methods run on the goroutines that open, upgrade and close
// sessions: they must be quick and must not block.
type Observer interface {
	// SessionOpened is called for each new session, before the Handler's
	// OnOpen.
	SessionOpened(s *Session)
	// SessionUpgraded is called when a session moves to WebSocket.
	SessionUpgraded(s *Session)
	// SessionClosed is called once when a session has ended, before the
	// Handler's OnClose.
	SessionClosed(s *Session, reason CloseReason)
}

// Stats returns the server's counters, which start counting on the first
// call. Every caller gets the same *Stats.
func (srv *Server) Stats() *Stats {
	return srv.obs.Stats()
}

// Observe registers o for the server's session events. The returned
// function unregisters it.
func (srv *Server) Observe(o Observer) (stop func()) {
	return srv.obs.Observe(o)
}

// SessionCount is a number of open sessions of one transport and protocol
// revision, as [Server.SessionCounts] reports them.
type SessionCount struct {
	Transport string // TransportPolling or TransportWebSocket
	Protocol  int    // 3 or 4
	Count     int
	// QueuedMessages and QueuedBytes are what these sessions have waiting
	// to be written (see [Session.QueueLen]): how far behind clients are.
	QueuedMessages int
	QueuedBytes    int64
}

// SessionCounts returns how many sessions are open, by transport and
// protocol revision. It walks the sessions: call it when scraping, not per
// message.
func (srv *Server) SessionCounts() []SessionCount {
	var counts [2][2]SessionCount // [websocket][protocol 4]
	for _, s := range srv.snapshot() {
		ws, p4 := 0, 0
		if s.Transport() == TransportWebSocket {
			ws = 1
		}
		if s.protocol != 3 {
			p4 = 1
		}
		c := &counts[ws][p4]
		c.Count++
		n, b := s.QueueLen()
		c.QueuedMessages += n
		c.QueuedBytes += b
	}
	out := make([]SessionCount, 0, 4)
	for ws, byProto := range counts {
		for p4, c := range byProto {
			c.Transport, c.Protocol = TransportPolling, 3+p4
			if ws == 1 {
				c.Transport = TransportWebSocket
			}
			out = append(out, c)
		}
	}
	return out
}

func (srv *Server) countIn(size int) {
	if st := srv.obs.Counting(); st != nil {
		st.MessagesIn.Add(1)
		st.BytesIn.Add(uint64(size))
	}
}

func (srv *Server) countOut(count int, size int64) {
	if st := srv.obs.Counting(); st != nil {
		st.MessagesOut.Add(uint64(count))
		st.BytesOut.Add(uint64(size))
	}
}

// count adds one to the counter pick chooses, when counting is on.
func (srv *Server) count(pick func(*Stats) *atomic.Uint64) {
	if st := srv.obs.Counting(); st != nil {
		pick(st).Add(1)
	}
}

func (srv *Server) observers() []Observer {
	return srv.obs.Observers()
}

func (srv *Server) notifyOpened(s *Session) {
	srv.count(func(st *Stats) *atomic.Uint64 { return &st.Handshakes })
	if log := srv.opts.Logger; log.Enabled(context.Background(), slog.LevelDebug) {
		log.Debug("engineio: session opened", "sid", s.id, "transport", s.Transport(), "protocol", s.protocol, "address", s.Request().RemoteAddr)
	}
	for _, o := range srv.observers() {
		o.SessionOpened(s)
	}
}

func (srv *Server) notifyUpgraded(s *Session) {
	srv.count(func(st *Stats) *atomic.Uint64 { return &st.Upgrades })
	if log := srv.opts.Logger; log.Enabled(context.Background(), slog.LevelDebug) {
		log.Debug("engineio: session upgraded", "sid", s.id, "transport", TransportWebSocket, "address", s.Request().RemoteAddr)
	}
	for _, o := range srv.observers() {
		o.SessionUpgraded(s)
	}
}

func (srv *Server) notifyClosed(s *Session, reason CloseReason) {
	for _, o := range srv.observers() {
		o.SessionClosed(s, reason)
	}
}
