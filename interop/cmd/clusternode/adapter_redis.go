package main

import (
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
	rdb := cfg.redisClient()
	aopts := &redisadapter.Options{Key: cfg.key, SubscriptionMode: redisadapter.SubscriptionMode(cfg.mode), Logger: cfg.logger}
	factory := redisadapter.New(rdb, aopts)
	if sharded {
		factory = redisadapter.NewSharded(rdb, aopts)
	}
	em := redisemitter.New(rdb, &redisemitter.Options{Key: cfg.key, Sharded: sharded, SubscriptionMode: cfg.mode})
	return &backend{factory: factory, emitter: emitterOps[*redisemitter.BroadcastOperator](em, nil), close: func() { _ = rdb.Close() }}, nil
}
