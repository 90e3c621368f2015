package redisadapter

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gosio/gosio/internal/clustertest"
	"github.com/gosio/gosio/socketio"
)

// numSubCounter is a go-redis hook counting PUBSUB NUMSUB commands.
type numSubCounter struct{ n atomic.Int64 }

func (c *numSubCounter) DialHook(next redis.DialHook) redis.DialHook { return next }

func (c *numSubCounter) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		if args := cmd.Args(); len(args) >= 2 && strings.EqualFold(cmd.Name(), "pubsub") {
			if s, _ := args[1].(string); strings.EqualFold(s, "numsub") {
				c.n.Add(1)
			}
		}
		return next(ctx, cmd)
	}
}

func (c *numSubCounter) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return next
}

// ServerSideEmitWithAck counts the servers once: two counts could differ
// (a server joining between them) and leave the call waiting for an
// answer that never comes until its timeout.
func TestServerSideEmitWithAckCountsServersOnce(t *testing.T) {
	clustertest.RequireRedis(t, clustertest.RedisAddr)
	key := testKey(t)
	counter := &numSubCounter{}
	var servers []*socketio.Server
	for i := range 2 {
		rdb := redis.NewClient(&redis.Options{Addr: clustertest.RedisAddr})
		if i == 0 {
			rdb.AddHook(counter)
		}
		io := socketio.NewServer(&socketio.Options{Adapter: New(rdb, &Options{Key: key, RequestsTimeout: 3 * time.Second})})
		io.Of("/").On("ping", func(ack socketio.Ack) { _ = ack("pong") })
		servers = append(servers, io)
		t.Cleanup(func() { _ = io.Close(); _ = rdb.Close() })
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	before := counter.n.Load()
	answers, err := servers[0].ServerSideEmitWithAck(ctx, "ping")
	require.NoError(t, err)
	require.Len(t, answers, 1)
	assert.Equal(t, int64(1), counter.n.Load()-before, "PUBSUB NUMSUB per call")
}

// Once Close has returned, Redis no longer counts the server: the others
// do not wait for its answers.
func TestCloseConfirmedByRedis(t *testing.T) {
	clustertest.RequireRedis(t, clustertest.RedisAddr)
	rdb := redis.NewClient(&redis.Options{Addr: clustertest.RedisAddr})
	defer rdb.Close()
	for range 10 {
		key := testKey(t)
		io := socketio.NewServer(&socketio.Options{Adapter: New(rdb, &Options{Key: key})})
		a := io.Of("/").Adapter()
		require.NoError(t, io.Close())
		require.NoError(t, a.Close())
		subs, err := rdb.PubSubNumSub(context.Background(), key+"-request#/#").Result()
		require.NoError(t, err)
		require.Zero(t, subs[key+"-request#/#"], "Redis still counts a closed adapter")
	}
}
