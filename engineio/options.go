package engineio

import (
	"log/slog"
	"math"
	"net/http"
	"time"
)

// Transport names, as they appear in the "transport" query parameter.
const (
	TransportPolling   = "polling"
	TransportWebSocket = "websocket"
)

// Options configures a [Server]. The zero value is valid: every zero field takes
// the default documented on it, which matches Node's engine.io defaults.
type Options struct {
	// Path is where the server is mounted, with a trailing slash. Requests whose
	// path does not start with it get 404. Default "/engine.io/" (Node: path).
	Path string

	// PingInterval is how often the heartbeat runs. Protocol 4: the server sends a
	// ping every PingInterval. Protocol 3: the client does. Default 25s.
	PingInterval time.Duration
	// PingTimeout is how long the server waits for the answer to a heartbeat
	// before it closes the session with "ping timeout". Default 20s.
	PingTimeout time.Duration
	// UpgradeTimeout bounds a transport upgrade: a WebSocket that has not
	// completed the probe/upgrade exchange in time is closed. Default 10s.
	UpgradeTimeout time.Duration
	// MaxHTTPBufferSize is the largest message (WebSocket) or POST body (polling)
	// a client may send, in bytes; larger ones close the session. It is announced
	// to protocol 4 clients as maxPayload. Default 1e6 (Node: maxHttpBufferSize).
	MaxHTTPBufferSize int64

	// Transports lists the transports clients may use. Default polling and
	// websocket.
	Transports []string
	// DisableUpgrades stops polling sessions from upgrading to WebSocket
	// (Node: allowUpgrades: false). Default false: upgrades are allowed.
	DisableUpgrades bool
	// AllowEIO3 accepts Engine.IO protocol 3 clients (socket.io-client 2.x).
	// Default false, as in Node.
	AllowEIO3 bool
	// AllowRequest, if set, is asked about each handshake and upgrade request; a
	// non-nil error rejects it with HTTP 403 and code 4 "Forbidden".
	AllowRequest func(r *http.Request) error
	// GenerateID returns the id of a new session. It must be unique, unguessable
	// and URL-safe. Default: 128 random bits, base64url.
	GenerateID func(r *http.Request) (string, error)

	// CORS, if set, makes the server answer cross-origin requests. Default nil:
	// no CORS headers are sent, so browsers only allow same-origin pages.
	CORS *CORSOptions
	// Cookie, if set, makes the handshake set a cookie holding the session id
	// (used by load balancers for sticky sessions). Default nil: no cookie.
	Cookie *CookieOptions
	// PerMessageDeflate, if set, negotiates WebSocket compression. Default nil:
	// off, as in Node.
	PerMessageDeflate *DeflateOptions
	// HTTPCompression configures gzip/deflate of polling responses. Default nil:
	// on, with a 1024 byte threshold (as in Node).
	HTTPCompression *CompressionOptions

	// InitialHeaders, if set, may add headers to the handshake response.
	InitialHeaders func(h http.Header, r *http.Request)
	// Headers, if set, may add headers to every response (handshake included).
	Headers func(h http.Header, r *http.Request)

	// MaxQueuedMessages bounds each session's outbound queue, in messages.
	// Default 4096.
	MaxQueuedMessages int
	// MaxQueuedBytes bounds each session's outbound queue, in payload bytes.
	// Default 16 MiB. Node's queue has no bound: one client that stops
	// reading can make it grow without limit.
	MaxQueuedBytes int64
	// SlowClient is what happens when a session's queue is full: Send
	// returns ErrQueueFull (SlowClientError, the default), or the session is
	// closed with reason "transport error" and error ErrSlowClient
	// (SlowClientDisconnect). Either way other sessions are unaffected.
	SlowClient SlowClientPolicy

	// IdleReadRelease is how long a WebSocket may stay silent before the
	// goroutine reading it is released. On Linux the server then watches the
	// idle connection with one shared epoll instance and starts a reader
	// again when bytes arrive, so an idle connection costs no goroutine
	// stack and no read buffer. Each pause longer than this costs a few
	// microseconds of CPU (an epoll update and a new reader goroutine).
	// Default 20ms. Negative: never release (one blocked reader goroutine
	// per connection, as on other systems).
	IdleReadRelease time.Duration

	// DrainWindow spreads the close packets Shutdown sends over this
	// window (at most half the time left before Shutdown's context
	// deadline), so that the clients of a server going down do not all
	// reconnect to the remaining servers at the same instant. Default 0:
	// all at once.
	DrainWindow time.Duration

	// MaxConnectionsPerIP limits the open sessions of one client IP.
	// Default 0: no limit. Handshakes over it get HTTP 429.
	MaxConnectionsPerIP int
	// HandshakeRate limits how fast one client IP may open sessions.
	// Default nil: no limit. Handshakes over it get HTTP 429. A zero Burst
	// allows one second's worth at once (PerSecond rounded up, at least 1).
	HandshakeRate *RateLimit
	// ClientIP returns the address the per-IP limits count. Default: the
	// host of Request.RemoteAddr. Behind a trusted proxy, read its header.
	ClientIP func(r *http.Request) string

	// Logger receives diagnostics. Default nil: slog.Default() as it is
	// when NewServer runs. For silence, give slog.New(slog.DiscardHandler).
	Logger *slog.Logger
}

// SlowClientPolicy says what happens to a session whose outbound queue is
// full.
type SlowClientPolicy int

// Slow-client policies.
const (
	// SlowClientError makes Send return ErrQueueFull; the session goes on.
	SlowClientError SlowClientPolicy = iota
	// SlowClientDisconnect closes the session.
	SlowClientDisconnect
)

// CORSOptions configures cross-origin resource sharing.
type CORSOptions struct {
	// AllowedOrigins lists origins ("https://example.com") that may connect.
	// "*" allows any origin.
	AllowedOrigins []string
	// AllowOriginFunc, if set, decides for origins not in AllowedOrigins.
	AllowOriginFunc func(origin string) bool
	// AllowCredentials sends Access-Control-Allow-Credentials: true, so pages may
	// send cookies. The allowed origin is then echoed rather than "*".
	AllowCredentials bool
	// AllowedMethods answers preflight requests. Default GET, POST.
	AllowedMethods []string
	// AllowedHeaders answers preflight requests. Default: the headers the
	// browser asks for.
	AllowedHeaders []string
	// MaxAge lets browsers cache a preflight answer. Default 0: not sent.
	MaxAge time.Duration
}

// CookieOptions configures the session cookie.
type CookieOptions struct {
	// Name of the cookie. Default "io".
	Name string
	// Path of the cookie. Default "/".
	Path string
	// ScriptReadable lets page scripts read the cookie: it is sent without
	// the HttpOnly attribute. Default false: HttpOnly, as Node.
	ScriptReadable bool
	// SameSite policy. Default http.SameSiteLaxMode.
	SameSite http.SameSite
	// Secure restricts the cookie to HTTPS.
	Secure bool
}

// DeflateOptions configures WebSocket permessage-deflate.
type DeflateOptions struct {
	// Threshold is the smallest message that is compressed. Default 1024.
	Threshold int
}

// CompressionOptions configures compression of polling responses.
type CompressionOptions struct {
	// Disable turns HTTP compression off.
	Disable bool
	// Threshold is the smallest response body that is compressed. Default 1024.
	Threshold int
}

// withDefaults returns a copy of o with every zero field set to its default.
func (o *Options) withDefaults() Options {
	var c Options
	if o != nil {
		c = *o
	}
	if c.Path == "" {
		c.Path = "/engine.io/"
	}
	if c.Path[len(c.Path)-1] != '/' {
		c.Path += "/"
	}
	if c.PingInterval <= 0 {
		c.PingInterval = 25 * time.Second
	}
	if c.PingTimeout <= 0 {
		c.PingTimeout = 20 * time.Second
	}
	if c.UpgradeTimeout <= 0 {
		c.UpgradeTimeout = 10 * time.Second
	}
	if c.MaxHTTPBufferSize <= 0 {
		c.MaxHTTPBufferSize = 1e6
	}
	if len(c.Transports) == 0 {
		c.Transports = []string{TransportPolling, TransportWebSocket}
	}
	if c.IdleReadRelease == 0 {
		c.IdleReadRelease = 20 * time.Millisecond
	}
	if c.MaxQueuedMessages <= 0 {
		c.MaxQueuedMessages = 4096
	}
	if c.MaxQueuedBytes <= 0 {
		c.MaxQueuedBytes = 16 << 20
	}
	if c.Cookie != nil {
		ck := *c.Cookie
		if ck.Name == "" {
			ck.Name = "io"
		}
		if ck.Path == "" {
			ck.Path = "/"
		}
		if ck.SameSite == 0 {
			ck.SameSite = http.SameSiteLaxMode
		}
		c.Cookie = &ck
	}
	if c.PerMessageDeflate != nil && c.PerMessageDeflate.Threshold <= 0 {
		d := *c.PerMessageDeflate
		d.Threshold = 1024
		c.PerMessageDeflate = &d
	}
	comp := CompressionOptions{Threshold: 1024}
	if c.HTTPCompression != nil {
		comp = *c.HTTPCompression
		if comp.Threshold <= 0 {
			comp.Threshold = 1024
		}
	}
	c.HTTPCompression = &comp
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if r := c.HandshakeRate; r != nil && r.Burst <= 0 {
		rc := *r
		rc.Burst = max(1, int(math.Ceil(rc.PerSecond)))
		c.HandshakeRate = &rc
	}
	return c
}

func (o *Options) allows(transport string) bool {
	for _, t := range o.Transports {
		if t == transport {
			return true
		}
	}
	return false
}
