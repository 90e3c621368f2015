package socketio

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"time"
)

// Handshake describes the request that opened a connection, as Node's
// socket.handshake does.
type Handshake struct {
	// Headers of the first HTTP request, Host included (as in Node, though
	// net/http keeps it in Request.Host).
	Headers http.Header
	// Query parameters of the first request (and, for protocol 4 clients,
	// of the namespace's connect packet).
	Query url.Values
	// Auth is the payload the client sent when connecting to the namespace
	// (socket.io-client's auth option), or nil.
	Auth map[string]any
	// AuthRaw is that payload's JSON text as the client sent it (key order,
	// big integers and number spelling intact), for decoding into a struct
	// or a json.Number, or relaying unchanged. It is nil when the client
	// sent no auth or an empty object, and for protocol 4 clients
	// (socket.io-client 2.x), whose auth is their connect query.
	AuthRaw json.RawMessage
	// Address is the client's IP address: engineio.Options.ClientIP's
	// answer when that is set (behind a proxy), else the host of the
	// request's RemoteAddr.
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

	ctx context.Context
}

// Context returns the handshake request's context, without its
// cancellation: the values HTTP middleware put there (an authenticated
// user, a request id) reach the connect middlewares and listeners, so that
// what the HTTP stack established need not be established again. Add
// values with context.WithValue as the middleware's last wrap: a request
// whose context is net/http's bare one is not kept (that saves memory per
// connection), and Context is then context.Background(), as it is for a
// socket on another server (FetchSockets with a cluster adapter).
func (h *Handshake) Context() context.Context {
	if h.ctx == nil {
		return context.Background()
	}
	return h.ctx
}

// Issued returns Time in milliseconds since the epoch, as Node's
// handshake.issued.
func (h *Handshake) Issued() int64 { return h.Time.UnixMilli() }

// buildHandshake describes s's connection; nspQuery is the connect packet's
// query (protocol 4), merged into the request's. It runs on the first call
// to Socket.Handshake rather than at connection, since many applications
// never ask and an idle socket is cheaper without a parsed copy of the
// query (except with protocol 4's rare connect query, which is not kept).
func (s *Socket) buildHandshake(nspQuery string) *Handshake {
	r := s.client.sess.Request()
	query := r.URL.Query()
	if nspQuery != "" {
		if q, err := parseQuery(nspQuery); err == nil {
			for k, v := range q {
				query[k] = v
			}
		}
	}
	auth := s.auth.fields()
	if auth == nil {
		auth = map[string]any{} // as Node: an absent auth is an empty object
	}
	headers := r.Header
	if r.Host != "" && r.Header.Get("Host") == "" {
		// net/http moves Host out of the header map; Node's headers have it.
		headers = r.Header.Clone()
		headers.Set("Host", r.Host)
	}
	return &Handshake{
		Headers: headers,
		Query:   query,
		Auth:    auth,
		AuthRaw: s.auth.text(),
		Address: s.nsp.server.engine.ClientIP(r),
		Secure:  r.TLS != nil,
		XDomain: r.Header.Get("Origin") != "",
		URL:     r.RequestURI,
		Time:    time.Unix(0, s.issued),
		ctx:     r.Context(),
	}
}

// connectAuth is a namespace connect payload, decoded and as sent.
type connectAuth struct {
	m   map[string]any
	raw json.RawMessage // nil for protocol 4's query
}

// fields returns the decoded payload; nil for a nil a.
func (a *connectAuth) fields() map[string]any {
	if a == nil {
		return nil
	}
	return a.m
}

// text returns the payload as sent; nil for a nil a.
func (a *connectAuth) text() json.RawMessage {
	if a == nil {
		return nil
	}
	return a.raw
}

// trimJSONSpace drops the white space around a JSON text.
func trimJSONSpace(b []byte) []byte {
	return bytes.TrimFunc(b, func(r rune) bool { return r == ' ' || r == '\t' || r == '\n' || r == '\r' })
}
