// Command soak runs thousands of Socket.IO clients against a gosio server
// for a bounded time, with churn, and checks that nothing acknowledged is
// lost and that the server returns to its baseline once they are gone.
//
// Clients mix transports (WebSocket, HTTP long-polling) and protocol
// revisions (Engine.IO 4 / Socket.IO 5 and Engine.IO 3 / Socket.IO 4). Each
// client loops: connect, emit events with acks while receiving the server's
// broadcast stream, wait for its acks, disconnect (cleanly or by dropping
// the connection), pause, reconnect.
//
// Without -addr the server runs in-process on 127.0.0.1:0, so the soak can
// compare its goroutines and heap before and after. The exit status is 1 if
// an acknowledged emit was lost (sent, never acked, while the session stayed
// up), a session broke, an ack or broadcast was wrong, or goroutines or heap
// did not return near their baseline.
//
//	go run ./cmd/soak -duration 10m -clients 2000
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gosio/gosio/engineio"
	"github.com/gosio/gosio/socketio"
)

func main() {
	var (
		duration     = flag.Duration("duration", time.Minute, "how long clients keep connecting (the run ends up to -ack-timeout later)")
		clients      = flag.Int("clients", 2000, "concurrent clients")
		addr         = flag.String("addr", "", "server to soak (http://host:port); empty starts an in-process server on 127.0.0.1:0")
		transports   = flag.String("transports", "websocket,polling", "transports, assigned to clients in turn")
		protocols    = flag.String("protocols", "5,4", "Socket.IO revisions (5: EIO 4, 4: EIO 3), assigned in turn")
		emitInterval = flag.Duration("emit-interval", 500*time.Millisecond, "mean time between a client's emits")
		tickInterval = flag.Duration("broadcast-interval", 100*time.Millisecond, "time between the server's broadcasts (in-process server)")
		minLife      = flag.Duration("min-life", time.Second, "shortest session")
		maxLife      = flag.Duration("max-life", 15*time.Second, "longest session")
		abruptRatio  = flag.Float64("abrupt", 0.2, "share of sessions that end by dropping the connection")
		readHeaderTO = flag.Duration("read-header-timeout", time.Minute, "the in-process server's http.Server.ReadHeaderTimeout; under full CPU saturation a short one cuts starved requests (see docs/ROBUSTNESS.md)")
		ackTimeout   = flag.Duration("ack-timeout", 10*time.Second, "how long a session waits for its acks before counting them lost")
		pingInterval = flag.Duration("ping-interval", 5*time.Second, "server heartbeat interval (in-process server)")
		pingTimeout  = flag.Duration("ping-timeout", 10*time.Second, "server heartbeat timeout (in-process server)")
		idleRelease  = flag.Duration("idle-read-release", 0, "engine IdleReadRelease of the in-process server (0: default; negative: never park)")
		goroutineTol = flag.Int("goroutine-tolerance", 10, "goroutines above baseline still counted as returned")
		seed         = flag.Uint64("seed", 1, "random seed")
	)
	flag.Parse()
	if *maxLife < *minLife {
		*maxLife = *minLife
	}
	os.Exit(run(config{
		duration: *duration, clients: *clients, addr: *addr,
		transports: strings.Split(*transports, ","), protocols: strings.Split(*protocols, ","),
		emitInterval: *emitInterval, tickInterval: *tickInterval, minLife: *minLife, maxLife: *maxLife,
		abruptRatio: *abruptRatio, readHeaderTimeout: *readHeaderTO, ackTimeout: *ackTimeout, pingInterval: *pingInterval, pingTimeout: *pingTimeout, idleRelease: *idleRelease, goroutineTol: *goroutineTol, seed: *seed,
	}))
}

type config struct {
	duration     time.Duration
	clients      int
	addr         string
	transports   []string
	protocols    []string
	emitInterval time.Duration
	tickInterval time.Duration
	minLife      time.Duration
	maxLife      time.Duration
	abruptRatio  float64
	// readHeaderTimeout is the in-process server's ReadHeaderTimeout.
	readHeaderTimeout time.Duration
	ackTimeout        time.Duration
	pingInterval      time.Duration
	pingTimeout       time.Duration
	idleRelease       time.Duration
	goroutineTol      int
	seed              uint64
}

type sample struct {
	goroutines int
	heap       uint64
}

func measure() sample {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return sample{runtime.NumGoroutine(), m.HeapAlloc}
}

func run(cfg config) int {
	for _, t := range cfg.transports {
		if t != "websocket" && t != "polling" {
			fmt.Fprintf(os.Stderr, "soak: unknown transport %q\n", t)
			return 2
		}
	}
	for _, p := range cfg.protocols {
		if p != "5" && p != "4" {
			fmt.Fprintf(os.Stderr, "soak: unknown protocol %q (5 or 4)\n", p)
			return 2
		}
	}
	if limit, err := raiseFileLimit(); err != nil {
		fmt.Fprintln(os.Stderr, "soak: raising the open file limit:", err)
	} else if limit > 0 && limit < uint64(4*cfg.clients+256) {
		fmt.Fprintf(os.Stderr, "soak: warning: open file limit %d may be too low for %d clients\n", limit, cfg.clients)
	}

	st := &stats{}
	base := cfg.addr
	inProcess := base == ""
	var (
		srv       *socketio.Server
		httpSrv   *http.Server
		ticksSent atomic.Int64
		stopTicks = make(chan struct{})
		ticksDone = make(chan struct{})
	)
	if inProcess {
		srv = socketio.NewServer(&socketio.Options{Engine: engineio.Options{
			AllowEIO3: true, PingInterval: cfg.pingInterval, PingTimeout: cfg.pingTimeout,
			IdleReadRelease: cfg.idleRelease,
		}})
		srv.OnConnection(func(s *socketio.Socket) {
			s.On("msg", func(n int64, ack socketio.Ack) {
				st.serverEvents.Add(1)
				_ = ack(n)
			})
			s.On("disconnect", func(socketio.DisconnectReason) { st.serverDisconn.Add(1) })
		})
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			fmt.Fprintln(os.Stderr, "soak: listen:", err)
			return 2
		}
		base = "http://" + ln.Addr().String()
		mux := http.NewServeMux()
		mux.Handle("/socket.io/", srv)
		httpSrv = &http.Server{Handler: mux, ReadHeaderTimeout: cfg.readHeaderTimeout}
		go func() { _ = httpSrv.Serve(ln) }()
		go func() {
			defer close(ticksDone)
			t := time.NewTicker(cfg.tickInterval)
			defer t.Stop()
			for seq := int64(0); ; seq++ {
				select {
				case <-stopTicks:
					return
				case <-t.C:
					_ = srv.Emit("tick", seq)
					ticksSent.Add(1)
				}
			}
		}()
	} else {
		close(ticksDone)
	}
	baseline := measure()
	fmt.Printf("soak: %v, %d clients, transports %v, Socket.IO %v, server %s (%s)\n",
		cfg.duration, cfg.clients, cfg.transports, cfg.protocols, base, map[bool]string{true: "in-process", false: "external"}[inProcess])
	fmt.Printf("baseline: %d goroutines, heap %s\n", baseline.goroutines, mib(baseline.heap))

	httpClient := &http.Client{Transport: &http.Transport{
		MaxIdleConns:        4 * cfg.clients,
		MaxIdleConnsPerHost: 4 * cfg.clients,
		IdleConnTimeout:     30 * time.Second,
		DisableCompression:  true,
	}}
	ccfg := &clientConfig{
		base: base, httpClient: httpClient, emitInterval: cfg.emitInterval,
		minLife: cfg.minLife, maxLife: cfg.maxLife, ackTimeout: cfg.ackTimeout, abruptRatio: cfg.abruptRatio, st: st,
	}

	// Peak sampling and progress.
	var peak sample
	var peakMu sync.Mutex
	stopSampling := make(chan struct{})
	sampled := make(chan struct{})
	start := time.Now()
	go func() {
		defer close(sampled)
		tick := time.NewTicker(time.Second)
		defer tick.Stop()
		for n := 1; ; n++ {
			select {
			case <-stopSampling:
				return
			case <-tick.C:
			}
			var m runtime.MemStats
			runtime.ReadMemStats(&m)
			g := runtime.NumGoroutine()
			peakMu.Lock()
			peak.goroutines = max(peak.goroutines, g)
			peak.heap = max(peak.heap, m.HeapAlloc)
			peakMu.Unlock()
			if n%10 == 0 {
				sessions := -1
				if inProcess {
					sessions = srv.Engine().SessionCount()
				}
				fmt.Printf("  %3.0fs: server sessions %d, sent %d, acked %d, broadcasts received %d, goroutines %d, heap %s\n",
					time.Since(start).Seconds(), sessions, st.sent.Load(), st.acked.Load(), st.ticks.Load(), g, mib(m.HeapAlloc))
			}
		}
	}()

	ctx, cancel := context.WithTimeout(context.Background(), cfg.duration)
	defer cancel()
	ramp := min(2*time.Second, cfg.duration/4)
	var wg sync.WaitGroup
	for i := range cfg.clients {
		c := &client{
			cfg:       ccfg,
			websocket: cfg.transports[i%len(cfg.transports)] == "websocket",
			eio:       map[string]int{"5": 4, "4": 3}[cfg.protocols[(i/len(cfg.transports))%len(cfg.protocols)]],
			rng:       rand.New(rand.NewPCG(cfg.seed, uint64(i))),
		}
		delay := ramp * time.Duration(i) / time.Duration(cfg.clients)
		wg.Go(func() {
			select {
			case <-time.After(delay):
			case <-ctx.Done():
				return
			}
			c.run(ctx)
		})
	}
	clientsDone := make(chan struct{})
	go func() { wg.Wait(); close(clientsDone) }()
	var failures []string
	select {
	case <-clientsDone:
	case <-time.After(cfg.duration + cfg.ackTimeout + 2*ioTimeout + 30*time.Second):
		failures = append(failures, "clients did not finish in time")
	}
	elapsed := time.Since(start)
	close(stopSampling)
	<-sampled
	httpClient.CloseIdleConnections()

	// After: every client gone, the server must be back where it started.
	var after sample
	serverSessions := 0
	if inProcess {
		// A polling client that vanished between two requests is only
		// noticed by the heartbeat.
		deadline := time.Now().Add(cfg.pingInterval + cfg.pingTimeout + 10*time.Second)
		for srv.Engine().SessionCount() > 0 && time.Now().Before(deadline) {
			time.Sleep(50 * time.Millisecond)
		}
		serverSessions = srv.Engine().SessionCount()
	}
	for deadline := time.Now().Add(30 * time.Second); ; {
		after = measure()
		if after.goroutines <= baseline.goroutines+cfg.goroutineTol || time.Now().After(deadline) {
			break
		}
		time.Sleep(250 * time.Millisecond)
	}

	// Report.
	p := func(format string, args ...any) { fmt.Printf(format+"\n", args...) }
	p("elapsed: %v", elapsed.Round(time.Millisecond))
	p("sessions: %d opened (websocket %d, polling %d; EIO4/Socket.IO 5 %d, EIO3/Socket.IO 4 %d), %d clean closes, %d abrupt closes, %d broken, %d failed to connect",
		st.sessions.Load(), st.byTransport[0].Load(), st.byTransport[1].Load(), st.byProtocol[0].Load(), st.byProtocol[1].Load(),
		st.cleanCloses.Load(), st.abruptCloses.Load(), st.unexpected.Load(), st.dialFailures.Load())
	p("messages: %d sent with ack, %d received by the server, %d acked, %d lost, %d bad acks",
		st.sent.Load(), st.serverEvents.Load(), st.acked.Load(), st.lost.Load(), st.badAcks.Load())
	p("broadcasts: %d emitted by the server, %d received by clients, %d missing within a session, %d out of order",
		ticksSent.Load(), st.ticks.Load(), st.tickGaps.Load(), st.tickReorders.Load())
	p("ack latency: p50 ≤ %v, p99 ≤ %v, p99.9 ≤ %v", st.ackLatency.quantile(0.5).Round(time.Microsecond),
		st.ackLatency.quantile(0.99).Round(time.Microsecond), st.ackLatency.quantile(0.999).Round(time.Microsecond))
	for ti, tn := range []string{"websocket", "polling"} {
		for pi, pn := range []string{"EIO4/Socket.IO 5", "EIO3/Socket.IO 4"} {
			h := &st.kindLatency[ti][pi]
			p("  %-9s %-16s p50 ≤ %v, p99 ≤ %v", tn, pn, h.quantile(0.5).Round(time.Microsecond), h.quantile(0.99).Round(time.Microsecond))
		}
	}
	p("goroutines: baseline %d, peak %d, after %d", baseline.goroutines, peak.goroutines, after.goroutines)
	p("heap: baseline %s, peak %s, after %s", mib(baseline.heap), mib(peak.heap), mib(after.heap))
	if inProcess {
		p("server: %d sessions left, %d socket disconnects seen", serverSessions, st.serverDisconn.Load())
	}
	st.problemsMu.Lock()
	for msg, n := range st.problems {
		p("problem ×%d: %s", n, msg)
	}
	st.problemsMu.Unlock()

	if n := st.lost.Load(); n > 0 {
		failures = append(failures, fmt.Sprintf("%d acked emits lost", n))
	}
	if n := st.unexpected.Load(); n > 0 {
		failures = append(failures, fmt.Sprintf("%d sessions broke", n))
	}
	if n := st.badAcks.Load(); n > 0 {
		failures = append(failures, fmt.Sprintf("%d bad acks", n))
	}
	if n := st.tickReorders.Load(); n > 0 {
		failures = append(failures, fmt.Sprintf("%d broadcasts out of order", n))
	}
	if n := st.dialFailures.Load(); n > 0 {
		failures = append(failures, fmt.Sprintf("%d connections failed", n))
	}
	if st.sent.Load() == 0 || st.acked.Load() == 0 {
		failures = append(failures, "nothing was exchanged")
	}
	if after.goroutines > baseline.goroutines+cfg.goroutineTol {
		failures = append(failures, fmt.Sprintf("goroutines did not return to baseline (%d > %d+%d)", after.goroutines, baseline.goroutines, cfg.goroutineTol))
	}
	if after.heap > 2*baseline.heap+16<<20 {
		failures = append(failures, fmt.Sprintf("heap did not return near baseline (%s)", mib(after.heap)))
	}
	if inProcess && serverSessions > 0 {
		failures = append(failures, fmt.Sprintf("%d server sessions left", serverSessions))
	}

	if inProcess {
		close(stopTicks)
		<-ticksDone
		sctx, scancel := context.WithTimeout(context.Background(), 5*time.Second)
		_ = httpSrv.Shutdown(sctx)
		scancel()
		if err := srv.Close(); err != nil && !errors.Is(err, socketio.ErrServerClosed) {
			failures = append(failures, "closing the server: "+err.Error())
		}
	}
	if len(failures) > 0 {
		p("result: FAIL: %s", strings.Join(failures, "; "))
		return 1
	}
	p("result: PASS")
	return 0
}

func mib(b uint64) string { return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20)) }
