package main

import (
	"context"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/gosio/gosio/socketio"
	"github.com/gosio/gosio/socketio/postgresadapter"
)

// "postgres": the prefix starts the notification channels; the attachment
// table (created by the orchestrator) is shared by the runs.
func init() {
	register("postgres", func(ctx context.Context, c storeConfig) (func(*socketio.Namespace) socketio.Adapter, func(), error) {
		pool, err := pgxpool.New(ctx, c.Postgres)
		if err == nil {
			err = pool.Ping(ctx)
		}
		if err != nil {
			if pool != nil {
				pool.Close()
			}
			return nil, nil, err
		}
		f := postgresadapter.New(pool, &postgresadapter.Options{ChannelPrefix: c.Prefix, TableName: c.Table})
		return f, pool.Close, nil
	})
}
