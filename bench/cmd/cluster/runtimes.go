package main

import (
	"fmt"
	"slices"
	"time"
)

// allRuntimes in report order. floor (servers/floor with -redis) is not a
// Socket.IO server: it does the least a cluster server must do for the load
// generator's checks to pass (one PUBLISH per broadcast, one write per
// delivery), a bound for the other two on this machine.
var allRuntimes = []string{"gosio", "node", "floor"}

// floorAdapters are the adapters floor stands in for: per delivered message
// the store's share is one publication per broadcast over hundreds of
// deliveries, so one store is enough for the bound.
var floorAdapters = []string{"pubsub"}

// ratioPairs are the report's ratio columns, each shown when both runtimes
// run.
var ratioPairs = [][2]string{{"gosio", "node"}, {"floor", "node"}, {"gosio", "floor"}}

// title is a runtime's name in the report's ratios.
func title(rt string) string {
	if rt == "node" {
		return "Node"
	}
	return rt
}

// supports reports whether rt has a server for adapter: gosio the adapters
// its build registers, Node every one, floor pubsub.
func supports(rt, adapter string, goAdapters []string) bool {
	switch rt {
	case "gosio":
		return slices.Contains(goAdapters, adapter)
	case "floor":
		return slices.Contains(floorAdapters, adapter)
	}
	return true
}

// serverArgv is the command line of one cluster server.
func serverArgv(o opts, rt, adapter, prefix string, maxLife time.Duration) []string {
	life := []string{"-addr", "127.0.0.1:0", "-watch-stdin", "-max-lifetime", fmt.Sprintf("%ds", int(maxLife.Seconds()))}
	common := append([]string{"-adapter", adapter, "-prefix", prefix, "-pg", o.pg, "-table", o.table}, life...)
	switch rt {
	case "node":
		return append([]string{"node", "node/cluster-server.js", "-redis", "redis://" + o.redis}, common...)
	case "floor":
		return append([]string{".bin/floor", "-redis", o.redis, "-adapter", adapter, "-prefix", prefix}, life...)
	}
	return append([]string{".bin/gosio-cluster", "-redis", o.redis}, common...)
}
