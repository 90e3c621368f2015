package redisemitter

import (
	"context"
	"fmt"
	"net"
	"os"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/gosio/gosio/internal/msgpack"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

const redisAddr = "127.0.0.1:6379"

func client(t *testing.T) *redis.Client {
	t.Helper()
	c, err := net.DialTimeout("tcp", redisAddr, time.Second)
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("Redis is required at %s: %v", redisAddr, err)
		}
		t.Skipf("no Redis at %s (under CI=true this fails): %v", redisAddr, err)
	}
	_ = c.Close()
	rdb := redis.NewClient(&redis.Options{Addr: redisAddr})
	t.Cleanup(func() { _ = rdb.Close() })
	return rdb
}

// listen subscribes to pattern (or, sharded, to channel) and returns the
// messages.
func listen(t *testing.T, rdb *redis.Client, sharded bool, channel string) <-chan *redis.Message {
	t.Helper()
	var ps *redis.PubSub
	if sharded {
		ps = rdb.SSubscribe(context.Background(), channel)
	} else {
		ps = rdb.PSubscribe(context.Background(), channel)
	}
	_, err := ps.Receive(context.Background())
	require.NoError(t, err)
	t.Cleanup(func() { _ = ps.Close() })
	return ps.Channel()
}

func next(t *testing.T, ch <-chan *redis.Message) *redis.Message {
	t.Helper()
	select {
	case m := <-ch:
		return m
	case <-time.After(3 * time.Second):
		t.Fatal("no message")
		return nil
	}
}

// The classic layout: msgpack [uid, packet, opts] on <key>#<nsp>#[room#],
// JSON requests on <key>-request#<nsp>#, as Node's emitter.
func TestClassicWireFormat(t *testing.T) {
	rdb := client(t)
	key := fmt.Sprintf("emitter-test-%d", time.Now().UnixNano())
	msgs := listen(t, rdb, false, key+"*")
	e := New(rdb, &Options{Key: key}).Of("admin")
	assert.Equal(t, "/admin", e.Namespace())

	require.NoError(t, e.To("r1").Except("r2").Volatile().Emit("ev", 1, []byte{9}))
	m := next(t, msgs)
	assert.Equal(t, key+"#/admin#r1#", m.Channel)
	v, err := msgpack.Unmarshal([]byte(m.Payload))
	require.NoError(t, err)
	assert.Equal(t, []any{
		"emitter",
		map[string]any{"type": int64(2), "nsp": "/admin", "data": []any{"ev", int64(1), []byte{9}}},
		map[string]any{"rooms": []any{"r1"}, "except": []any{"r2"}, "flags": map[string]any{"volatile": true}},
	}, v)
	// Node's emitter writes the keys in this order: the bytes are the same.
	want, err := msgpack.Marshal([]any{"emitter",
		msgpack.Object("type", 2, "data", []any{"ev", 1, []byte{9}}, "nsp", "/admin"),
		msgpack.Object("rooms", []any{"r1"}, "flags", msgpack.Object("volatile", true), "except", []any{"r2"})})
	require.NoError(t, err)
	assert.Equal(t, want, []byte(m.Payload))

	require.NoError(t, e.In("a").SocketsJoin("b"))
	m = next(t, msgs)
	assert.Equal(t, key+"-request#/admin#", m.Channel)
	assert.Equal(t, `{"type":2,"opts":{"rooms":["a"],"except":[]},"rooms":["b"]}`, m.Payload)

	require.NoError(t, e.DisconnectSockets(true))
	m = next(t, msgs)
	assert.Equal(t, `{"type":4,"opts":{"rooms":[],"except":[]},"close":true}`, m.Payload)

	require.NoError(t, e.ServerSideEmit("hi", "x"))
	m = next(t, msgs)
	assert.Equal(t, `{"uid":"emitter","type":6,"data":["hi","x"]}`, m.Payload)

	assert.ErrorIs(t, e.Emit("connect"), ErrReservedEvent)
	assert.ErrorIs(t, e.ServerSideEmit("disconnecting"), ErrReservedEvent)
}

// The sharded layout: ClusterAdapter messages over SPUBLISH.
func TestShardedWireFormat(t *testing.T) {
	rdb := client(t)
	key := fmt.Sprintf("emitter-test-%d", time.Now().UnixNano())
	main := listen(t, rdb, true, key+"#/#")
	room := listen(t, rdb, true, key+"#/#lobby#")
	e := New(rdb, &Options{Key: key, Sharded: true})

	require.NoError(t, e.To("lobby").Emit("ev", "x"))
	// Byte for byte as Node's cluster adapter lays out a broadcast: the
	// message names the namespace, the packet does not.
	assert.Equal(t, `{"type":3,"data":{"packet":{"type":2,"data":["ev","x"]},"opts":{"rooms":["lobby"],"except":[],"flags":{}}},"uid":"emitter","nsp":"/"}`,
		next(t, room).Payload)

	// A socket id has no channel of its own in dynamic mode; binary
	// switches to msgpack.
	require.NoError(t, e.To("abcdefghijklmnopqrst").Emit("bin", []byte{1}))
	v, err := msgpack.Unmarshal([]byte(next(t, main).Payload))
	require.NoError(t, err)
	assert.Equal(t, int64(3), v.(map[string]any)["type"])

	require.NoError(t, e.SocketsLeave("x"))
	assert.Equal(t, `{"type":5,"data":{"opts":{"rooms":[],"except":[],"flags":{}},"rooms":["x"]},"uid":"emitter","nsp":"/"}`,
		next(t, main).Payload)
}
