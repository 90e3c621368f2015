// Command cluster is the cluster benchmark: for each adapter, two servers of
// one runtime (gosio+gosio, Node+Node, and floor+floor, the least a cluster
// server spends) on one store, the clients split between them, broadcasts
// emitted from the first at a fixed rate. It reports both servers' CPU time
// per delivered message and the delivery latency, as medians over the
// repeats, with the ratios gosio/Node, floor/Node and gosio/floor, in a
// Markdown table also written to results/cluster-<date>.md (raw runs,
// medians and ratios in .json).
//
// Run it from bench/ (bench/cluster.sh does): it builds .bin/load,
// .bin/gosio-cluster and .bin/floor and runs `npm ci` in node/ when needed.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/gosio/gosio/bench/internal/runinfo"
)

type opts struct {
	adapters    []string
	runtimes    []string
	repeat      int
	clients     int
	rate        float64
	duration    time.Duration
	payload     int
	settle      time.Duration
	redis       string
	pg          string
	table       string
	outDir      string
	logDir      string
	noBuild     bool
	verbose     bool
	loadTimeout time.Duration
	profileDir  string
	full        bool
}

// run is one measurement, as stored in results/cluster-<date>.json.
type run struct {
	Adapter string             `json:"adapter"`
	Runtime string             `json:"runtime"`
	Repeat  int                `json:"repeat"`
	Prefix  string             `json:"prefix"`
	LoadAvg string             `json:"loadavg"` // at the run's start: the neighbours' load
	Metrics map[string]float64 `json:"metrics"`
	Notes   []string           `json:"notes,omitempty"`
	Error   string             `json:"error,omitempty"`
	Seconds float64            `json:"seconds"`
}

func main() {
	var o opts
	var ads, rts string
	names := make([]string, len(allAdapters))
	for i, a := range allAdapters {
		names[i] = a.name
	}
	flag.StringVar(&ads, "adapters", "", "comma-separated adapters: "+strings.Join(names, ", ")+" (default: every one the gosio server registers)")
	flag.StringVar(&rts, "runtimes", "gosio,node,floor", "comma-separated runtimes: gosio, node, floor (servers/floor, the least a cluster server spends; pubsub only)")
	flag.BoolVar(&o.full, "full", false, "full scale: 1000 clients, 20 broadcasts/s for 10 s, 5 repeats (default: 400 clients, 25/s for 4 s, 3 repeats)")
	flag.IntVar(&o.repeat, "repeat", 0, "runs of each adapter×runtime; the table shows medians")
	flag.IntVar(&o.clients, "clients", 0, "clients, half on each server")
	flag.Float64Var(&o.rate, "rate", 0, "broadcasts per second")
	flag.DurationVar(&o.duration, "duration", 0, "measured duration")
	flag.IntVar(&o.payload, "payload", 100, "approximate size in bytes of each event packet")
	flag.DurationVar(&o.settle, "settle", time.Second, "idle time between the warm-up and the measured phase")
	flag.StringVar(&o.redis, "redis", "127.0.0.1:6379", "Redis address")
	flag.StringVar(&o.pg, "pg", "postgres://postgres@127.0.0.1:5432/test", "PostgreSQL connection string")
	flag.StringVar(&o.table, "table", "gosio_bench_attachments", "PostgreSQL attachment table (created if missing)")
	flag.StringVar(&o.outDir, "out", "results", "directory for cluster-<date>.md and .json ('' to write nothing)")
	flag.StringVar(&o.logDir, "logs", "", "directory for server and load generator logs (default: a new temporary directory)")
	flag.BoolVar(&o.noBuild, "no-build", false, "do not build .bin/ nor run npm ci")
	flag.BoolVar(&o.verbose, "v", false, "copy the load generator's stderr to stderr")
	flag.DurationVar(&o.loadTimeout, "load-timeout", 2*time.Minute, "hard limit for one load generator run")
	flag.StringVar(&o.profileDir, "cpuprofile", "", "directory: write a CPU profile of each gosio server there (<adapter>-<a|b>-<run>.prof)")
	flag.Parse()
	o.defaults()
	o.runtimes = splitList(rts)
	for _, r := range o.runtimes {
		if !slices.Contains(allRuntimes, r) {
			fatalf("unknown runtime %q (have %s)", r, strings.Join(allRuntimes, ", "))
		}
	}
	if _, err := os.Stat("cmd/cluster"); err != nil {
		fatalf("run from the bench/ directory (bench/cluster.sh does)")
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if !o.noBuild {
		build(ctx, o)
	}
	goAdapters := gosioAdapters(ctx)
	if ads == "" {
		o.adapters = goAdapters
	} else {
		o.adapters = splitList(ads)
	}
	need := map[string]bool{}
	for _, a := range o.adapters {
		spec, ok := specOf(a)
		if !ok {
			fatalf("unknown adapter %q (have %s)", a, strings.Join(names, ", "))
		}
		need[spec.store] = true
	}
	st, err := openStores(ctx, o, need)
	if err != nil {
		fatalf("%v", err)
	}
	defer st.close()
	if o.logDir, err = runinfo.LogDir(o.logDir, "gosio-cluster-logs-"); err != nil {
		fatalf("%v", err)
	}

	started := time.Now()
	machine := runinfo.Machine()
	load0 := runinfo.LoadAvg()
	fmt.Fprintf(os.Stderr, "cluster: %d adapter(s) × %d runtime(s) × %d repeat(s); logs in %s\n",
		len(o.adapters), len(o.runtimes), o.repeat, o.logDir)
	var runs []run
	for rep := 0; rep < o.repeat; rep++ {
		for _, ad := range o.adapters {
			// Rotate the runtime order on each repeat so drift on a shared
			// machine does not always favour the same runtime.
			for k := range o.runtimes {
				rt := o.runtimes[(k+rep)%len(o.runtimes)]
				if ctx.Err() != nil {
					fatalf("interrupted")
				}
				if !supports(rt, ad, goAdapters) {
					why := "not registered in this build of servers/gosio-cluster"
					if rt == "floor" {
						why = "floor stands in for " + strings.Join(floorAdapters, ", ") + " only"
					}
					fmt.Fprintf(os.Stderr, "cluster: [%d/%d] %-9s %-6s skipped (%s)\n", rep+1, o.repeat, ad, rt, why)
					continue
				}
				r := runOne(ctx, o, st, ad, rt, rep, started)
				runs = append(runs, r)
				status := "ok"
				if r.Error != "" {
					status = "FAILED: " + r.Error
				}
				m := r.Metrics
				fmt.Fprintf(os.Stderr, "cluster: [%d/%d] %-9s %-6s %5.1fs %.2f µs CPU/msg, p50 %.2f ms, p99 %.2f ms, lost %.0f %s\n",
					rep+1, o.repeat, ad, rt, r.Seconds, m["cpu_us_per_msg"], m["p50_ms"], m["p99_ms"], m["lost"], status)
			}
		}
	}

	md := report(o, runs, goAdapters, machine, load0, runinfo.LoadAvg(), started)
	fmt.Println(md)
	if o.outDir != "" {
		if err := os.MkdirAll(o.outDir, 0o755); err != nil {
			fatalf("%v", err)
		}
		stamp := "cluster-" + started.UTC().Format("2006-01-02T150405")
		mdPath := filepath.Join(o.outDir, stamp+".md")
		jsonPath := filepath.Join(o.outDir, stamp+".json")
		_ = os.WriteFile(mdPath, []byte(md), 0o644)
		raw, _ := json.MarshalIndent(map[string]any{"machine": machine, "args": os.Args[1:],
			"summary": summarize(runs, goAdapters), "runs": runs}, "", "  ")
		_ = os.WriteFile(jsonPath, raw, 0o644)
		fmt.Fprintf(os.Stderr, "cluster: wrote %s and %s\n", mdPath, jsonPath)
	}
	for _, r := range runs {
		if r.Error != "" {
			os.Exit(1)
		}
	}
}

func (o *opts) defaults() {
	pick := func(full, small int) int {
		if o.full {
			return full
		}
		return small
	}
	if o.repeat <= 0 {
		o.repeat = pick(5, 3)
	}
	if o.clients <= 0 {
		o.clients = pick(1000, 400)
	}
	if o.rate <= 0 {
		o.rate = float64(pick(20, 25))
	}
	if o.duration <= 0 {
		o.duration = time.Duration(pick(10, 4)) * time.Second
	}
}

// gosioAdapters asks the built gosio server which adapters it registers.
func gosioAdapters(ctx context.Context) []string {
	out, err := exec.CommandContext(ctx, ".bin/gosio-cluster", "-list-adapters").Output()
	if err != nil {
		fatalf(".bin/gosio-cluster -list-adapters: %v (build it, or drop -no-build)", err)
	}
	var names []string
	for _, n := range strings.Fields(string(out)) {
		if _, ok := specOf(n); ok {
			names = append(names, n)
		}
	}
	// In the report's order.
	slices.SortFunc(names, func(a, b string) int { return index(a) - index(b) })
	return names
}

func index(name string) int {
	for i, a := range allAdapters {
		if a.name == name {
			return i
		}
	}
	return len(allAdapters)
}

func build(ctx context.Context, o opts) {
	fmt.Fprintln(os.Stderr, "cluster: building .bin/ (load, gosio-cluster, floor)")
	cmd := exec.CommandContext(ctx, "go", "build", "-o", ".bin/", "./cmd/load", "./servers/gosio-cluster", "./servers/floor")
	cmd.Env = append(os.Environ(), "GOWORK=off")
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		fatalf("build: %v", err)
	}
	if slices.Contains(o.runtimes, "node") {
		if _, err := os.Stat("node/node_modules/@socket.io/redis-adapter/package.json"); err != nil || newer("node/package-lock.json", "node/node_modules/.package-lock.json") {
			fmt.Fprintln(os.Stderr, "cluster: npm ci in node/")
			cmd := exec.CommandContext(ctx, "npm", "ci", "--no-audit", "--no-fund")
			cmd.Dir = "node"
			cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
			if err := cmd.Run(); err != nil {
				fatalf("npm ci: %v", err)
			}
		}
	}
}

func newer(a, b string) bool {
	sa, err1 := os.Stat(a)
	sb, err2 := os.Stat(b)
	return err1 == nil && err2 == nil && sa.ModTime().After(sb.ModTime())
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func fatalf(f string, a ...any) {
	fmt.Fprintf(os.Stderr, "cluster: "+f+"\n", a...)
	os.Exit(2)
}
