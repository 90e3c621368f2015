package postgresemitter_test

import (
	"context"
	"log"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/gosio/gosio/socketio/postgresemitter"
)

// A process without a Socket.IO server (a worker, a cron job) reaches the
// clients of a cluster of gosio or Node servers on the same database.
func Example() {
	pool, err := pgxpool.New(context.Background(), "postgres://postgres@127.0.0.1:5432/test")
	if err != nil {
		log.Fatal(err)
	}
	defer pool.Close()
	e := postgresemitter.New(pool, nil)
	if err := e.To("room1").Emit("news", map[string]any{"title": "hello"}); err != nil {
		log.Print(err)
	}
	if err := e.Of("/admin").In("ops").DisconnectSockets(true); err != nil {
		log.Print(err)
	}
}
