package redisstreams

import (
	"context"
	"encoding/base64"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"

	"github.com/gosio/gosio/internal/clustertest"
	"github.com/gosio/gosio/internal/msgpack"
	"github.com/gosio/gosio/socketio"
)

// sessionTestStore returns a store on a stream and key prefix of its own,
// for a namespace of a server with recovery on (MaxDisconnectionDuration
// one minute), on the Redis at clustertest.RedisAddr, or on the Redis Cluster when the
// test's name says so (see TestSessionStoreRedisCluster).
func sessionTestStore(t *testing.T, page int64) (*sessionStore, redis.UniversalClient) {
	t.Helper()
	var rdb redis.UniversalClient
	if strings.Contains(t.Name(), "RedisCluster") {
		clustertest.RequireRedisCluster(t)
		rdb = clustertest.RedisClusterClient()
	} else {
		clustertest.RequireRedis(t, clustertest.RedisAddr)
		rdb = redis.NewClient(&redis.Options{Addr: clustertest.RedisAddr})
	}
	io := socketio.NewServer(&socketio.Options{
		ConnectionStateRecovery: &socketio.RecoveryOptions{MaxDisconnectionDuration: time.Minute},
	})
	name := testKey(t)
	st := &sessionStore{rdb: rdb, nsp: io.Of("/"), stream: name, prefix: name + ":session:", page: page, maxPages: restorePages}
	t.Cleanup(func() {
		_ = io.Close()
		ctx := context.Background()
		del := func(ctx context.Context, c *redis.Client) error {
			keys, _ := c.Keys(ctx, name+"*").Result()
			for _, k := range keys { // one by one: a cluster's keys are in many slots
				_ = c.Del(ctx, k).Err()
			}
			return nil
		}
		if cc, ok := rdb.(*redis.ClusterClient); ok {
			_ = cc.ForEachMaster(ctx, del)
		} else {
			_ = del(ctx, rdb.(*redis.Client))
		}
		_ = rdb.Close()
	})
	return st, rdb
}

// The session key and the stream are in different slots of a Redis
// Cluster: saving and restoring work there too.
func TestSessionStoreRedisCluster(t *testing.T) {
	t.Run("MissedPackets", TestSessionRestoreMissedPackets)
	t.Run("UnknownOffset", TestSessionRestoreUnknownOffset)
	t.Run("Format", TestSessionPersistFormat)
}

// addNodeBroadcast appends a BROADCAST entry as Node's adapter writes it:
// data as JSON text, or base64 msgpack when the payload has binary.
func addNodeBroadcast(t *testing.T, rdb redis.UniversalClient, stream, nsp string, data []any, rooms, except []string) string {
	t.Helper()
	msg := msgpack.Object(
		"packet", msgpack.Object("type", 2, "data", data, "nsp", nsp),
		"opts", msgpack.Object("rooms", orEmpty(rooms), "except", orEmpty(except), "flags", msgpack.Object()),
	)
	var field string
	if msgpack.HasBinary(data) {
		b, err := msgpack.Marshal(msg)
		require.NoError(t, err)
		field = base64.StdEncoding.EncodeToString(b)
	} else {
		b, err := msgpack.MarshalJSON(msg)
		require.NoError(t, err)
		field = string(b)
	}
	return addEntry(t, rdb, stream, map[string]any{"uid": "node1", "nsp": nsp, "type": "3", "data": field})
}

func addEntry(t *testing.T, rdb redis.UniversalClient, stream string, values map[string]any) string {
	t.Helper()
	id, err := rdb.XAdd(context.Background(), &redis.XAddArgs{Stream: stream, Values: values}).Result()
	require.NoError(t, err)
	return id
}

func orEmpty(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// A session is stored as Node's adapter stores it: base64 msgpack of
// {sid, pid, rooms, data}, expiring after MaxDisconnectionDuration.
func TestSessionPersistFormat(t *testing.T) {
	st, rdb := sessionTestStore(t, 100)
	ctx := context.Background()
	type profile struct {
		Name string `json:"name"`
		Age  int    `json:"age"`
	}
	require.NoError(t, st.persist(ctx, &socketio.SavedSession{
		SID: "sid1", PID: "pid1", Namespace: "/", Rooms: []string{"sid1", "r1"},
		Data: profile{Name: "ann", Age: 7},
	}))
	raw, err := rdb.Get(ctx, st.prefix+"pid1").Result()
	require.NoError(t, err)
	b, err := base64.StdEncoding.DecodeString(raw)
	require.NoError(t, err)
	v, err := msgpack.Unmarshal(b)
	require.NoError(t, err)
	require.Equal(t, map[string]any{
		"sid": "sid1", "pid": "pid1", "rooms": []any{"sid1", "r1"},
		"data": map[string]any{"name": "ann", "age": int64(7)},
	}, v)
	ttl, err := rdb.PTTL(ctx, st.prefix+"pid1").Result()
	require.NoError(t, err)
	require.Greater(t, ttl, 50*time.Second)
	require.LessOrEqual(t, ttl, time.Minute)

	// No data is Node's empty object.
	require.NoError(t, st.persist(ctx, &socketio.SavedSession{SID: "sid2", PID: "pid2"}))
	raw, err = rdb.Get(ctx, st.prefix+"pid2").Result()
	require.NoError(t, err)
	sess, err := decodeSession(raw)
	require.NoError(t, err)
	require.Equal(t, map[string]any{}, sess.Data)
	require.Equal(t, []string{}, sess.Rooms)
}

// Restoring takes the session once, with the namespace's broadcasts after
// the offset that the socket's rooms let through, in order, each with its
// entry id last; JSON and msgpack entries alike.
func TestSessionRestoreMissedPackets(t *testing.T) {
	for _, page := range []int64{100, 2} { // 2: the entries span several XRANGE calls
		t.Run(fmt.Sprint("page", page), func(t *testing.T) {
			st, rdb := sessionTestStore(t, page)
			ctx := context.Background()
			offset := addNodeBroadcast(t, rdb, st.stream, "/", []any{"before"}, nil, nil)
			require.NoError(t, st.persist(ctx, &socketio.SavedSession{
				SID: "sid1", PID: "pid1", Rooms: []string{"sid1", "r1"}, Data: map[string]any{"k": "v"},
			}))
			want := [][]any{}
			id := addNodeBroadcast(t, rdb, st.stream, "/", []any{"all", 1.0}, nil, nil)
			want = append(want, []any{"all", 1.0, id})
			id = addNodeBroadcast(t, rdb, st.stream, "/", []any{"r1", "x"}, []string{"r1"}, nil)
			want = append(want, []any{"r1", "x", id})
			addNodeBroadcast(t, rdb, st.stream, "/", []any{"r2"}, []string{"r2"}, nil)
			addNodeBroadcast(t, rdb, st.stream, "/", []any{"except-r1"}, nil, []string{"r1"})
			addNodeBroadcast(t, rdb, st.stream, "/other", []any{"other-nsp"}, nil, nil)
			addEntry(t, rdb, st.stream, map[string]any{"uid": "node1", "nsp": "/", "type": "4", "data": `{"opts":{"rooms":[],"except":[]},"rooms":["z"]}`})
			id = addNodeBroadcast(t, rdb, st.stream, "/", []any{"bin", []byte{1, 2, 3}}, []string{"sid1"}, nil)
			want = append(want, []any{"bin", []byte{1, 2, 3}, id})
			id = addNodeBroadcast(t, rdb, st.stream, "/", []any{"last"}, []string{"r2", "r1"}, []string{"r3"})
			want = append(want, []any{"last", id})

			sess, err := st.restore(ctx, "pid1", offset)
			require.NoError(t, err)
			require.NotNil(t, sess)
			require.Equal(t, "sid1", sess.SID)
			require.Equal(t, "pid1", sess.PID)
			require.Equal(t, []string{"sid1", "r1"}, sess.Rooms)
			require.Equal(t, map[string]any{"k": "v"}, sess.Data)
			require.Equal(t, want, sess.MissedPackets)

			again, err := st.restore(ctx, "pid1", offset)
			require.NoError(t, err)
			require.Nil(t, again, "a session is restored once")
		})
	}
}

// An offset the stream no longer holds (trimmed) restores nothing, and the
// session is gone, as with Node; a malformed offset restores nothing and
// leaves the session alone (Node refuses it before reading).
func TestSessionRestoreUnknownOffset(t *testing.T) {
	st, rdb := sessionTestStore(t, 100)
	ctx := context.Background()
	addNodeBroadcast(t, rdb, st.stream, "/", []any{"a"}, nil, nil)
	save := func() {
		require.NoError(t, st.persist(ctx, &socketio.SavedSession{SID: "sid1", PID: "pid1", Rooms: []string{"sid1"}}))
	}
	save()
	sess, err := st.restore(ctx, "pid1", "1-0")
	require.NoError(t, err)
	require.Nil(t, sess)
	n, err := rdb.Exists(ctx, st.prefix+"pid1").Result()
	require.NoError(t, err)
	require.Zero(t, n)

	save()
	for _, bad := range []string{"", "abc", "1-", "-1", "12-3-4", "epoch-1"} {
		sess, err := st.restore(ctx, "pid1", bad)
		require.NoError(t, err)
		require.Nil(t, sess, bad)
	}
	n, err = rdb.Exists(ctx, st.prefix+"pid1").Result()
	require.NoError(t, err)
	require.EqualValues(t, 1, n)

	// An unknown pid with a good offset: nothing.
	id := addNodeBroadcast(t, rdb, st.stream, "/", []any{"b"}, nil, nil)
	sess, err = st.restore(ctx, "nobody", id)
	require.NoError(t, err)
	require.Nil(t, sess)
}

// A store that does not answer in time fails the restore with the
// context's error (socketio then connects the client as a new socket).
func TestSessionRestoreContext(t *testing.T) {
	st, _ := sessionTestStore(t, 100)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := st.restore(ctx, "pid1", "1-0")
	require.ErrorIs(t, err, context.Canceled)
	require.ErrorIs(t, st.persist(ctx, &socketio.SavedSession{SID: "s", PID: "p"}), context.Canceled)
}

func TestNextOffset(t *testing.T) {
	for in, want := range map[string]string{
		"1-0":                    "1-1",
		"1700000000000-41":       "1700000000000-42",
		"5-18446744073709551615": "6-0",
		"0-9":                    "0-10",
	} {
		got, err := nextOffset(in)
		require.NoError(t, err)
		require.Equal(t, want, got, in)
	}
	_, err := nextOffset("x")
	require.Error(t, err)
}

func FuzzDecodeSession(f *testing.F) {
	good, err := encodeSession(&socketio.SavedSession{SID: "s", PID: "p", Rooms: []string{"s", "r"}, Data: map[string]any{"a": []any{1, "x", []byte{0}}}})
	require.NoError(f, err)
	f.Add(good)
	f.Add("")
	f.Add("gaNzaWShcw==")
	f.Add("!!!")
	f.Fuzz(func(t *testing.T, s string) {
		sess, err := decodeSession(s)
		if err != nil {
			return
		}
		if sess.SID == "" {
			t.Fatal("a session without sid")
		}
		// What was read can be written again.
		if _, err := encodeSession(sess); err != nil {
			t.Fatal(err)
		}
	})
}

func FuzzDecodeEntryData(f *testing.F) {
	f.Add(`{"packet":{"type":2,"data":["a",1],"nsp":"/"},"opts":{"rooms":["r"],"except":[],"flags":{}}}`)
	b, _ := msgpack.Marshal(msgpack.Object("packet", msgpack.Object("type", 2, "data", []any{"b", []byte{1}}), "opts", msgpack.Object("rooms", []string{})))
	f.Add(base64.StdEncoding.EncodeToString(b))
	f.Add("{")
	f.Add("")
	f.Fuzz(func(t *testing.T, s string) {
		e := redis.XMessage{ID: "1-1", Values: map[string]any{"nsp": "/", "type": "3", "data": s}}
		if data := missedPacket(e, "/", []string{"r"}); data != nil && data[len(data)-1] != "1-1" {
			t.Fatalf("the entry id is not last: %v", data)
		}
	})
}
