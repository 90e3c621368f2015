package main

import (
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"

	"github.com/gosio/gosio/socketio"
)

// backend is a cluster adapter of clusternode and its emitter. Each
// adapter_*.go file registers its own in adapters, under the name the
// -adapter flag selects.
type backend struct {
	factory func(*socketio.Namespace) socketio.Adapter
	emitter emitterOp
	close   func() // releases the backend's clients, after the server's Close
}

// emitterOp runs an "emitter" control event's operation (t.Op: "emit",
// "join", "leave", "disconnect", "sse", or one of the backend's own)
// through the backend's emitter package, publishing from outside any
// server.
type emitterOp func(t target) error

// errUnknownOp answers an operation the backend's emitter does not know.
var errUnknownOp = errors.New("unknown op")

// operator is what the emitter packages' BroadcastOperators have in
// common.
type operator[B any] interface {
	Except(rooms ...string) B
	Emit(event string, args ...any) error
	SocketsJoin(rooms ...string) error
	SocketsLeave(rooms ...string) error
	DisconnectSockets(close bool) error
}

// emitter is what the emitter packages' Emitters have in common.
type emitter[B operator[B]] interface {
	To(rooms ...string) B
	ServerSideEmit(event string, args ...any) error
}

// emitterOps runs the common operations through em, on the sockets of
// t.Rooms but not t.Except; own, when not nil, runs the backend's own
// operations (errUnknownOp for the others).
func emitterOps[B operator[B]](em emitter[B], own func(t target, b B) error) emitterOp {
	return func(t target) error {
		b := em.To(t.Rooms...).Except(t.Except...)
		switch t.Op {
		case "emit":
			return b.Emit(t.Event, t.Data)
		case "join":
			return b.SocketsJoin(t.Room)
		case "leave":
			return b.SocketsLeave(t.Room)
		case "disconnect":
			return b.DisconnectSockets(false)
		case "sse":
			return em.ServerSideEmit(t.Event, t.Data)
		}
		if own != nil {
			return own(t, b)
		}
		return errUnknownOp
	}
}

// config is what the common flags give every backend.
type config struct {
	redis   string   // -redis
	cluster []string // -redis-cluster: seed addresses of a Redis Cluster, used instead of -redis
	key     string   // -key: channel prefix (and stream name)
	mode    string   // -mode: sharded subscription mode
	logger  *slog.Logger
	sharded bool // -sharded (the "sharded" backend)
}

var adapters = map[string]func(config) (*backend, error){}

func register(name string, f func(config) (*backend, error)) {
	if _, dup := adapters[name]; dup {
		panic("clusternode: adapter " + name + " registered twice")
	}
	adapters[name] = f
}

func newBackend(name string, cfg config) (*backend, error) {
	f := adapters[name]
	if f == nil {
		names := make([]string, 0, len(adapters))
		for n := range adapters {
			names = append(names, n)
		}
		slices.Sort(names)
		return nil, fmt.Errorf("unknown -adapter %q (known: %s)", name, strings.Join(names, ", "))
	}
	return f(cfg)
}
