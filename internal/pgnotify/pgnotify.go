// Package pgnotify is what gosio's PostgreSQL adapter and emitter share:
// the channel names and the encoding and publishing of messages as Node's
// @socket.io/postgres-adapter does, NOTIFY for small JSON messages and the
// attachment table for binary or large ones.
package pgnotify

import (
	"context"
	"fmt"
	"strconv"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/gosio/gosio/internal/msgpack"
)

// Channel returns the notification channel of namespace nsp under prefix,
// as Node's adapter and emitter name it.
func Channel(prefix, nsp string) string { return prefix + "#" + nsp }

// AttachmentType reports whether messages of type typ may carry binary
// (broadcast, broadcast ack, server-side emit and its response): Node
// sends them through the table when they do; the others go as JSON, a
// Buffer as {"type":"Buffer","data":[...]}.
func AttachmentType(typ int) bool {
	switch typ {
	case 3, 12, 9, 10:
		return true
	}
	return false
}

// Encoded is a message ready to send: the NOTIFY payload, or (when
// Attachment is set) the msgpack body for the table, whose id then goes
// in a header.
type Encoded struct {
	Notify     []byte
	Attachment []byte
}

// Encode renders m, a message of type typ, as Node's adapter would: JSON
// unless it carries binary in a type that may, or its JSON reaches
// threshold bytes; then msgpack for the attachment table.
func Encode(typ int, m msgpack.Map, threshold int) (Encoded, error) {
	if AttachmentType(typ) && msgpack.HasBinary(m) {
		b, err := msgpack.Marshal(m)
		return Encoded{Attachment: b}, err
	}
	// JSON.stringify turns a Buffer into {"type":"Buffer","data":[...]}.
	j, err := msgpack.MarshalJSON(msgpack.ToNodeBuffers(m))
	if err != nil {
		return Encoded{}, err
	}
	if len(j) >= threshold {
		b, err := msgpack.Marshal(m)
		return Encoded{Attachment: b}, err
	}
	return Encoded{Notify: j}, nil
}

// Header is the NOTIFY payload that points at an attachment, as Node
// writes it ({uid, type, attachmentId}, the id a string as node-postgres
// returns a bigint); nsp follows, which Node's adapter ignores.
func Header(uid string, typ int, id int64, nsp string) ([]byte, error) {
	m := msgpack.Object("uid", uid, "type", typ, "attachmentId", strconv.FormatInt(id, 10))
	if nsp != "" {
		m = append(m, msgpack.KV{Key: "nsp", Value: nsp})
	}
	return msgpack.MarshalJSON(m)
}

// Querier is what publishing needs of a pool (a *pgxpool.Pool).
type Querier interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// Publish sends an encoded message from uid on channel: NOTIFY with the
// JSON, or INSERT the attachment into table and NOTIFY its header.
func Publish(ctx context.Context, q Querier, table, channel, uid, nsp string, typ int, enc Encoded) error {
	payload := enc.Notify
	if enc.Attachment != nil {
		var id int64
		err := q.QueryRow(ctx, "INSERT INTO "+table+" (payload) VALUES ($1) RETURNING id", enc.Attachment).Scan(&id)
		if err != nil {
			return fmt.Errorf("pgnotify: attachment: %w", err)
		}
		if payload, err = Header(uid, typ, id, nsp); err != nil {
			return err
		}
	}
	if _, err := q.Exec(ctx, "SELECT pg_notify($1, $2)", channel, string(payload)); err != nil {
		return fmt.Errorf("pgnotify: notify: %w", err)
	}
	return nil
}
