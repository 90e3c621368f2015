package main

import (
	"context"

	"github.com/gosio/gosio/socketio"
	"github.com/gosio/gosio/socketio/redisstreams"
)

// "streams": the stream is the prefix, as are the channels and the session
// keys, so the run's keys are all found (and deleted) under it.
func init() {
	register("streams", func(ctx context.Context, c storeConfig) (func(*socketio.Namespace) socketio.Adapter, func(), error) {
		rdb, err := dialRedis(ctx, c)
		if err != nil {
			return nil, nil, err
		}
		f := redisstreams.New(rdb, &redisstreams.Options{
			StreamName: c.Prefix, ChannelPrefix: c.Prefix, SessionKeyPrefix: c.Prefix + ":session:",
		})
		return f, func() { _ = rdb.Close() }, nil
	})
}
