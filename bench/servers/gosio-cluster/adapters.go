package main

import (
	"context"

	"github.com/gosio/gosio/socketio"
)

// storeConfig is where the store is and the names this run may use in it.
type storeConfig struct {
	Redis    string // host:port
	Postgres string // connection string
	Prefix   string // key, channel and stream prefix: this run's own
	Table    string // PostgreSQL attachment table
}

// opener connects to the store and returns the adapter factory for
// socketio.Options.Adapter and the function that closes the store's client
// (called after the server, hence its adapters, is closed).
type opener func(ctx context.Context, c storeConfig) (factory func(*socketio.Namespace) socketio.Adapter, closeStore func(), err error)

// adapters holds the registrations, by the name the orchestrator and the
// Node server (bench/node/cluster-server.js) share.
var adapters = map[string]opener{}

// register adds an adapter; each store's file calls it from init.
func register(name string, o opener) {
	if _, dup := adapters[name]; dup {
		panic("adapter registered twice: " + name)
	}
	adapters[name] = o
}
