// Command gosio-cluster is the gosio server of the cluster benchmark
// (bench/cmd/cluster): the benchmark contract's bcast and echo on the default
// namespace, with an adapter that joins it to the other servers on the same
// store. -adapter names one of the registrations (adapters.go; one file per
// store, e.g. adapter_redis.go); -list-adapters prints their names.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"runtime/pprof"
	"sort"
	"strings"
	"time"

	"github.com/gosio/gosio/bench/internal/srvutil"
	"github.com/gosio/gosio/socketio"
)

func main() {
	f := srvutil.Register()
	var c storeConfig
	name := flag.String("adapter", "pubsub", "adapter: one of -list-adapters")
	list := flag.Bool("list-adapters", false, "print the registered adapters, one a line, and exit")
	flag.StringVar(&c.Redis, "redis", "127.0.0.1:6379", "Redis address")
	flag.StringVar(&c.Postgres, "pg", "postgres://postgres@127.0.0.1:5432/test", "PostgreSQL connection string")
	flag.StringVar(&c.Prefix, "prefix", "gosio-bench", "key / channel / stream prefix, distinct per run")
	flag.StringVar(&c.Table, "table", "gosio_bench_attachments", "PostgreSQL attachment table")
	cpuprofile := flag.String("cpuprofile", "", "write a CPU profile of the whole run to this file")
	flag.Parse()

	if *list {
		names := make([]string, 0, len(adapters))
		for n := range adapters {
			names = append(names, n)
		}
		sort.Strings(names)
		fmt.Println(strings.Join(names, "\n"))
		return
	}
	open, ok := adapters[*name]
	if !ok {
		fmt.Fprintf(os.Stderr, "unknown -adapter %q\n", *name)
		os.Exit(2)
	}
	if *cpuprofile != "" {
		pf, err := os.Create(*cpuprofile)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		if err := pprof.StartCPUProfile(pf); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		defer func() { pprof.StopCPUProfile(); _ = pf.Close() }()
	}

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	factory, closeStore, err := open(ctx, c)
	cancel()
	if err != nil {
		fmt.Fprintf(os.Stderr, "adapter %s: %v\n", *name, err)
		os.Exit(1)
	}
	io := socketio.NewServer(&socketio.Options{Adapter: factory})
	io.On("connection", func(s *socketio.Socket) {
		s.On("echo", func(v json.RawMessage, ack socketio.Ack) { ack(v) })
		s.On("bcast", func(v json.RawMessage) { _ = io.Emit("bcast", v) })
	})
	srvutil.Serve(f, io, func() {
		// The adapters close with the server, before the store's client.
		_ = io.Close()
		closeStore()
	})
}
