// Command bench runs every benchmark scenario against every server, one at a
// time (start server, wait for LISTENING, run the load generator, stop), and
// prints a Markdown table of medians with the ratios gosio/peer. The table is
// also written to results/<date>.md (raw runs to results/<date>.json).
//
// Run it from bench/ (bench/run.sh does): it builds the load generator and the
// Go servers into .bin/ and runs `npm ci` in node/ when needed.
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/gosio/gosio/bench/internal/runinfo"
)

var allScenarios = []string{"connect", "fanout", "fanout-rate", "echo", "rooms", "polling"}

var allServers = []string{"gosio", "gosio-any", "node", "zishang", "floor"}

// floorScenarios are the scenarios floor (bench/servers/floor) answers: it
// has no join/room, so rooms cannot run against it.
var floorScenarios = []string{"connect", "fanout", "fanout-rate", "echo", "polling"}

type opts struct {
	quick       bool
	scenarios   []string
	servers     []string
	repeat      int
	duration    time.Duration
	connectN    int
	fanoutN     int
	broadcasts  int
	rate        float64
	echoN       int
	roomsN      int
	rooms       int
	emits       int
	pollingN    int
	settle      time.Duration
	outDir      string
	logDir      string
	noBuild     bool
	verbose     bool
	loadTimeout time.Duration
	profileDir  string
}

// One run's outcome, as stored in results/<date>.json.
type run struct {
	Scenario string             `json:"scenario"`
	Server   string             `json:"server"`
	Repeat   int                `json:"repeat"`
	Metrics  map[string]float64 `json:"metrics"`
	Notes    []string           `json:"notes,omitempty"`
	Error    string             `json:"error,omitempty"`
	Seconds  float64            `json:"seconds"`
}

func main() {
	var o opts
	var scen, srvs string
	flag.BoolVar(&o.quick, "quick", false, "smoke run (~1-2 minutes): fewer clients, shorter durations, 1 repeat")
	flag.StringVar(&scen, "scenarios", strings.Join(allScenarios, ","), "comma-separated scenarios")
	flag.StringVar(&srvs, "servers", "gosio,node,zishang,floor", "comma-separated servers: "+strings.Join(allServers, ", "))
	flag.IntVar(&o.repeat, "repeat", 0, "runs of each scenario×server; the table shows medians (default 2, 1 with -quick)")
	flag.DurationVar(&o.duration, "duration", 0, "measured duration of echo, polling and fanout-rate (default 10s, 2s with -quick)")
	flag.IntVar(&o.connectN, "connect-clients", 0, "connect: connections (default 5000, 500 with -quick)")
	flag.IntVar(&o.fanoutN, "fanout-clients", 0, "fanout, fanout-rate: clients (default 1000, 200 with -quick)")
	flag.IntVar(&o.broadcasts, "broadcasts", 0, "fanout: broadcasts (default 2000, 1000 with -quick)")
	flag.Float64Var(&o.rate, "rate", 20, "fanout-rate: broadcasts per second")
	flag.IntVar(&o.echoN, "echo-clients", 0, "echo: clients (default 100)")
	flag.IntVar(&o.roomsN, "rooms-clients", 0, "rooms: clients (default 1000, 200 with -quick)")
	flag.IntVar(&o.rooms, "rooms", 100, "rooms: number of rooms")
	flag.IntVar(&o.emits, "emits", 0, "rooms: room-targeted emits (default 50000, 10000 with -quick)")
	flag.IntVar(&o.pollingN, "polling-clients", 0, "polling: clients (default 50, 20 with -quick)")
	flag.DurationVar(&o.settle, "settle", 0, "idle time before measuring (default 2s, 500ms with -quick)")
	flag.StringVar(&o.outDir, "out", "results", "directory for <date>.md and <date>.json ('' to write nothing)")
	flag.StringVar(&o.logDir, "logs", "", "directory for server and load generator logs (default: a new temporary directory)")
	flag.BoolVar(&o.noBuild, "no-build", false, "do not build .bin/ nor run npm ci")
	flag.BoolVar(&o.verbose, "v", false, "copy the load generator's stderr to stderr")
	flag.DurationVar(&o.loadTimeout, "load-timeout", 0, "hard limit for one load generator run (default 4m, 1m with -quick)")
	flag.StringVar(&o.profileDir, "cpuprofile", "", "directory: write a CPU profile of each gosio server run there (<scenario>-<server>-<run>.prof)")
	flag.Parse()
	o.scenarios = splitList(scen)
	o.servers = splitList(srvs)
	o.defaults()
	for _, s := range o.scenarios {
		if !contains(allScenarios, s) {
			fatalf("unknown scenario %q (have %s)", s, strings.Join(allScenarios, ", "))
		}
	}
	for _, s := range o.servers {
		if _, ok := serverCmd(s, 0); !ok {
			fatalf("unknown server %q (have %s)", s, strings.Join(allServers, ", "))
		}
	}
	if _, err := os.Stat("cmd/load"); err != nil {
		fatalf("run from the bench/ directory (bench/run.sh does)")
	}

	// Stop children on ^C; Pdeathsig and -watch-stdin cover a harder death.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	if !o.noBuild {
		build(ctx, o)
	}
	var err error
	if o.logDir, err = runinfo.LogDir(o.logDir, "gosio-bench-logs-"); err != nil {
		fatalf("%v", err)
	}

	started := time.Now()
	machine := runinfo.Machine()
	loadStart := runinfo.LoadAvg()
	fmt.Fprintf(os.Stderr, "bench: %d scenario(s) × %d server(s) × %d repeat(s); logs in %s\n",
		len(o.scenarios), len(o.servers), o.repeat, o.logDir)

	var runs []run
	for rep := 0; rep < o.repeat; rep++ {
		for _, sc := range o.scenarios {
			// Rotate the server order on each repeat so drift on a shared
			// machine does not always favour the same server.
			for k := range o.servers {
				srv := o.servers[(k+rep)%len(o.servers)]
				if ctx.Err() != nil {
					fatalf("interrupted")
				}
				if !supports(srv, sc) {
					fmt.Fprintf(os.Stderr, "bench: [%d/%d] %-11s %-9s skipped (not implemented by this server)\n", rep+1, o.repeat, sc, srv)
					continue
				}
				r := runOne(ctx, o, sc, srv, rep)
				runs = append(runs, r)
				status := "ok"
				if r.Error != "" {
					status = "FAILED: " + r.Error
				}
				fmt.Fprintf(os.Stderr, "bench: [%d/%d] %-11s %-9s %5.1fs %s %s\n", rep+1, o.repeat, sc, srv,
					r.Seconds, headline(sc, r.Metrics), status)
				time.Sleep(500 * time.Millisecond)
			}
		}
	}

	md := report(o, runs, machine, loadStart, runinfo.LoadAvg(), started)
	fmt.Println(md)
	if o.outDir != "" {
		if err := os.MkdirAll(o.outDir, 0o755); err != nil {
			fatalf("%v", err)
		}
		stamp := started.Format("2006-01-02T150405")
		mdPath := filepath.Join(o.outDir, stamp+".md")
		jsonPath := filepath.Join(o.outDir, stamp+".json")
		_ = os.WriteFile(mdPath, []byte(md), 0o644)
		raw, _ := json.MarshalIndent(map[string]any{"machine": machine, "args": os.Args[1:], "runs": runs}, "", "  ")
		_ = os.WriteFile(jsonPath, raw, 0o644)
		fmt.Fprintf(os.Stderr, "bench: wrote %s and %s\n", mdPath, jsonPath)
	}
	for _, r := range runs {
		if r.Error != "" {
			os.Exit(1)
		}
	}
}

func (o *opts) defaults() {
	def := func(p *int, full, quick int) {
		if *p <= 0 {
			if o.quick {
				*p = quick
			} else {
				*p = full
			}
		}
	}
	def(&o.repeat, 2, 1)
	def(&o.connectN, 5000, 500)
	def(&o.fanoutN, 1000, 200)
	def(&o.broadcasts, 2000, 1000)
	def(&o.echoN, 100, 100)
	def(&o.roomsN, 1000, 200)
	def(&o.emits, 50000, 10000)
	def(&o.pollingN, 50, 20)
	dur := func(p *time.Duration, full, quick time.Duration) {
		if *p <= 0 {
			if o.quick {
				*p = quick
			} else {
				*p = full
			}
		}
	}
	dur(&o.duration, 10*time.Second, 2*time.Second)
	dur(&o.settle, 2*time.Second, 500*time.Millisecond)
	dur(&o.loadTimeout, 4*time.Minute, time.Minute)
	if o.quick && o.rooms > o.roomsN/10 {
		o.rooms = max(1, o.roomsN/10)
	}
}

func (o opts) loadArgs(sc string) []string {
	a := []string{"-scenario", sc, "-settle", o.settle.String(), "-timeout", o.loadTimeout.String()}
	switch sc {
	case "connect":
		a = append(a, "-clients", strconv.Itoa(o.connectN))
	case "fanout":
		a = append(a, "-clients", strconv.Itoa(o.fanoutN), "-broadcasts", strconv.Itoa(o.broadcasts))
	case "fanout-rate":
		a = append(a, "-clients", strconv.Itoa(o.fanoutN), "-rate", fmt.Sprint(o.rate), "-duration", o.duration.String())
	case "echo":
		a = append(a, "-clients", strconv.Itoa(o.echoN), "-duration", o.duration.String())
	case "rooms":
		a = append(a, "-clients", strconv.Itoa(o.roomsN), "-rooms", strconv.Itoa(o.rooms), "-emits", strconv.Itoa(o.emits))
	case "polling":
		a = append(a, "-clients", strconv.Itoa(o.pollingN), "-duration", o.duration.String())
	}
	return a
}

// serverCmd is the command line of a server; maxLife bounds its lifetime.
func serverCmd(name string, maxLife time.Duration) ([]string, bool) {
	common := []string{"-addr", "127.0.0.1:0", "-watch-stdin", "-max-lifetime", fmt.Sprintf("%ds", int(maxLife.Seconds()))}
	switch name {
	case "gosio":
		return append([]string{".bin/gosio", "-args", "raw"}, common...), true
	case "gosio-any":
		return append([]string{".bin/gosio", "-args", "any"}, common...), true
	case "zishang":
		return append([]string{".bin/zishang"}, common...), true
	case "node":
		return append([]string{"node", "node/server.js"}, common...), true
	case "floor":
		return append([]string{".bin/floor"}, common...), true
	}
	return nil, false
}

// supports reports whether server srv implements scenario sc; the others are
// not run and show — in the table.
func supports(srv, sc string) bool {
	return srv != "floor" || contains(floorScenarios, sc)
}

func build(ctx context.Context, o opts) {
	fmt.Fprintln(os.Stderr, "bench: building .bin/ (load, gosio, zishang, floor)")
	cmd := exec.CommandContext(ctx, "go", "build", "-o", ".bin/", "./cmd/load", "./servers/gosio", "./servers/zishang", "./servers/floor")
	cmd.Env = append(os.Environ(), "GOWORK=off")
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		fatalf("build: %v", err)
	}
	if contains(o.servers, "node") {
		if _, err := os.Stat("node/node_modules/socket.io/package.json"); err != nil || newer("node/package-lock.json", "node/node_modules/.package-lock.json") {
			fmt.Fprintln(os.Stderr, "bench: npm ci in node/")
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

// child settings: killed if the orchestrator dies.
func childAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}

func runOne(ctx context.Context, o opts, sc, srv string, rep int) run {
	t0 := time.Now()
	r := run{Scenario: sc, Server: srv, Repeat: rep + 1}
	base := filepath.Join(o.logDir, fmt.Sprintf("%s-%s-%d", sc, srv, rep+1))
	fail := func(f string, a ...any) run {
		r.Error = fmt.Sprintf(f, a...)
		r.Seconds = time.Since(t0).Seconds()
		return r
	}

	argv, _ := serverCmd(srv, o.loadTimeout+2*time.Minute)
	if o.profileDir != "" && strings.HasPrefix(srv, "gosio") {
		if err := os.MkdirAll(o.profileDir, 0o755); err != nil {
			return fail("%v", err)
		}
		argv = append(argv, "-cpuprofile", filepath.Join(o.profileDir, fmt.Sprintf("%s-%s-%d.prof", sc, srv, rep+1)))
	}
	srvLog, err := os.Create(base + ".server.log")
	if err != nil {
		return fail("%v", err)
	}
	defer srvLog.Close()
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.SysProcAttr = childAttr()
	cmd.Stderr = srvLog
	stdin, _ := cmd.StdinPipe() // closed on stop: the server exits by itself
	stdout, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		return fail("start %s: %v", srv, err)
	}
	exited := make(chan struct{})
	var waitErr error
	portc := make(chan int, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			line := sc.Text()
			fmt.Fprintln(srvLog, line)
			if p, ok := strings.CutPrefix(line, "LISTENING "); ok {
				if n, err := strconv.Atoi(strings.TrimSpace(p)); err == nil {
					select {
					case portc <- n:
					default:
					}
				}
			}
		}
		_, _ = io.Copy(io.Discard, stdout)
	}()
	go func() { waitErr = cmd.Wait(); close(exited) }()
	stopServer := func() {
		_ = stdin.Close()
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(5 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
		}
	}
	defer stopServer()

	var port int
	select {
	case port = <-portc:
	case <-exited:
		return fail("server %s exited before LISTENING: %v (see %s.server.log)", srv, waitErr, base)
	case <-time.After(30 * time.Second):
		return fail("server %s: no LISTENING line in 30s", srv)
	case <-ctx.Done():
		return fail("interrupted")
	}

	lctx, cancel := context.WithTimeout(ctx, o.loadTimeout+20*time.Second)
	defer cancel()
	args := append([]string{"-url", fmt.Sprintf("http://127.0.0.1:%d/socket.io/", port), "-pid", strconv.Itoa(cmd.Process.Pid)}, o.loadArgs(sc)...)
	load := exec.CommandContext(lctx, ".bin/load", args...)
	load.SysProcAttr = childAttr()
	loadLog, err := os.Create(base + ".load.log")
	if err != nil {
		return fail("%v", err)
	}
	defer loadLog.Close()
	if o.verbose {
		load.Stderr = io.MultiWriter(loadLog, os.Stderr)
	} else {
		load.Stderr = loadLog
	}
	out, lerr := load.Output()
	fmt.Fprintf(loadLog, "\n--- stdout ---\n%s", out)
	var res struct {
		Metrics map[string]float64 `json:"metrics"`
		Notes   []string           `json:"notes"`
		Error   string             `json:"error"`
	}
	found := false
	for _, line := range strings.Split(string(out), "\n") {
		if j, ok := strings.CutPrefix(line, "RESULT "); ok {
			if json.Unmarshal([]byte(j), &res) == nil {
				found = true
			}
		}
	}
	r.Metrics, r.Notes, r.Error = res.Metrics, res.Notes, res.Error
	select {
	case <-exited:
		if r.Error == "" {
			r.Error = fmt.Sprintf("server exited during the run: %v", waitErr)
		}
	default:
	}
	if !found && r.Error == "" {
		r.Error = fmt.Sprintf("load generator: %v, no RESULT line (see %s.load.log)", lerr, base)
	} else if lerr != nil && r.Error == "" {
		r.Error = fmt.Sprintf("load generator: %v", lerr)
	}
	r.Seconds = time.Since(t0).Seconds()
	return r
}

// ------------------------------------------------------------------ report

type metricRow struct {
	scenario, key, label string
	higherBetter         bool
	decimals             int
}

var rows = []metricRow{
	{"connect", "conns_per_s", "connections/s ↑", true, 0},
	{"connect", "rss_kib_per_conn", "server RSS KiB/conn ↓", false, 1},
	{"connect", "cpu_us_per_conn", "server CPU µs/conn ↓", false, 0},
	{"connect", "connect_p99_ms", "connect p99 ms ↓", false, 1},
	{"fanout", "msgs_per_s", "delivered msg/s ↑", true, 0},
	{"fanout", "cpu_us_per_msg", "server CPU µs/msg ↓", false, 2},
	{"fanout", "p50_ms", "latency p50 ms ↓", false, 1},
	{"fanout", "p99_ms", "latency p99 ms ↓", false, 1},
	{"fanout", "lost", "lost (must be 0)", false, 0},
	{"fanout", "hwm_mib", "server peak RSS MiB ↓", false, 1},
	{"fanout-rate", "p50_ms", "latency p50 ms ↓", false, 2},
	{"fanout-rate", "p99_ms", "latency p99 ms ↓", false, 2},
	{"fanout-rate", "cpu_us_per_msg", "server CPU µs/msg ↓", false, 2},
	{"fanout-rate", "lost", "lost (must be 0)", false, 0},
	{"fanout-rate", "hwm_mib", "server peak RSS MiB ↓", false, 1},
	{"echo", "acks_per_s", "acks/s ↑", true, 0},
	{"echo", "cpu_us_per_ack", "server CPU µs/ack ↓", false, 2},
	{"echo", "p50_ms", "latency p50 ms ↓", false, 2},
	{"echo", "p99_ms", "latency p99 ms ↓", false, 2},
	{"echo", "hwm_mib", "server peak RSS MiB ↓", false, 1},
	{"rooms", "msgs_per_s", "delivered msg/s ↑", true, 0},
	{"rooms", "cpu_us_per_msg", "server CPU µs/msg ↓", false, 2},
	{"rooms", "lost", "lost (must be 0)", false, 0},
	{"rooms", "hwm_mib", "server peak RSS MiB ↓", false, 1},
	{"polling", "acks_per_s", "acks/s ↑", true, 0},
	{"polling", "cpu_us_per_ack", "server CPU µs/ack ↓", false, 1},
	{"polling", "p50_ms", "latency p50 ms ↓", false, 2},
	{"polling", "p99_ms", "latency p99 ms ↓", false, 2},
	{"polling", "hwm_mib", "server peak RSS MiB ↓", false, 1},
}

func headline(sc string, m map[string]float64) string {
	get := func(k string) float64 { return m[k] }
	switch sc {
	case "connect":
		return fmt.Sprintf("%.0f conn/s, %.1f KiB/conn, %.0f µs CPU/conn", get("conns_per_s"), get("rss_kib_per_conn"), get("cpu_us_per_conn"))
	case "fanout", "rooms":
		return fmt.Sprintf("%.0f msg/s, %.2f µs CPU/msg, p99 %.1f ms, lost %.0f", get("msgs_per_s"), get("cpu_us_per_msg"), get("p99_ms"), get("lost"))
	case "fanout-rate":
		return fmt.Sprintf("p50 %.2f ms, p99 %.2f ms, %.2f µs CPU/msg, lost %.0f", get("p50_ms"), get("p99_ms"), get("cpu_us_per_msg"), get("lost"))
	default:
		return fmt.Sprintf("%.0f acks/s, %.2f µs CPU/ack, p99 %.2f ms", get("acks_per_s"), get("cpu_us_per_ack"), get("p99_ms"))
	}
}

func report(o opts, runs []run, machine map[string]string, load0, load1 string, started time.Time) string {
	// medians over successful runs
	type key struct{ sc, srv, m string }
	vals := map[key][]float64{}
	okRuns := map[[2]string]int{}
	for _, r := range runs {
		if r.Error != "" {
			continue
		}
		okRuns[[2]string{r.Scenario, r.Server}]++
		for k, v := range r.Metrics {
			vals[key{r.Scenario, r.Server, k}] = append(vals[key{r.Scenario, r.Server, k}], v)
		}
	}
	var b strings.Builder
	mode := "full"
	if o.quick {
		mode = "quick (smoke)"
	}
	fmt.Fprintf(&b, "## gosio benchmark — %s\n\n", started.Format("2006-01-02 15:04 MST"))
	fmt.Fprintf(&b, "Mode: %s; median of %d run(s) per cell; command: `bench/run.sh %s`\n\n", mode, o.repeat, strings.Join(os.Args[1:], " "))
	fmt.Fprintf(&b, "Machine: %s; load average at start %s, at end %s.\n\n", machineLine(machine), load0, load1)
	fmt.Fprintf(&b, "Parameters: connect %d conns; fanout %d clients × %d broadcasts (window %d); fanout-rate %d clients at %g/s for %s; echo %d clients for %s; rooms %d clients in %d rooms, %d emits; polling %d clients for %s.\n\n",
		o.connectN, o.fanoutN, o.broadcasts, 20, o.fanoutN, o.rate, o.duration, o.echoN, o.duration, o.roomsN, o.rooms, o.emits, o.pollingN, o.duration)

	peers := []string{}
	hasGosio := contains(o.servers, "gosio")
	for _, s := range o.servers {
		if s != "gosio" {
			peers = append(peers, s)
		}
	}
	b.WriteString("| scenario | metric |")
	for _, s := range o.servers {
		fmt.Fprintf(&b, " %s |", s)
	}
	if hasGosio {
		for _, p := range peers {
			fmt.Fprintf(&b, " gosio/%s |", p)
		}
	}
	b.WriteString("\n|---|---|")
	for range o.servers {
		b.WriteString("--:|")
	}
	if hasGosio {
		for range peers {
			b.WriteString("--:|")
		}
	}
	b.WriteString("\n")
	for _, row := range rows {
		if !contains(o.scenarios, row.scenario) {
			continue
		}
		fmt.Fprintf(&b, "| %s | %s |", row.scenario, row.label)
		med := map[string]float64{}
		for _, s := range o.servers {
			if !supports(s, row.scenario) {
				b.WriteString(" — |")
				continue
			}
			v := vals[key{row.scenario, s, row.key}]
			if len(v) == 0 {
				b.WriteString(" FAIL |")
				continue
			}
			med[s] = runinfo.Median(append([]float64(nil), v...))
			fmt.Fprintf(&b, " %s |", runinfo.FmtNum(med[s], row.decimals))
		}
		if hasGosio {
			for _, p := range peers {
				g, ok1 := med["gosio"]
				v, ok2 := med[p]
				if !ok1 || !ok2 || v == 0 || row.key == "lost" {
					b.WriteString(" — |")
					continue
				}
				fmt.Fprintf(&b, " %.2f× |", g/v)
			}
		}
		b.WriteString("\n")
	}
	b.WriteString("\n↑ higher is better, ↓ lower is better. Ratios are gosio ÷ peer: above 1 is better for ↑ rows, below 1 is better for ↓ rows. ")
	b.WriteString("Server CPU is utime+stime of the server process over the measured phase (10 ms tick resolution) divided by the work done. ")
	b.WriteString("In the flood scenarios (fanout, rooms) latency is dominated by the in-flight window; fanout-rate gives the unloaded latency.\n")
	if contains(o.servers, "floor") {
		b.WriteString("\nfloor is not a Socket.IO server but hand-written replies with one goroutine per WebSocket and one write per message (bench/servers/floor, no rooms: —). ")
		b.WriteString("In echo, polling and fanout-rate, where every message is written on its own, its CPU per unit of work is what the kernel and a minimal Go loop cost on this machine, a lower bound for any server; gosio/floor there reads as how far above it gosio is. ")
		b.WriteString("It does not batch (fanout) nor save memory (connect): those rows only show what gosio's design adds.\n")
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
			fmt.Fprintf(&b, "- %s / %s / run %d: %s\n", r.Scenario, r.Server, r.Repeat, r.Error)
		}
	}
	total := time.Since(started).Round(time.Second)
	fmt.Fprintf(&b, "\nTotal wall time %s.\n", total)
	return b.String()
}

func machineLine(m map[string]string) string {
	return fmt.Sprintf("%s cores (%s), %s RAM, Linux %s, %s, Node %s, socket.io %s, zishang520/socket.io v3.0.6",
		m["cores"], m["cpu"], m["mem"], m["kernel"], m["go"], m["node"], m["socket.io"])
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

func contains(l []string, s string) bool {
	for _, x := range l {
		if x == s {
			return true
		}
	}
	return false
}

func fatalf(f string, a ...any) {
	fmt.Fprintf(os.Stderr, "bench: "+f+"\n", a...)
	os.Exit(2)
}
