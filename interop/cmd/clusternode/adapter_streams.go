package main

import (
	"github.com/redis/go-redis/v9"

	"github.com/gosio/gosio/socketio/redisstreams"
	"github.com/gosio/gosio/socketio/redisstreamsemitter"
)

// "streams": the Redis Streams adapter (Node's
// @socket.io/redis-streams-adapter); -key names the stream and prefixes
// the channels.
func init() {
	register("streams", func(cfg config) (*backend, error) {
		rdb := redis.NewClient(&redis.Options{Addr: cfg.redis})
		factory := redisstreams.New(rdb, &redisstreams.Options{
			StreamName: cfg.key, ChannelPrefix: cfg.key, UseShardedPubSub: cfg.sharded, Logger: cfg.logger,
		})
		em := redisstreamsemitter.New(rdb, &redisstreamsemitter.Options{
			StreamName: cfg.key, ChannelPrefix: cfg.key, UseShardedPubSub: cfg.sharded,
		})
		return &backend{factory: factory, emitter: streamsEmitter(em), close: func() { _ = rdb.Close() }}, nil
	})
}

func streamsEmitter(em *redisstreamsemitter.Emitter) emitterOp {
	return func(t target) error {
		b := em.To(t.Rooms...).Except(t.Except...)
		switch t.Op {
		case "emit":
			return b.Emit(t.Event, t.Data)
		case "join":
			return b.SocketsJoin(t.Room)
		case "leave":
			return b.SocketsLeave(t.Room)
		case "disconnect":
			return b.DisconnectSockets(false)
		case "sse":
			return em.ServerSideEmit(t.Event, t.Data)
		}
		return errUnknownOp
	}
}
