package redisstreams_test

import (
	"log"
	"net/http"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/gosio/gosio/socketio"
	"github.com/gosio/gosio/socketio/redisstreams"
	"github.com/gosio/gosio/socketio/redisstreamsemitter"
)

// A server of a Streams cluster, with connection state recovery: a client
// that reconnects to any server of the cluster gets the events it missed.
// (Compiled, not run: it needs a Redis.)
func Example() {
	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:6379"})
	defer rdb.Close()
	io := socketio.NewServer(&socketio.Options{
		Adapter:                 redisstreams.New(rdb, &redisstreams.Options{StreamName: "chat"}),
		ConnectionStateRecovery: &socketio.RecoveryOptions{MaxDisconnectionDuration: 2 * time.Minute},
	})
	io.OnConnection(func(s *socketio.Socket) {
		s.On("say", func(text string) { _ = io.Emit("said", text) }) // reaches every server's clients
	})
	http.Handle("/socket.io/", io)
	srv := &http.Server{Addr: ":3000", ReadHeaderTimeout: 10 * time.Second}
	log.Fatal(srv.ListenAndServe())
}

// Any Go process can publish into the cluster.
func Example_emitter() {
	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:6379"})
	defer rdb.Close()
	em := redisstreamsemitter.New(rdb, &redisstreamsemitter.Options{StreamName: "chat"})
	if err := em.To("room1").Emit("news", map[string]any{"title": "hello"}); err != nil {
		log.Print(err)
	}
}
