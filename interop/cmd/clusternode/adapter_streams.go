package main

import (
	"github.com/gosio/gosio/socketio/redisstreams"
	"github.com/gosio/gosio/socketio/redisstreamsemitter"
)

// "streams": the Redis Streams adapter (Node's
// @socket.io/redis-streams-adapter); -key names the stream and prefixes
// the channels.
func init() {
	register("streams", func(cfg config) (*backend, error) {
		rdb := cfg.redisClient()
		factory := redisstreams.New(rdb, &redisstreams.Options{
			StreamName: cfg.key, ChannelPrefix: cfg.key, UseShardedPubSub: cfg.sharded, Logger: cfg.logger,
		})
		em := redisstreamsemitter.New(rdb, &redisstreamsemitter.Options{
			StreamName: cfg.key, ChannelPrefix: cfg.key, UseShardedPubSub: cfg.sharded,
		})
		return &backend{factory: factory, emitter: emitterOps[*redisstreamsemitter.BroadcastOperator](em, nil), close: func() { _ = rdb.Close() }}, nil
	})
}
