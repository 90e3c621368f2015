package redisutil

import (
	"context"

	"github.com/redis/go-redis/v9"
)

// Publish sends a classic Pub/Sub message. On a Redis Cluster it goes to
// the master that owns route's slot, not to the node go-redis would pick:
// PUBLISH has no key, so go-redis sends each one to a random node, and the
// cluster bus delivers messages in order per node only, so one server's
// broadcasts reached the other servers out of order. Routing every message
// of one sender (an adapter's or emitter's namespace) through one node keeps
// its order, as one Redis does. Sharded Pub/Sub (SPUBLISH) is routed by its
// channel already and does not need this.
func Publish(ctx context.Context, client redis.UniversalClient, route, channel string, payload any) error {
	if cc, ok := client.(*redis.ClusterClient); ok {
		node, err := cc.MasterForKey(ctx, route)
		if err != nil {
			return err
		}
		return node.Publish(ctx, channel, payload).Err()
	}
	return client.Publish(ctx, channel, payload).Err()
}
