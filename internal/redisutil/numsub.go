// Package redisutil holds the Redis commands gosio's Redis adapters (Pub/Sub
// and Streams) share.
package redisutil

import (
	"context"
	"sync"

	"github.com/redis/go-redis/v9"
)

// NumSub sums PUBSUB NUMSUB (or SHARDNUMSUB) for channel over the
// deployment: every master of a cluster, or the one server. Node's adapters
// count the servers of a cluster this way.
func NumSub(ctx context.Context, client redis.UniversalClient, shard bool, channel string) (int, error) {
	one := func(ctx context.Context, c redis.Cmdable) (int64, error) {
		var m map[string]int64
		var err error
		if shard {
			m, err = c.PubSubShardNumSub(ctx, channel).Result()
		} else {
			m, err = c.PubSubNumSub(ctx, channel).Result()
		}
		return m[channel], err
	}
	if cc, ok := client.(*redis.ClusterClient); ok {
		var mu sync.Mutex
		var total int64
		err := cc.ForEachMaster(ctx, func(ctx context.Context, c *redis.Client) error {
			n, err := one(ctx, c)
			mu.Lock()
			total += n
			mu.Unlock()
			return err
		})
		return int(total), err
	}
	n, err := one(ctx, client)
	return int(n), err
}
