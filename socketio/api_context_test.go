package socketio_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gosio/gosio/parser"
	"github.com/gosio/gosio/socketio"
)

// ctxAdapter is a cluster adapter stand-in that records the context of
// each operation that would go over the network.
type ctxAdapter struct {
	*socketio.MemoryAdapter
	seen map[string]context.Context
}

func (a *ctxAdapter) AddSockets(ctx context.Context, o *socketio.BroadcastOptions, rooms []string) error {
	a.seen["AddSockets"] = ctx
	return a.MemoryAdapter.AddSockets(ctx, o, rooms)
}

func (a *ctxAdapter) DelSockets(ctx context.Context, o *socketio.BroadcastOptions, rooms []string) error {
	a.seen["DelSockets"] = ctx
	return a.MemoryAdapter.DelSockets(ctx, o, rooms)
}

func (a *ctxAdapter) DisconnectSockets(ctx context.Context, o *socketio.BroadcastOptions, close bool) error {
	a.seen["DisconnectSockets"] = ctx
	return a.MemoryAdapter.DisconnectSockets(ctx, o, close)
}

func (a *ctxAdapter) ServerSideEmit(ctx context.Context, args []any, expect func(int), onAck func(socketio.Response)) error {
	a.seen["ServerSideEmit"] = ctx
	return a.MemoryAdapter.ServerSideEmit(ctx, args, expect, onAck)
}

func (a *ctxAdapter) Broadcast(ctx context.Context, pkt *parser.Packet, o *socketio.BroadcastOptions) error {
	a.seen["Broadcast"] = ctx
	return a.MemoryAdapter.Broadcast(ctx, pkt, o)
}

type ctxKey struct{}

// TestNetworkCallsTakeTheCallersContext: the calls a cluster adapter may
// send over the network hand the caller's context to the adapter.
func TestNetworkCallsTakeTheCallersContext(t *testing.T) {
	var ad *ctxAdapter
	io := socketio.NewServer(&socketio.Options{Adapter: func(n *socketio.Namespace) socketio.Adapter {
		a := &ctxAdapter{MemoryAdapter: socketio.NewMemoryAdapter(n), seen: map[string]context.Context{}}
		if n.Name() == "/" {
			ad = a
		}
		return a
	}})
	defer io.Close()
	ctx := context.WithValue(context.Background(), ctxKey{}, "mine")
	require.NoError(t, io.SocketsJoin(ctx, "a"))
	require.NoError(t, io.In("x").SocketsLeave(ctx, "a"))
	require.NoError(t, io.Of("/").DisconnectSockets(ctx, false))
	require.NoError(t, io.ServerSideEmit(ctx, "hello"))
	remote := socketio.NewRemoteSocket(io.Of("/"), "elsewhere", nil, nil, nil)
	require.NoError(t, remote.Emit(ctx, "ev"))
	for _, op := range []string{"AddSockets", "DelSockets", "DisconnectSockets", "ServerSideEmit", "Broadcast"} {
		got := ad.seen[op]
		require.NotNil(t, got, op)
		require.Equal(t, "mine", got.Value(ctxKey{}), "%s did not get the caller's context", op)
	}
	for op, call := range map[string]func() error{
		"AddSockets":        func() error { return remote.Join(ctx, "r") },
		"DelSockets":        func() error { return remote.Leave(ctx, "r") },
		"DisconnectSockets": func() error { return remote.Disconnect(ctx, false) },
	} {
		delete(ad.seen, op)
		require.NoError(t, call())
		require.Equal(t, "mine", ad.seen[op].Value(ctxKey{}), "RemoteSocket's %s", op)
	}
}
