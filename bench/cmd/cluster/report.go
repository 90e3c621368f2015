package main

import (
	"fmt"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/gosio/gosio/bench/internal/runinfo"
)

type metricRow struct {
	key, label string
	decimals   int
}

var rows = []metricRow{
	{"cpu_us_per_msg", "server CPU µs per delivered message, both servers ↓", 2},
	{"usr_us_per_msg", "of which in user space (utime) ↓", 2},
	{"sys_us_per_msg", "of which in the kernel (stime) ↓", 2},
	{"p50_ms", "latency p50 ms ↓", 2},
	{"p99_ms", "latency p99 ms ↓", 2},
	{"p99_b_ms", "latency p99 ms, clients of server B (through the store) ↓", 2},
	{"lost", "lost (must be 0)", 0},
	{"hwm_mib", "peak RSS MiB, both servers ↓", 1},
}

// goal is the target: gosio's cluster fan-out CPU per delivered
// message at most a quarter of Node's.
const goal = 0.25

// summary is the medians over the successful runs, by adapter, runtime
// and metric, and the ratios of ratioPairs ("gosio/node", ...) by adapter
// and metric; written to the JSON beside the runs.
type summary struct {
	Medians map[string]map[string]map[string]float64 `json:"medians"`
	Ratios  map[string]map[string]map[string]float64 `json:"ratios"`
}

func summarize(runs []run, goAdapters []string) summary {
	vals := map[[3]string][]float64{} // adapter, runtime, metric
	for _, r := range runs {
		if r.Error != "" {
			continue
		}
		for k, v := range r.Metrics {
			key := [3]string{r.Adapter, r.Runtime, k}
			vals[key] = append(vals[key], v)
		}
	}
	s := summary{Medians: map[string]map[string]map[string]float64{}, Ratios: map[string]map[string]map[string]float64{}}
	for key, v := range vals {
		ad, rt, m := key[0], key[1], key[2]
		if s.Medians[ad] == nil {
			s.Medians[ad] = map[string]map[string]float64{}
		}
		if s.Medians[ad][rt] == nil {
			s.Medians[ad][rt] = map[string]float64{}
		}
		s.Medians[ad][rt][m] = runinfo.Median(slices.Clone(v))
	}
	for ad, byRT := range s.Medians {
		for _, pair := range ratioPairs {
			num, den := byRT[pair[0]], byRT[pair[1]]
			if num == nil || den == nil || !supports(pair[0], ad, goAdapters) || !supports(pair[1], ad, goAdapters) {
				continue
			}
			name := pair[0] + "/" + pair[1]
			for _, row := range rows {
				n, ok1 := num[row.key]
				d, ok2 := den[row.key]
				if !ok1 || !ok2 || d == 0 || row.key == "lost" {
					continue
				}
				if s.Ratios[ad] == nil {
					s.Ratios[ad] = map[string]map[string]float64{}
				}
				if s.Ratios[ad][name] == nil {
					s.Ratios[ad][name] = map[string]float64{}
				}
				s.Ratios[ad][name][row.key] = n / d
			}
		}
	}
	return s
}

func report(o opts, runs []run, goAdapters []string, machine map[string]string, load0, load1 string, started time.Time) string {
	sum := summarize(runs, goAdapters)
	var pairs [][2]string
	for _, p := range ratioPairs {
		if slices.Contains(o.runtimes, p[0]) && slices.Contains(o.runtimes, p[1]) {
			pairs = append(pairs, p)
		}
	}

	var b strings.Builder
	fmt.Fprintf(&b, "## gosio cluster benchmark — %s\n\n", started.UTC().Format("2006-01-02 15:04 MST"))
	fmt.Fprintf(&b, "Median of %d run(s) per cell; command: `bench/cluster.sh %s`\n\n", o.repeat, strings.Join(os.Args[1:], " "))
	fmt.Fprintf(&b, "Machine: %s cores (%s), %s RAM, Linux %s, %s, Node %s; load average at start %s, at end %s.\n\n",
		machine["cores"], machine["cpu"], machine["mem"], machine["kernel"], machine["go"], machine["node"], load0, load1)
	fmt.Fprintf(&b, "Node packages: socket.io %s, @socket.io/redis-adapter %s, @socket.io/redis-streams-adapter %s, @socket.io/postgres-adapter %s, redis %s, pg %s.\n\n",
		pkg("socket.io"), pkg("@socket.io/redis-adapter"), pkg("@socket.io/redis-streams-adapter"), pkg("@socket.io/postgres-adapter"), pkg("redis"), pkg("pg"))
	fmt.Fprintf(&b, "Parameters: two servers of one runtime on one store, %d clients (%d on each), one client of server A emits `bcast` (~%d bytes) at %g/s for %s; each server emits it to its own clients, server B through the adapter.\n\n",
		o.clients, o.clients/2, o.payload, o.rate, o.duration)

	b.WriteString("| adapter | metric |")
	for _, rt := range o.runtimes {
		fmt.Fprintf(&b, " %s+%s |", rt, rt)
	}
	for _, p := range pairs {
		fmt.Fprintf(&b, " %s/%s |", title(p[0]), title(p[1]))
	}
	b.WriteString("\n|---|---|")
	for range len(o.runtimes) + len(pairs) {
		b.WriteString("--:|")
	}
	b.WriteString("\n")
	for _, ad := range o.adapters {
		for _, row := range rows {
			fmt.Fprintf(&b, "| %s | %s |", ad, row.label)
			for _, rt := range o.runtimes {
				v, ok := sum.Medians[ad][rt][row.key]
				switch {
				case !supports(rt, ad, goAdapters):
					b.WriteString(" — |")
				case !ok:
					b.WriteString(" FAIL |")
				default:
					fmt.Fprintf(&b, " %s |", runinfo.FmtNum(v, row.decimals))
				}
			}
			for _, p := range pairs {
				if v, ok := sum.Ratios[ad][p[0]+"/"+p[1]][row.key]; ok {
					fmt.Fprintf(&b, " %.2f× |", v)
				} else {
					b.WriteString(" — |")
				}
			}
			b.WriteString("\n")
		}
	}
	b.WriteString("\n↓ lower is better. Server CPU is utime+stime of both server processes over the measured phase (/proc, 10 ms ticks), summed, divided by the messages the clients received. ")
	b.WriteString("Latency runs from the emit (a timestamp in the payload) to the receipt at the client, on one clock (the load generator's). ")
	b.WriteString("The store's own CPU (Redis, PostgreSQL) is not counted: both runtimes use the same store the same way.\n")
	if slices.Contains(o.runtimes, "floor") {
		b.WriteString("\nfloor (servers/floor -redis) is not a Socket.IO server: it publishes each broadcast once on Redis and writes it to each client with one write of its own, on both servers: the least a server spends here when each delivery is a write of its own, as at this rate in every runtime.\n")
	}
	var verdicts, floors []string
	for _, ad := range o.adapters {
		if v, ok := sum.Ratios[ad]["gosio/node"]["cpu_us_per_msg"]; ok {
			met := "met"
			if v > goal {
				met = "not met"
			}
			verdicts = append(verdicts, fmt.Sprintf("%s %.2f× (%s)", ad, v, met))
		}
		if v, ok := sum.Ratios[ad]["floor/node"]["cpu_us_per_msg"]; ok {
			floors = append(floors, fmt.Sprintf("%s %.2f×", ad, v))
		}
	}
	if len(verdicts) > 0 {
		fmt.Fprintf(&b, "\nGoal, gosio's CPU per delivered message at most %.2f× Node's: %s.\n", goal, strings.Join(verdicts, "; "))
	}
	if len(floors) > 0 {
		fmt.Fprintf(&b, "\nThe floor's CPU per delivered message against Node's: %s.\n", strings.Join(floors, "; "))
	}
	var missing []string
	for _, ad := range o.adapters {
		if slices.Contains(o.runtimes, "gosio") && !supports("gosio", ad, goAdapters) {
			missing = append(missing, ad)
		}
	}
	if len(missing) > 0 {
		fmt.Fprintf(&b, "\n— : no gosio adapter registered for %s in this build (servers/gosio-cluster).\n", strings.Join(missing, ", "))
	}
	for _, ad := range o.adapters {
		if slices.Contains(o.runtimes, "floor") && !supports("floor", ad, goAdapters) {
			fmt.Fprintf(&b, "\n— for floor: it stands in for %s only.\n", strings.Join(floorAdapters, ", "))
			break
		}
	}
	var failed []run
	for _, r := range runs {
		if r.Error != "" {
			failed = append(failed, r)
		}
	}
	if len(failed) > 0 {
		b.WriteString("\n### Failed runs (excluded from the medians)\n\n")
		for _, r := range failed {
			fmt.Fprintf(&b, "- %s / %s / run %d: %s\n", r.Adapter, r.Runtime, r.Repeat, r.Error)
		}
	}
	fmt.Fprintf(&b, "\nTotal wall time %s.\n", time.Since(started).Round(time.Second))
	return b.String()
}

func pkg(name string) string {
	if v := runinfo.NodePackage(name); v != "" {
		return v
	}
	return "?"
}
