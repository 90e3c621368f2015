package main

import (
	"strings"

	"github.com/redis/go-redis/v9"
)

// redisClient connects to the Redis Cluster of -redis-cluster when it is
// set, else to the single Redis of -redis: the adapters take either.
func (cfg config) redisClient() redis.UniversalClient {
	if len(cfg.cluster) > 0 {
		return redis.NewClusterClient(&redis.ClusterOptions{Addrs: cfg.cluster})
	}
	return redis.NewClient(&redis.Options{Addr: cfg.redis})
}

// splitList splits a comma-separated flag value, without empty items.
func splitList(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}
