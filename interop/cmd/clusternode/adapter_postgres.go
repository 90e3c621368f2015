package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/gosio/gosio/socketio"
	"github.com/gosio/gosio/socketio/postgresadapter"
	"github.com/gosio/gosio/socketio/postgresemitter"
)

// With -adapter postgres the server uses postgresadapter on the database
// of -pg, -key being the channel prefix, and its emitter is a
// postgresemitter.Emitter (which also knows op "emit-binary": data, a
// string, sent as bytes).
var (
	pgURL   = flag.String("pg", "postgres://postgres@127.0.0.1:5432/test?sslmode=disable", "PostgreSQL URL (-adapter postgres)")
	pgTable = flag.String("pg-table", "socket_io_attachments", "attachment table (-adapter postgres); created if missing")
)

func init() {
	register("postgres", func(cfg config) (*backend, error) {
		factory, em, closePG := postgresCluster(cfg.key, cfg.logger)
		return &backend{factory: factory, emitter: em, close: closePG}, nil
	})
}

// postgresCluster opens the pool, makes sure the attachment table exists
// and returns the adapter factory, the emitter's operations and what
// closes the pool.
func postgresCluster(prefix string, logger *slog.Logger) (func(*socketio.Namespace) socketio.Adapter, emitterOp, func()) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	pool, err := pgxpool.New(ctx, *pgURL)
	if err == nil {
		err = postgresadapter.CreateTable(ctx, pool, *pgTable)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "clusternode:", err)
		os.Exit(1)
	}
	factory := postgresadapter.New(pool, &postgresadapter.Options{
		ChannelPrefix: prefix, TableName: *pgTable, Logger: logger,
		// Short enough for the suite's server-killed test.
		HeartbeatInterval: time.Second, HeartbeatTimeout: 3 * time.Second,
	})
	em := postgresemitter.New(pool, &postgresemitter.Options{ChannelPrefix: prefix, TableName: *pgTable})
	op := emitterOps(em, func(t target, b *postgresemitter.BroadcastOperator) error {
		if t.Op == "emit-binary" {
			s, _ := t.Data.(string)
			return b.Emit(t.Event, []byte(s))
		}
		return errUnknownOp
	})
	return factory, op, pool.Close
}
