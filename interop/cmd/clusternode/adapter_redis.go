package main

import (
	"github.com/redis/go-redis/v9"

	"github.com/gosio/gosio/socketio/redisadapter"
	"github.com/gosio/gosio/socketio/redisemitter"
)

// "redis": the Pub/Sub adapter (classic, or sharded with -sharded);
// "sharded": the sharded one.
func init() {
	register("redis", func(cfg config) (*backend, error) { return redisBackend(cfg, cfg.sharded) })
	register("sharded", func(cfg config) (*backend, error) { return redisBackend(cfg, true) })
}

func redisBackend(cfg config, sharded bool) (*backend, error) {
	rdb := redis.NewClient(&redis.Options{Addr: cfg.redis})
	aopts := &redisadapter.Options{Key: cfg.key, SubscriptionMode: redisadapter.SubscriptionMode(cfg.mode), Logger: cfg.logger}
	factory := redisadapter.New(rdb, aopts)
	if sharded {
		factory = redisadapter.NewSharded(rdb, aopts)
	}
	em := redisemitter.New(rdb, &redisemitter.Options{Key: cfg.key, Sharded: sharded, SubscriptionMode: cfg.mode})
	return &backend{factory: factory, emitter: pubsubEmitter{em}, close: func() { _ = rdb.Close() }}, nil
}

type pubsubEmitter struct{ e *redisemitter.Emitter }

func (p pubsubEmitter) emit(rooms, except []string, event string, data any) error {
	return p.e.To(rooms...).Except(except...).Emit(event, data)
}
func (p pubsubEmitter) join(rooms, except []string, room string) error {
	return p.e.To(rooms...).Except(except...).SocketsJoin(room)
}
func (p pubsubEmitter) leave(rooms, except []string, room string) error {
	return p.e.To(rooms...).Except(except...).SocketsLeave(room)
}
func (p pubsubEmitter) disconnect(rooms, except []string) error {
	return p.e.To(rooms...).Except(except...).DisconnectSockets(false)
}
func (p pubsubEmitter) sse(event string, data any) error { return p.e.ServerSideEmit(event, data) }
