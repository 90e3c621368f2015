package redisstreams

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"

	"github.com/gosio/gosio/internal/clustertest"
	"github.com/gosio/gosio/internal/siotest"
	"github.com/gosio/gosio/socketio"
)

// lastEntry returns the data field of the stream's last entry.
func lastEntry(t *testing.T, rdb *redis.Client, stream string) string {
	t.Helper()
	es, err := rdb.XRevRangeN(context.Background(), stream, "+", "-", 1).Result()
	require.NoError(t, err)
	require.Len(t, es, 1)
	data, _ := es[0].Values["data"].(string)
	return data
}

// An EmitWithAck goes through the stream as Node's socket.emit with an ack
// callback does when recovery is on: the connected client gets it with its
// ack id and no offset, and its answer resolves the ack; the entry keeps
// the ack id and the timeout, as Node writes it. A client that missed such
// events (emitted while it was connected and it had not acknowledged an
// offset since, or emitted to its socket while it was away) gets them back
// on another server as Node's Streams adapter replays them: plain events,
// the entry id last, no ack id. The ack emitted while away fails at once:
// its answer could never come.
func TestRecoveryEmitWithAck(t *testing.T) {
	nodes := startRecoveryCluster(t, 2)
	a, b := nodes[0], nodes[1]
	clustertest.RequireRedis(t, clustertest.RedisAddr)
	rdb := redis.NewClient(&redis.Options{Addr: clustertest.RedisAddr})
	t.Cleanup(func() { _ = rdb.Close() })
	stream := a.io.Of("/").Adapter().(*Adapter).Stream()

	c := siotest.Dial(t, a.hs, "&rooms=r1&tag=x")
	sid, pid := connectPID(t, c, "")
	s := receive(t, a.sockets)
	require.NoError(t, b.io.Emit("hello"))
	_, offset := eventWithOffset(t, c, "hello")

	type result struct {
		r   socketio.Response
		err error
	}
	done := make(chan result, 1)
	go func() {
		r, err := s.Timeout(5*time.Second).EmitWithAck(context.Background(), "ask", "x")
		done <- result{r, err}
	}()
	id, arr := c.Event()
	require.GreaterOrEqual(t, id, 0, "the live packet carries its ack id")
	require.Equal(t, []any{"ask", "x"}, arr, "and no offset")
	require.Equal(t,
		fmt.Sprintf(`{"packet":{"type":2,"data":["ask","x"],"id":%d},"opts":{"rooms":["%s"],"except":[],"flags":{"timeout":5000}}}`, id, sid),
		lastEntry(t, rdb, stream), "Node's entry for socket.timeout(5000).emit(ev, x, ack)")
	c.Ack(id, `["yes"]`)
	res := receive(t, done)
	require.NoError(t, res.err)
	var answer string
	require.NoError(t, res.r.Decode(&answer))
	require.Equal(t, "yes", answer)

	c.Close()
	require.Equal(t, a.hook.prefix+pid, receive(t, a.hook.saved))

	// Away: its socket still takes emits, which go to the stream.
	require.False(t, s.Connected())
	start := time.Now()
	_, err := s.Timeout(5*time.Second).EmitWithAck(context.Background(), "a1", "with ack")
	require.ErrorIs(t, err, socketio.ErrNotConnected)
	require.Less(t, time.Since(start), 4*time.Second, "no wait for an answer that cannot come")
	require.NoError(t, s.Emit("p1", "plain"))
	require.NoError(t, s.Volatile().Emit("v1")) // stored, replayed as Node does

	c2 := siotest.Dial(t, b.hs, "")
	sid2, _ := connectPID(t, c2, `{"pid":"`+pid+`","offset":"`+offset+`"}`)
	require.Equal(t, sid, sid2)
	s2 := receive(t, b.sockets)
	require.True(t, s2.Recovered())
	last := offset
	for _, want := range [][]any{{"ask", "x"}, {"a1", "with ack"}, {"p1", "plain"}, {"v1"}} {
		id, arr := c2.Event()
		require.Equal(t, -1, id, "%v is replayed without ack id", want)
		require.Equal(t, want, arr[:len(arr)-1])
		off, _ := arr[len(arr)-1].(string)
		require.Regexp(t, entryID, off)
		require.True(t, entryBefore(last, off), "in order: %s then %s", last, off)
		last = off
	}
	c2.ExpectNothing(200 * time.Millisecond)

	// Recovered on b, the socket answers b's acks as usual.
	go func() {
		r, err := s2.EmitWithAck(context.Background(), "again", 1)
		done <- result{r, err}
	}()
	id, arr = c2.Event()
	require.GreaterOrEqual(t, id, 0)
	require.Equal(t, []any{"again", 1.0}, arr)
	c2.Ack(id, `[2]`)
	res = receive(t, done)
	require.NoError(t, res.err)
	require.Equal(t, s2.ID(), res.r.SocketID)
}

// A stream entry whose packet has an ack id (another server's socket.emit
// with an ack callback, to a socket that has recovered here meanwhile) is
// delivered as Node delivers it: with that id, without an offset.
func TestRecoveryEntryWithAckID(t *testing.T) {
	nodes := startRecoveryCluster(t, 1)
	a := nodes[0]
	rdb := redis.NewClient(&redis.Options{Addr: clustertest.RedisAddr})
	t.Cleanup(func() { _ = rdb.Close() })
	stream := a.io.Of("/").Adapter().(*Adapter).Stream()
	c := siotest.Dial(t, a.hs, "")
	sid, _ := connectPID(t, c, "")
	receive(t, a.sockets)
	require.NoError(t, rdb.XAdd(context.Background(), &redis.XAddArgs{Stream: stream, Values: map[string]any{
		"uid": "elsewhere", "nsp": "/", "type": "3",
		"data": `{"packet":{"type":2,"data":["ask","x"],"id":41},"opts":{"rooms":["` + sid + `"],"except":[],"flags":{}}}`,
	}}).Err())
	id, arr := c.Event()
	require.Equal(t, 41, id)
	require.Equal(t, []any{"ask", "x"}, arr)
}
