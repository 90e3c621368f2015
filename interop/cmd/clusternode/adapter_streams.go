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
		return &backend{factory: factory, emitter: streamsEmitter{em}, close: func() { _ = rdb.Close() }}, nil
	})
}

type streamsEmitter struct{ e *redisstreamsemitter.Emitter }

func (s streamsEmitter) emit(rooms, except []string, event string, data any) error {
	return s.e.To(rooms...).Except(except...).Emit(event, data)
}
func (s streamsEmitter) join(rooms, except []string, room string) error {
	return s.e.To(rooms...).Except(except...).SocketsJoin(room)
}
func (s streamsEmitter) leave(rooms, except []string, room string) error {
	return s.e.To(rooms...).Except(except...).SocketsLeave(room)
}
func (s streamsEmitter) disconnect(rooms, except []string) error {
	return s.e.To(rooms...).Except(except...).DisconnectSockets(false)
}
func (s streamsEmitter) sse(event string, data any) error { return s.e.ServerSideEmit(event, data) }
