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

func report(o opts, runs []run, goAdapters []string, machine map[string]string, load0, load1 string, started time.Time) string {
	type key struct{ ad, rt, m string }
	vals := map[key][]float64{}
	okRuns := map[[2]string]int{}
	for _, r := range runs {
		if r.Error != "" {
			continue
		}
		okRuns[[2]string{r.Adapter, r.Runtime}]++
		for k, v := range r.Metrics {
			vals[key{r.Adapter, r.Runtime, k}] = append(vals[key{r.Adapter, r.Runtime, k}], v)
		}
	}
	med := func(ad, rt, m string) (float64, bool) {
		v := vals[key{ad, rt, m}]
		if len(v) == 0 {
			return 0, false
		}
		return runinfo.Median(slices.Clone(v)), true
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
	both := slices.Contains(o.runtimes, "gosio") && slices.Contains(o.runtimes, "node")
	if both {
		b.WriteString(" gosio/Node |")
	}
	b.WriteString("\n|---|---|")
	for range o.runtimes {
		b.WriteString("--:|")
	}
	if both {
		b.WriteString("--:|")
	}
	b.WriteString("\n")
	var verdicts []string
	for _, ad := range o.adapters {
		for _, row := range rows {
			fmt.Fprintf(&b, "| %s | %s |", ad, row.label)
			for _, rt := range o.runtimes {
				v, ok := med(ad, rt, row.key)
				switch {
				case rt == "gosio" && !slices.Contains(goAdapters, ad):
					b.WriteString(" — |")
				case !ok:
					b.WriteString(" FAIL |")
				default:
					fmt.Fprintf(&b, " %s |", runinfo.FmtNum(v, row.decimals))
				}
			}
			if both {
				g, ok1 := med(ad, "gosio", row.key)
				n, ok2 := med(ad, "node", row.key)
				if !ok1 || !ok2 || n == 0 || row.key == "lost" {
					b.WriteString(" — |")
				} else {
					fmt.Fprintf(&b, " %.2f× |", g/n)
					if row.key == "cpu_us_per_msg" {
						met := "met"
						if g/n > goal {
							met = "not met"
						}
						verdicts = append(verdicts, fmt.Sprintf("%s %.2f× (%s)", ad, g/n, met))
					}
				}
			}
			b.WriteString("\n")
		}
	}
	b.WriteString("\n↓ lower is better. Server CPU is utime+stime of both server processes over the measured phase (/proc, 10 ms ticks), summed, divided by the messages the clients received. ")
	b.WriteString("Latency runs from the emit (a timestamp in the payload) to the receipt at the client, on one clock (the load generator's). ")
	b.WriteString("The store's own CPU (Redis, PostgreSQL) is not counted: both runtimes use the same store the same way.\n")
	if len(verdicts) > 0 {
		fmt.Fprintf(&b, "\nGoal, gosio's CPU per delivered message at most %.2f× Node's: %s.\n", goal, strings.Join(verdicts, "; "))
	}
	var missing []string
	for _, ad := range o.adapters {
		if slices.Contains(o.runtimes, "gosio") && !slices.Contains(goAdapters, ad) {
			missing = append(missing, ad)
		}
	}
	if len(missing) > 0 {
		fmt.Fprintf(&b, "\n— : no gosio adapter registered for %s in this build (servers/gosio-cluster).\n", strings.Join(missing, ", "))
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
