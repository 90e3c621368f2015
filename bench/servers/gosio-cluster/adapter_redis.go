package main

import (
	"context"

	"github.com/redis/go-redis/v9"

	"github.com/gosio/gosio/socketio"
	"github.com/gosio/gosio/socketio/redisadapter"
)

func init() {
	register("pubsub", func(ctx context.Context, c storeConfig) (func(*socketio.Namespace) socketio.Adapter, func(), error) {
		rdb, err := dialRedis(ctx, c)
		if err != nil {
			return nil, nil, err
		}
		return redisadapter.New(rdb, &redisadapter.Options{Key: c.Prefix}), func() { _ = rdb.Close() }, nil
	})
	register("sharded", func(ctx context.Context, c storeConfig) (func(*socketio.Namespace) socketio.Adapter, func(), error) {
		rdb, err := dialRedis(ctx, c)
		if err != nil {
			return nil, nil, err
		}
		return redisadapter.NewSharded(rdb, &redisadapter.Options{Key: c.Prefix}), func() { _ = rdb.Close() }, nil
	})
}

// dialRedis returns a client that has answered a PING.
func dialRedis(ctx context.Context, c storeConfig) (*redis.Client, error) {
	rdb := redis.NewClient(&redis.Options{Addr: c.Redis})
	if err := rdb.Ping(ctx).Err(); err != nil {
		_ = rdb.Close()
		return nil, err
	}
	return rdb, nil
}
