package socketio

import (
	"net"
	"net/http"
	"net/url"
	"time"
)

// Handshake describes the request that opened a connection, as Node's
// socket.handshake does.
type Handshake struct {
	// Headers of the first HTTP request.
	Headers http.Header
	// Query parameters of the first request (and, for protocol 4 clients,
	// of the namespace's connect packet).
	Query url.Values
	// Auth is the payload the client sent when connecting to the namespace
	// (socket.io-client's auth option), or nil.
	Auth map[string]any
	// Address is the client's IP address.
	Address string
	// Secure reports whether the connection uses TLS.
	Secure bool
	// XDomain reports whether the request was cross-origin (had an Origin
	// header).
	XDomain bool
	// URL is the request URI of the first request.
	URL string
	// Time is when the connection was made.
	Time time.Time
}

// Issued returns Time in milliseconds since the epoch, as Node's
// handshake.issued.
func (h *Handshake) Issued() int64 { return h.Time.UnixMilli() }

func newHandshake(r *http.Request, auth map[string]any) *Handshake {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	return &Handshake{
		Headers: r.Header,
		Query:   r.URL.Query(),
		Auth:    auth,
		Address: host,
		Secure:  r.TLS != nil,
		XDomain: r.Header.Get("Origin") != "",
		URL:     r.RequestURI,
		Time:    time.Now(),
	}
}
