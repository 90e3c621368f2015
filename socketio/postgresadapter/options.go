package postgresadapter

import (
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"time"
)

// Options configures the adapter. nil or the zero value gives the defaults
// of Node's @socket.io/postgres-adapter.
type Options struct {
	// ChannelPrefix starts every notification channel: a namespace's
	// channel is <ChannelPrefix>#<namespace>, at most 63 bytes (longer
	// names PostgreSQL refuses). Default "socket.io".
	ChannelPrefix string
	// TableName is the table of attachments: payloads of NotifyThreshold
	// bytes or more, and those carrying binary. It must exist (see
	// CreateTable) with Node's columns: id bigserial, created_at
	// timestamptz default now(), payload bytea. A plain or
	// schema-qualified SQL name. Default "socket_io_attachments".
	TableName string
	// PayloadThreshold is the JSON size, in bytes, from which a message
	// goes through the table: PostgreSQL refuses NOTIFY payloads of 8000
	// bytes or more. Default 8000.
	PayloadThreshold int
	// CleanupInterval is both how often this server deletes old
	// attachments and how old they must be to go. Default 30s.
	CleanupInterval time.Duration
	// HeartbeatInterval is how long after its last message this server
	// sends a heartbeat. Default 5s.
	HeartbeatInterval time.Duration
	// HeartbeatTimeout is how long a server may stay silent before it is
	// no longer counted. Default 10s.
	HeartbeatTimeout time.Duration
	// RequestsTimeout bounds fetchSockets and serverSideEmit with acks
	// (when the caller's context has no deadline), and each database
	// round trip. Default 5s.
	RequestsTimeout time.Duration
	// MaxAttachmentSize is the largest attachment this server reads; a
	// larger one is dropped (and logged), so that a peer cannot make it
	// hold an unbounded message. Default 16 MiB.
	MaxAttachmentSize int
	// Logger receives database errors and malformed notifications.
	// Default: the Socket.IO server's logger.
	Logger *slog.Logger
}

// ErrClosed is returned by operations on a closed adapter.
var ErrClosed = errors.New("postgresadapter: adapter closed")

// ErrTimeout is wrapped by the errors of requests whose answers did not all
// arrive in time.
var ErrTimeout = errors.New("postgresadapter: timeout reached")

// tableNameRE accepts the names Node's adapter can use unquoted in its SQL
// (it interpolates the name as it is): an identifier, optionally
// schema-qualified. Anything else could inject SQL.
var tableNameRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_$]*(\.[A-Za-z_][A-Za-z0-9_$]*)?$`)

func (o *Options) withDefaults() (Options, error) {
	var c Options
	if o != nil {
		c = *o
	}
	if c.ChannelPrefix == "" {
		c.ChannelPrefix = "socket.io"
	}
	if c.TableName == "" {
		c.TableName = "socket_io_attachments"
	}
	if !tableNameRE.MatchString(c.TableName) {
		return c, fmt.Errorf("postgresadapter: invalid table name %q", c.TableName)
	}
	if c.PayloadThreshold <= 0 {
		c.PayloadThreshold = 8000
	}
	if c.CleanupInterval <= 0 {
		c.CleanupInterval = 30 * time.Second
	}
	if c.HeartbeatInterval <= 0 {
		c.HeartbeatInterval = 5 * time.Second
	}
	if c.HeartbeatTimeout <= 0 {
		c.HeartbeatTimeout = 10 * time.Second
	}
	if c.RequestsTimeout <= 0 {
		c.RequestsTimeout = 5 * time.Second
	}
	if c.MaxAttachmentSize <= 0 {
		c.MaxAttachmentSize = 16 << 20
	}
	return c, nil
}
