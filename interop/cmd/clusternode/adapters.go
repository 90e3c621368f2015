package main

import (
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
	emitter emitter
	close   func() // releases the backend's clients, after the server's Close
}

// emitter is what the "emitter" control event drives: the backend's
// emitter package, publishing from outside any server.
type emitter interface {
	emit(rooms, except []string, event string, data any) error
	join(rooms, except []string, room string) error
	leave(rooms, except []string, room string) error
	disconnect(rooms, except []string) error
	sse(event string, data any) error
}

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
