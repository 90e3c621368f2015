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

// config is what the common flags give every backend.
type config struct {
	redis   string // -redis
	key     string // -key: channel prefix (and stream name)
	mode    string // -mode: sharded subscription mode
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
