// Command load is the gosio benchmark load generator. It speaks Engine.IO 4 /
// Socket.IO 5 directly (WebSocket or long-polling), runs one scenario against
// one server on the loopback interface, measures the server process's CPU time
// and memory from /proc, and prints one line "RESULT <json>" on stdout.
//
// Every scenario is bounded in count and time: -timeout ends the process
// whatever happens.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net/url"
	"os"
	"strings"
	"syscall"
	"time"

	"github.com/gosio/gosio/bench/internal/procstat"
)

type config struct {
	URL        string
	PID        int
	URL2       string // cluster: the second server; odd-numbered clients connect there
	PID2       int    // cluster: the second server's process id
	Scenario   string
	Clients    int
	Duration   time.Duration
	Broadcasts int
	Rate       float64
	Window     int
	Rooms      int
	Senders    int
	Emits      int
	Payload    int
	DialConc   int
	SrcAddrs   int
	Settle     time.Duration
	Stall      time.Duration
	Timeout    time.Duration
}

// result is what the load generator reports, as JSON.
type result struct {
	Scenario string             `json:"scenario"`
	Metrics  map[string]float64 `json:"metrics"`
	Notes    []string           `json:"notes,omitempty"`
	Error    string             `json:"error,omitempty"`
}

var mono = time.Now() // the shared monotonic clock origin for timestamps

func sinceUS() int64 { return int64(time.Since(mono) / time.Microsecond) }

func main() {
	var c config
	flag.StringVar(&c.URL, "url", "http://127.0.0.1:3000/socket.io/", "server URL (path included)")
	flag.IntVar(&c.PID, "pid", 0, "server process id, for CPU time and RSS from /proc (0: not measured)")
	flag.StringVar(&c.URL2, "url2", "", "cluster: the second server's URL (half of the clients connect there)")
	flag.IntVar(&c.PID2, "pid2", 0, "cluster: the second server's process id; its CPU time is added to the first's")
	flag.StringVar(&c.Scenario, "scenario", "echo", "connect | fanout | fanout-rate | echo | rooms | polling | cluster")
	flag.IntVar(&c.Clients, "clients", 0, "number of clients (0: the scenario's default)")
	flag.DurationVar(&c.Duration, "duration", 10*time.Second, "echo/polling/fanout-rate/cluster: measured duration")
	flag.IntVar(&c.Broadcasts, "broadcasts", 2000, "fanout: number of broadcasts")
	flag.Float64Var(&c.Rate, "rate", 20, "fanout-rate, cluster: broadcasts per second")
	flag.IntVar(&c.Window, "window", 20, "fanout/rooms: at most this many clients' worth of messages (window*clients) undelivered at once")
	flag.IntVar(&c.Rooms, "rooms", 100, "rooms: number of rooms")
	flag.IntVar(&c.Senders, "senders", 10, "rooms: number of sending clients")
	flag.IntVar(&c.Emits, "emits", 20000, "rooms: number of room-targeted emits")
	flag.IntVar(&c.Payload, "payload", 100, "approximate size in bytes of each event packet")
	flag.IntVar(&c.DialConc, "dial-concurrency", 100, "connections being set up at once")
	flag.IntVar(&c.SrcAddrs, "src-addrs", 16, "number of 127.0.0.x source addresses to rotate over (0: kernel's choice)")
	flag.DurationVar(&c.Settle, "settle", 2*time.Second, "idle time before an RSS reading / before measuring")
	flag.DurationVar(&c.Stall, "stall", 10*time.Second, "give up waiting for messages after this long without progress")
	flag.DurationVar(&c.Timeout, "timeout", 5*time.Minute, "hard limit for the whole run")
	flag.Parse()

	defaults := map[string]int{"connect": 5000, "fanout": 1000, "fanout-rate": 1000, "echo": 100, "rooms": 1000, "polling": 50, "cluster": 1000}
	if c.Clients <= 0 {
		c.Clients = defaults[c.Scenario]
	}
	// Hard stop: whatever hangs, the process ends.
	go func() {
		time.Sleep(c.Timeout + 10*time.Second)
		fmt.Fprintln(os.Stderr, "load: hard timeout, exiting")
		os.Exit(3)
	}()
	ctx, cancel := context.WithTimeout(context.Background(), c.Timeout)
	defer cancel()

	r := &runner{cfg: c, src: newSrcAddrs(c.SrcAddrs), res: &result{Scenario: c.Scenario, Metrics: map[string]float64{}}}
	u, err := url.Parse(c.URL)
	if err != nil || u.Host == "" {
		fmt.Fprintln(os.Stderr, "bad -url")
		os.Exit(2)
	}
	r.httpURL = u.String()
	u.Scheme = strings.Replace(u.Scheme, "http", "ws", 1)
	r.wsURL = u.String()
	if c.URL2 != "" {
		u2, err := url.Parse(c.URL2)
		if err != nil || u2.Host == "" {
			fmt.Fprintln(os.Stderr, "bad -url2")
			os.Exit(2)
		}
		u2.Scheme = strings.Replace(u2.Scheme, "http", "ws", 1)
		r.wsURL2 = u2.String()
	}

	var runErr error
	switch c.Scenario {
	case "connect":
		runErr = r.connect(ctx)
	case "fanout":
		runErr = r.fanout(ctx, false)
	case "fanout-rate":
		runErr = r.fanout(ctx, true)
	case "echo":
		runErr = r.echo(ctx, false)
	case "polling":
		runErr = r.echo(ctx, true)
	case "rooms":
		runErr = r.rooms(ctx)
	case "cluster":
		runErr = r.cluster(ctx)
	default:
		fmt.Fprintln(os.Stderr, "unknown -scenario", c.Scenario)
		os.Exit(2)
	}
	if runErr != nil {
		r.res.Error = runErr.Error()
	}
	b, _ := json.Marshal(r.res)
	fmt.Printf("RESULT %s\n", b)
	if runErr != nil {
		fmt.Fprintln(os.Stderr, "load:", runErr)
		os.Exit(1)
	}
}

type runner struct {
	cfg            config
	src            *srcAddrs
	wsURL, httpURL string
	wsURL2         string // cluster only
	res            *result
}

// wsURLFor is the WebSocket URL client i connects to: with a second server,
// the clients alternate between the two.
func (r *runner) wsURLFor(i int) string {
	if r.wsURL2 != "" && i%2 == 1 {
		return r.wsURL2
	}
	return r.wsURL
}

func (r *runner) set(k string, v float64) { r.res.Metrics[k] = v }
func (r *runner) note(f string, a ...any) {
	s := fmt.Sprintf(f, a...)
	r.res.Notes = append(r.res.Notes, s)
	fmt.Fprintln(os.Stderr, "load:", s)
}

// window is a measurement interval over the server's /proc counters and the
// load generator's own CPU time.
type window struct {
	srv  procstat.Sample
	srv2 procstat.Sample // the second server's, in the cluster scenario
	self time.Duration
	at   time.Time
}

func selfCPU() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func (r *runner) begin() window {
	s, err := procstat.Read(r.cfg.PID)
	if err != nil {
		r.note("procstat: %v", err)
	}
	w := window{srv: s, self: selfCPU(), at: time.Now()}
	if r.cfg.PID2 > 0 {
		if w.srv2, err = procstat.Read(r.cfg.PID2); err != nil {
			r.note("procstat: %v", err)
		}
	}
	return w
}

// end records the server's CPU per unit of work (µs), the load generator's
// CPU per unit, and the server's RSS and peak RSS at the end. With a second
// server (-pid2) the CPU time and memory are both servers' sums, and each
// server's own CPU time is recorded too (server_a_cpu_s, server_b_cpu_s).
func (r *runner) end(w window, units float64, unit string) {
	s, err := procstat.Read(r.cfg.PID)
	if err != nil {
		r.note("procstat: %v", err)
	}
	self := selfCPU() - w.self
	if units > 0 {
		r.set("client_cpu_us_per_"+unit, float64(self.Microseconds())/units)
	}
	if r.cfg.PID2 > 0 {
		s2, err := procstat.Read(r.cfg.PID2)
		if err != nil {
			r.note("procstat: %v", err)
		}
		if !w.srv2.Valid || !s2.Valid {
			return
		}
		r.set("server_a_cpu_s", (s.CPU - w.srv.CPU).Seconds())
		r.set("server_b_cpu_s", (s2.CPU - w.srv2.CPU).Seconds())
		// Summed below as if one process: the cluster's cost.
		w.srv.CPU += w.srv2.CPU
		w.srv.Sys += w.srv2.Sys
		s.CPU += s2.CPU
		s.Sys += s2.Sys
		s.RSS += s2.RSS
		s.HWM += s2.HWM
	}
	if w.srv.Valid && s.Valid {
		cpu := s.CPU - w.srv.CPU
		r.set("server_cpu_s", cpu.Seconds())
		r.set("server_cpu_util", cpu.Seconds()/time.Since(w.at).Seconds())
		if units > 0 {
			r.set("cpu_us_per_"+unit, float64(cpu.Microseconds())/units)
			sys := s.Sys - w.srv.Sys
			r.set("sys_us_per_"+unit, float64(sys.Microseconds())/units)
			r.set("usr_us_per_"+unit, float64((cpu-sys).Microseconds())/units)
		}
		r.set("rss_mib", float64(s.RSS)/(1<<20))
		r.set("hwm_mib", float64(s.HWM)/(1<<20))
	}
}
