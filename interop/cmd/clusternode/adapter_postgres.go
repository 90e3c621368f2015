package main

import (
	"context"
	"flag"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/gosio/gosio/socketio/postgresadapter"
	"github.com/gosio/gosio/socketio/postgresemitter"
)

// With -adapter postgres the server uses postgresadapter on the database
// of -pg, -key being the channel prefix, and its emitter is a
// postgresemitter.Emitter.
var (
	pgURL   = flag.String("pg", "postgres://postgres@127.0.0.1:5432/test?sslmode=disable", "PostgreSQL URL (-adapter postgres)")
	pgTable = flag.String("pg-table", "socket_io_attachments", "attachment table (-adapter postgres); created if missing")
)

func init() { register("postgres", postgresBackend) }

// postgresBackend opens the pool and makes sure the attachment table exists.
func postgresBackend(cfg config) (*backend, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	pool, err := pgxpool.New(ctx, *pgURL)
	if err != nil {
		return nil, err
	}
	if err := postgresadapter.CreateTable(ctx, pool, *pgTable); err != nil {
		pool.Close()
		return nil, err
	}
	factory := postgresadapter.New(pool, &postgresadapter.Options{
		ChannelPrefix: cfg.key, TableName: *pgTable, Logger: cfg.logger,
		// Short enough for the suite's server-killed test.
		HeartbeatInterval: time.Second, HeartbeatTimeout: 3 * time.Second,
	})
	em := postgresemitter.New(pool, &postgresemitter.Options{ChannelPrefix: cfg.key, TableName: *pgTable})
	return &backend{factory: factory, emitter: postgresEmitter{em}, close: pool.Close}, nil
}

type postgresEmitter struct{ e *postgresemitter.Emitter }

func (p postgresEmitter) emit(rooms, except []string, event string, data any) error {
	return p.e.To(rooms...).Except(except...).Emit(event, data)
}
func (p postgresEmitter) join(rooms, except []string, room string) error {
	return p.e.To(rooms...).Except(except...).SocketsJoin(room)
}
func (p postgresEmitter) leave(rooms, except []string, room string) error {
	return p.e.To(rooms...).Except(except...).SocketsLeave(room)
}
func (p postgresEmitter) disconnect(rooms, except []string) error {
	return p.e.To(rooms...).Except(except...).DisconnectSockets(false)
}
func (p postgresEmitter) sse(event string, data any) error { return p.e.ServerSideEmit(event, data) }
