package redisstreams

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"

	"github.com/gosio/gosio/internal/clustertest"
	"github.com/gosio/gosio/internal/siotest"
	"github.com/gosio/gosio/socketio"
)

// sessionHook reports each session key SET on a server's Redis client:
// the saving of a session runs apart from the disconnection, and this is
// the event a test waits for.
type sessionHook struct {
	prefix string
	saved  chan string
}

func (h *sessionHook) DialHook(next redis.DialHook) redis.DialHook { return next }

func (h *sessionHook) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		err := next(ctx, cmd)
		args := cmd.Args()
		if err == nil && cmd.Name() == "set" && len(args) > 1 {
			if k, _ := args[1].(string); strings.HasPrefix(k, h.prefix) {
				h.saved <- k
			}
		}
		return err
	}
}

func (h *sessionHook) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return next
}

type recoveryNode struct {
	io *socketio.Server
	hs *httptest.Server
	// recovered receives each socket that connects, once its connection
	// handlers ran.
	sockets chan *socketio.Socket
	hook    *sessionHook
}

// startRecoveryCluster starts n servers on one stream with connection
// state recovery on. Sockets join the rooms of their query (?rooms=a,b)
// unless recovered, and get data {tag: <query tag>}.
func startRecoveryCluster(t *testing.T, n int) []*recoveryNode {
	t.Helper()
	return startRecoveryClusterOn(t, n, nil)
}

// startRecoveryClusterOn is startRecoveryCluster where client makes each
// server's Redis client (nil: a Client of clustertest.RedisAddr).
func startRecoveryClusterOn(t *testing.T, n int, client func() redis.UniversalClient) []*recoveryNode {
	t.Helper()
	if client == nil {
		clustertest.RequireRedis(t, clustertest.RedisAddr)
		client = func() redis.UniversalClient { return redis.NewClient(&redis.Options{Addr: clustertest.RedisAddr}) }
	}
	key := testKey(t)
	opts := Options{StreamName: key, ChannelPrefix: key, SessionKeyPrefix: key + ":session:", Logger: clustertest.Logger()}
	admin := client()
	t.Cleanup(func() {
		ctx := context.Background()
		_ = admin.Del(ctx, key).Err() // the sessions were taken or expire
		_ = admin.Close()
	})
	var nodes []*recoveryNode
	var plain []*node
	for range n {
		rdb := client()
		hook := &sessionHook{prefix: opts.SessionKeyPrefix, saved: make(chan string, 64)}
		rdb.AddHook(hook)
		o := opts
		io := socketio.NewServer(&socketio.Options{
			Adapter:                 New(rdb, &o),
			ConnectionStateRecovery: &socketio.RecoveryOptions{},
			Logger:                  clustertest.Logger(),
		})
		nd := &recoveryNode{io: io, sockets: make(chan *socketio.Socket, 16), hook: hook}
		io.OnConnection(func(s *socketio.Socket) {
			if !s.Recovered() {
				if rooms := s.Handshake().Query.Get("rooms"); rooms != "" {
					_ = s.Join(strings.Split(rooms, ",")...)
				}
				s.SetData(map[string]any{"tag": s.Handshake().Query.Get("tag")})
			}
			nd.sockets <- s
		})
		nd.hs = httptest.NewServer(io)
		nodes = append(nodes, nd)
		plain = append(plain, &node{IO: io, HS: nd.hs, Client: rdb})
		t.Cleanup(func() {
			nd.hs.CloseClientConnections()
			nd.hs.Close()
			_ = io.Close()
			_ = rdb.Close()
		})
	}
	clustertest.WaitServerCount(t, plain, n)
	return nodes
}

var entryID = regexp.MustCompile(`^[0-9]+-[0-9]+$`)

// connectPID connects c to "/" with auth and returns the socket id and pid.
func connectPID(t *testing.T, c *siotest.Client, auth string) (sid, pid string) {
	t.Helper()
	c.Send("0" + auth)
	p := c.Next()
	require.True(t, strings.HasPrefix(p, "0{"), "want CONNECT, got %q", p)
	var ack struct{ SID, PID string }
	require.NoError(t, json.Unmarshal([]byte(p[1:]), &ack))
	return ack.SID, ack.PID
}

// entryBefore compares stream entry ids.
func entryBefore(x, y string) bool {
	var xm, xs, ym, ys uint64
	_, _ = fmt.Sscanf(x, "%d-%d", &xm, &xs)
	_, _ = fmt.Sscanf(y, "%d-%d", &ym, &ys)
	return xm < ym || xm == ym && xs < ys
}

// eventWithOffset reads an event and returns its arguments and its offset.
func eventWithOffset(t *testing.T, c *siotest.Client, name string) ([]any, string) {
	t.Helper()
	args := c.ExpectEvent(name)
	require.NotEmpty(t, args)
	off, _ := args[len(args)-1].(string)
	require.Regexp(t, entryID, off, "the offset is a stream entry id")
	return args[:len(args)-1], off
}

// A client drops from one server and recovers on another: same id, rooms
// and data, and exactly the events emitted meanwhile (by either server,
// to it, to its rooms, not to others), in order, each with its entry id.
func TestRecoveryAcrossServers(t *testing.T) { recoveryAcrossServers(t, nil) }

// The same on a Redis Cluster, where the sessions and the stream live on
// different masters.
func TestRecoveryRedisCluster(t *testing.T) {
	clustertest.RequireRedisCluster(t)
	recoveryAcrossServers(t, clustertest.RedisClusterClient)
}

func recoveryAcrossServers(t *testing.T, client func() redis.UniversalClient) {
	nodes := startRecoveryClusterOn(t, 2, client)
	a, b := nodes[0], nodes[1]

	c := siotest.Dial(t, a.hs, "&rooms=r1&tag=x")
	sid, pid := connectPID(t, c, "")
	s := receive(t, a.sockets)
	require.NoError(t, b.io.Emit("hello", 1))
	_, offset := eventWithOffset(t, c, "hello")
	// A direct emit is a broadcast to the socket's room, with an offset.
	require.NoError(t, s.Emit("direct"))
	_, offset2 := eventWithOffset(t, c, "direct")
	require.True(t, entryBefore(offset, offset2))

	c.Close()
	require.Equal(t, a.hook.prefix+pid, receive(t, a.hook.saved))

	require.NoError(t, b.io.Emit("m1", "from b"))
	require.NoError(t, a.io.To("r1").Emit("m2", "from a to r1"))
	require.NoError(t, b.io.To("r2").Emit("not-for-it"))
	require.NoError(t, a.io.Except("r1").Emit("not-for-it"))
	require.NoError(t, b.io.To(sid).Emit("m3", "to its id"))
	require.NoError(t, a.io.Volatile().Emit("volatile")) // stored, replayed as Node does
	require.NoError(t, b.io.Emit("m4", []byte{1, 2}))

	c2 := siotest.Dial(t, b.hs, "")
	sid2, pid2 := connectPID(t, c2, `{"pid":"`+pid+`","offset":"`+offset2+`"}`)
	require.Equal(t, sid, sid2)
	require.Equal(t, pid, pid2)
	s2 := receive(t, b.sockets)
	require.True(t, s2.Recovered())
	require.ElementsMatch(t, []string{sid, "r1"}, s2.Rooms())
	require.Equal(t, map[string]any{"tag": "x"}, s2.Data())

	last := offset2
	for _, name := range []string{"m1", "m2", "m3", "volatile"} {
		_, off := eventWithOffset(t, c2, name)
		require.True(t, entryBefore(last, off), "in order: %s then %s", last, off)
		last = off
	}
	// The binary one: its placeholder and attachment.
	p := c2.Next()
	require.True(t, strings.HasPrefix(p, "51-"), p)
	require.Equal(t, []byte{1, 2}, receive(t, c2.Bin))
	c2.ExpectNothing(200 * time.Millisecond)

	// Recovered once: the same pid again is a new socket.
	c3 := siotest.Dial(t, a.hs, "")
	sid3, _ := connectPID(t, c3, `{"pid":"`+pid+`","offset":"`+offset2+`"}`)
	require.NotEqual(t, sid, sid3)
	require.False(t, receive(t, a.sockets).Recovered())

	// It is in its rooms on b, for broadcasts from a.
	require.NoError(t, a.io.To("r1").Emit("again"))
	eventWithOffset(t, c2, "again")
}

// A server shut down gracefully saves its sockets' sessions before its
// adapter closes and sends them no DISCONNECT: they recover on another.
func TestRecoveryAfterShutdown(t *testing.T) {
	nodes := startRecoveryCluster(t, 2)
	a, b := nodes[0], nodes[1]
	c := siotest.Dial(t, a.hs, "&rooms=r1")
	sid, pid := connectPID(t, c, "")
	receive(t, a.sockets)
	require.NoError(t, a.io.Emit("hello"))
	_, offset := eventWithOffset(t, c, "hello")

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	require.NoError(t, a.io.Shutdown(ctx))
	for p := range c.In {
		require.False(t, strings.HasPrefix(p, "1"), "DISCONNECT sent: %q", p)
		if p == "close" {
			break
		}
	}
	select {
	case k := <-a.hook.saved: // saved by the time Shutdown returned
		require.Equal(t, a.hook.prefix+pid, k)
	default:
		t.Fatal("the session was not saved before Shutdown returned")
	}
	require.NoError(t, b.io.To("r1").Emit("missed"))

	c2 := siotest.Dial(t, b.hs, "")
	sid2, _ := connectPID(t, c2, `{"pid":"`+pid+`","offset":"`+offset+`"}`)
	require.Equal(t, sid, sid2)
	require.True(t, receive(t, b.sockets).Recovered())
	eventWithOffset(t, c2, "missed")
}

// receive returns the next value from ch, failing the test after 5s.
func receive[T any](t testing.TB, ch <-chan T) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(5 * time.Second):
		t.Fatal("timed out waiting for a value")
		var zero T
		return zero
	}
}

// With a Redis that does not answer, a client that asks to recover is
// connected as a new socket within StoreTimeout, and a socket that drops
// is not saved. With a client that heeds contexts (ContextTimeoutEnabled),
// Close returns at once too; with go-redis's defaults, a command waits for
// the client's own timeouts whatever its context says (here 1s, longer
// than StoreTimeout): socketio stops waiting for it all the same, and
// Close waits for it to end.
func TestRecoveryStoreDown(t *testing.T) {
	for _, heeds := range []bool{true, false} {
		t.Run(fmt.Sprintf("ContextTimeoutEnabled=%v", heeds), func(t *testing.T) {
			rdb := redis.NewClient(&redis.Options{
				Addr: hungServer(t), MaxRetries: -1, ContextTimeoutEnabled: heeds,
				DialTimeout: time.Second, ReadTimeout: time.Second, WriteTimeout: time.Second,
			})
			t.Cleanup(func() { _ = rdb.Close() })
			io := socketio.NewServer(&socketio.Options{
				Adapter:                 New(rdb, &Options{RequestsTimeout: 300 * time.Millisecond, BlockTime: 100 * time.Millisecond, Logger: clustertest.Logger()}),
				ConnectionStateRecovery: &socketio.RecoveryOptions{StoreTimeout: 300 * time.Millisecond},
				Logger:                  clustertest.Logger(),
			})
			hs := httptest.NewServer(io)
			t.Cleanup(func() {
				hs.CloseClientConnections()
				hs.Close()
			})
			c := siotest.Dial(t, hs, "")
			start := time.Now()
			sid, pid := connectPID(t, c, `{"pid":"p1","offset":"1-0"}`)
			require.Less(t, time.Since(start), 900*time.Millisecond, "the connect waited for the store")
			require.NotEmpty(t, sid)
			require.NotEqual(t, "p1", pid)
			c.Close()
			start = time.Now()
			require.NoError(t, io.Close())
			if heeds {
				require.Less(t, time.Since(start), 2*time.Second)
			}
		})
	}
}

// hungServer listens on a port where connections are accepted and never
// answered: a Redis that hangs. The test's cleanup closes it all.
func hungServer(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	var mu sync.Mutex
	var conns []net.Conn
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		_ = ln.Close()
		<-done
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			_ = c.Close()
		}
	})
	return ln.Addr().String()
}
