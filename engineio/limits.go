package engineio

import (
	"net"
	"net/http"
	"sync"
	"time"
)

// RateLimit is a token bucket: Burst events at once, refilled at PerSecond.
type RateLimit struct {
	PerSecond float64
	// Burst is how many events may come at once. Default: one second's
	// worth, PerSecond rounded up (at least 1).
	Burst int
}

// ErrTooManyRequests answers handshakes refused by MaxConnectionsPerIP or
// HandshakeRate.
var ErrTooManyRequests = &RequestError{Code: 4, Message: "Too many requests", Status: http.StatusTooManyRequests}

// ipLimiter enforces the per-client-IP limits on new sessions.
type ipLimiter struct {
	maxConns int
	rate     *RateLimit

	mu    sync.Mutex
	peers map[string]*peerState
	ops   int // handshakes since the last sweep
}

type peerState struct {
	conns  int
	tokens float64
	last   time.Time
}

func newIPLimiter(o *Options) *ipLimiter {
	if o.MaxConnectionsPerIP <= 0 && o.HandshakeRate == nil {
		return nil
	}
	return &ipLimiter{maxConns: o.MaxConnectionsPerIP, rate: o.HandshakeRate, peers: make(map[string]*peerState)}
}

// acquire admits a new session from ip, or reports false.
func (l *ipLimiter) acquire(ip string, now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.ops++; l.ops >= 1024 {
		l.sweepLocked(now)
	}
	p := l.peers[ip]
	if p == nil {
		p = &peerState{last: now}
		if l.rate != nil {
			p.tokens = float64(l.rate.Burst)
		}
		l.peers[ip] = p
	}
	if l.maxConns > 0 && p.conns >= l.maxConns {
		return false
	}
	if l.rate != nil {
		l.refill(p, now)
		if p.tokens < 1 {
			return false
		}
		p.tokens--
	}
	p.conns++
	return true
}

// release ends a session admitted by acquire.
func (l *ipLimiter) release(ip string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if p := l.peers[ip]; p != nil && p.conns > 0 {
		p.conns--
	}
}

func (l *ipLimiter) refill(p *peerState, now time.Time) {
	p.tokens += now.Sub(p.last).Seconds() * l.rate.PerSecond
	if max := float64(l.rate.Burst); p.tokens > max {
		p.tokens = max
	}
	p.last = now
}

// sweepLocked forgets peers with no session and a full bucket: they are
// back to the state a new peer starts in, so the map stays as small as the
// set of active or recently throttled clients.
func (l *ipLimiter) sweepLocked(now time.Time) {
	l.ops = 0
	for ip, p := range l.peers {
		if p.conns > 0 {
			continue
		}
		if l.rate != nil {
			l.refill(p, now)
			if p.tokens < float64(l.rate.Burst) {
				continue
			}
		}
		delete(l.peers, ip)
	}
}

// ClientIP returns the client address of request r as the server sees it:
// Options.ClientIP's answer when set, else the host of r.RemoteAddr. The
// per-IP limits count it.
func (srv *Server) ClientIP(r *http.Request) string { return srv.clientIP(r) }

// clientIP is the address limits apply to.
func (srv *Server) clientIP(r *http.Request) string {
	if srv.opts.ClientIP != nil {
		return srv.opts.ClientIP(r)
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
