package postgresadapter_test

import (
	"context"
	"log"
	"net/http"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/gosio/gosio/socketio"
	"github.com/gosio/gosio/socketio/postgresadapter"
)

// Servers that share a database form one cluster, with each other and with
// Node servers on @socket.io/postgres-adapter: a broadcast from any of them
// reaches the clients of all.
func Example() {
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, "postgres://postgres@127.0.0.1:5432/test")
	if err != nil {
		log.Fatal(err)
	}
	defer pool.Close()
	// Once per database; Node's adapter expects the same table.
	if err := postgresadapter.CreateTable(ctx, pool, ""); err != nil {
		log.Fatal(err)
	}

	io := socketio.NewServer(&socketio.Options{Adapter: postgresadapter.New(pool, nil)})
	defer io.Close()
	io.OnConnection(func(s *socketio.Socket) {
		s.On("chat", func(msg string) { _ = io.Emit("chat", msg) })
	})
	log.Fatal(http.ListenAndServe(":3000", io))
}
