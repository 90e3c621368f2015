package hostile

import (
	"fmt"
	"regexp"
	"strings"
	"sync"
	"time"
)

// Scale chooses the volumes a scenario sends.
type Scale int

// Scales: Small is the run of `make test` (about a minute in all), Full the
// documented run whose figures are in docs/ROBUSTNESS.md.
const (
	Small Scale = iota
	Full
)

// MB is a megabyte, as the bounds count them.
const MB = 1 << 20

// Scenario is one attack on a fresh target process.
type Scenario struct {
	Name string // short, for -run
	What string // the finding it checks: "item 1" ... or "holds"
	// Attack sends the hostile input, and returns once it is sent (the
	// attackers stay connected until the runner calls the Env's OnLeave
	// functions). It describes its input with Env.Input.
	Attack func(e *Env) error
	// Check, optional, runs once the target has settled after the
	// attackers left, for the scenario's own assertions.
	Check func(e *Env, base, after Stats)
	// Bounds; zero values take the defaults in the field comments.
	PeakRSS uint64 // RSS growth allowed over the baseline (50 MB)
	// HeldHeap, if set, bounds the heap after GC at the end of the attack
	// over the baseline: what the target holds, apart from the garbage of
	// what it has handled, which makes the peak RSS of a scenario of 1 MB
	// messages vary with the GC's pace on a loaded machine.
	HeldHeap       uint64
	Settle         time.Duration // time to get back to baseline after leaving (5 s)
	HeapSlack      uint64        // heap after GC allowed over the baseline once settled (8 MB)
	GoroutineSlack int           // goroutines allowed over the baseline once settled (4)
	// TargetArgs are extra arguments for the target process.
	TargetArgs func(Scale) []string
}

// Env is what an attack works with.
type Env struct {
	Scale  Scale
	Target *Target
	Addr   string
	// Base is the target's figures before the attack, with no client
	// connected. A fresh client may be connected at any time during the
	// attack: conditions compare with Base using <=, so that it can only
	// delay them.
	Base Stats

	mu       sync.Mutex
	failures []string
	failed   int // failures, also those not listed
	notes    []string
	input    string
	leave    []func()
}

// Pick returns small or full by the run's scale.
func (e *Env) Pick(small, full int) int {
	if e.Scale == Full {
		return full
	}
	return small
}

// Input describes what the attack sent, for the report.
func (e *Env) Input(format string, args ...any) { e.input = fmt.Sprintf(format, args...) }

// maxFailures is how many failures a scenario lists; a server that dies
// would otherwise fail every client of it.
const maxFailures = 10

// Failf records a failed assertion; the scenario goes on.
func (e *Env) Failf(format string, args ...any) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.failed++
	if len(e.failures) < maxFailures {
		e.failures = append(e.failures, fmt.Sprintf(format, args...))
	}
}

// Notef records a figure for the report.
func (e *Env) Notef(format string, args ...any) {
	e.mu.Lock()
	e.notes = append(e.notes, fmt.Sprintf(format, args...))
	e.mu.Unlock()
}

// OnLeave registers what makes an attacker leave (closing its connection).
func (e *Env) OnLeave(f func()) {
	e.mu.Lock()
	e.leave = append(e.leave, f)
	e.mu.Unlock()
}

// Stats returns the target's figures; an error is a failure.
func (e *Env) Stats() Stats {
	st, err := e.Target.Stats(false)
	if err != nil {
		e.Failf("stats: %v", err)
	}
	return st
}

// WaitFor polls the target's figures until cond holds or within has passed,
// and returns the last figures and how long it took; a timeout is a
// failure naming what.
func (e *Env) WaitFor(what string, within time.Duration, cond func(Stats) bool) (Stats, time.Duration, bool) {
	start := time.Now()
	for {
		st, err := e.Target.Stats(false)
		if err == nil && cond(st) {
			return st, time.Since(start), true
		}
		if time.Since(start) > within {
			e.Failf("%s: not within %v (last: %s)", what, within, st.brief())
			return st, time.Since(start), false
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (st Stats) brief() string {
	return fmt.Sprintf("heap %s, %d goroutines, %d sessions, %d sockets, %d rooms, %d/%d connections/disconnects",
		mib(st.Heap), st.Goroutines, st.Sessions, st.Sockets, st.Rooms, st.Connections, st.Disconnects)
}

// Result is what one scenario measured.
type Result struct {
	Name, What, Input string
	Base, During      Stats
	After             Stats // settled, memory returned to the OS
	PeakRSS           uint64
	SettleTime        time.Duration
	Probes            int
	ProbeMax          time.Duration
	Failures          []string
	Notes             []string
}

// Passed reports whether every assertion held.
func (r *Result) Passed() bool { return len(r.Failures) == 0 }

// probeLimit is how long a fresh client may take to connect and get an ack.
const probeLimit = time.Second

// Run runs sc against a fresh target started from bin, with extra
// arguments for the target after the scenario's own.
func Run(sc *Scenario, bin string, scale Scale, extra ...string) *Result {
	res := &Result{Name: sc.Name, What: sc.What}
	var args []string
	if sc.TargetArgs != nil {
		args = sc.TargetArgs(scale)
	}
	args = append(args, extra...)
	t, err := StartTarget(bin, args...)
	if err != nil {
		res.Failures = []string{err.Error()}
		return res
	}
	defer t.Stop()
	e := &Env{Scale: scale, Target: t, Addr: t.Addr}

	// Baseline, after one client has come and gone (lazy initialisations
	// are not the attack's).
	if _, err := Probe(t.Addr); err != nil {
		e.Failf("first probe: %v", err)
	}
	e.WaitFor("baseline", 5*time.Second, func(st Stats) bool { return st.Sessions == 0 })
	base, err := t.Stats(true)
	if err != nil {
		e.Failf("stats: %v", err)
	}
	t.ResetPeakRSS()
	e.Base = base

	stopProbe := make(chan struct{})
	probed := make(chan struct{})
	go func() {
		defer close(probed)
		tick := time.NewTicker(200 * time.Millisecond)
		defer tick.Stop()
		for {
			res.probe(e)
			select {
			case <-stopProbe:
				return
			case <-tick.C:
			}
		}
	}()

	if err := sc.Attack(e); err != nil {
		e.Failf("attack: %v", err)
	}
	res.During = e.Stats()
	res.PeakRSS = t.PeakRSS()
	close(stopProbe)
	<-probed

	e.mu.Lock()
	leave := e.leave
	e.mu.Unlock()
	for _, f := range leave {
		f()
	}
	settle := cmpOr(sc.Settle, 5*time.Second)
	heapSlack := cmpOr(sc.HeapSlack, 8*MB)
	gSlack := cmpOr(sc.GoroutineSlack, 4)
	_, res.SettleTime, _ = e.WaitFor("back to baseline after the attackers left", settle, func(st Stats) bool {
		return st.Sessions <= base.Sessions && st.Sockets <= base.Sockets && st.Rooms <= base.Rooms &&
			st.Heap <= base.Heap+heapSlack && st.Goroutines <= base.Goroutines+gSlack
	})
	res.probe(e) // and a fresh client is served once it is over
	if res.After, err = t.Stats(true); err != nil {
		e.Failf("stats: %v", err)
	}
	if sc.Check != nil {
		sc.Check(e, base, res.After)
	}
	if sc.HeldHeap > 0 && res.During.Heap > base.Heap+sc.HeldHeap {
		e.Failf("the heap held %s during the attack, over the %s bound", delta(base.Heap, res.During.Heap), mib(sc.HeldHeap))
	}
	if limit := cmpOr(sc.PeakRSS, 50*MB); res.PeakRSS > base.RSS+limit {
		e.Failf("RSS grew by %s, over the %s bound", mib(res.PeakRSS-base.RSS), mib(limit))
	}
	res.Base, res.Input = base, e.input
	e.mu.Lock()
	res.Failures = append(res.Failures, e.failures...)
	if e.failed > len(e.failures) {
		res.Failures = append(res.Failures, fmt.Sprintf("and %d more failures", e.failed-len(e.failures)))
	}
	res.Notes = e.notes
	e.mu.Unlock()
	return res
}

// probe runs one fresh client, recording its time; over probeLimit or
// failing is a failure.
func (r *Result) probe(e *Env) {
	d, err := Probe(e.Addr)
	r.Probes++
	r.ProbeMax = max(r.ProbeMax, d)
	switch {
	case err != nil:
		e.Failf("a fresh client failed after %v: %v", d.Round(time.Millisecond), err)
	case d > probeLimit:
		e.Failf("a fresh client took %v to connect and get its ack", d.Round(time.Millisecond))
	}
}

func cmpOr[T comparable](v, def T) T {
	var zero T
	if v == zero {
		return def
	}
	return v
}

// Select returns the scenarios whose name matches pattern (all for "").
func Select(pattern string) ([]*Scenario, error) {
	re, err := regexp.Compile(pattern)
	if err != nil {
		return nil, err
	}
	var out []*Scenario
	for _, sc := range Scenarios() {
		if re.MatchString(sc.Name) {
			out = append(out, sc)
		}
	}
	return out, nil
}

func mib(b uint64) string { return fmt.Sprintf("%.1f MB", float64(b)/MB) }

func delta(a, b uint64) string {
	if b >= a {
		return "+" + mib(b-a)
	}
	return "-" + mib(a-b)
}

// TableHeader and Row print results as a Markdown table.
const TableHeader = "| scenario | checks | input | RSS: base, peak, after | heap after GC: base, during, after | goroutines | sessions / sockets / rooms: during → after | back to baseline in | fresh clients: n, max | result |\n" +
	"|---|---|---|---|---|---|---|---|---|---|"

// Row is the result's line of the table.
func (r *Result) Row() string {
	verdict := "pass"
	if !r.Passed() {
		verdict = "**FAIL**"
	}
	input := r.Input
	if len(r.Notes) > 0 {
		input += "; " + strings.Join(r.Notes, "; ")
	}
	return fmt.Sprintf("| %s | %s | %s | %s, %s, %s | %s, %s, %s | %d, %d, %d | %d/%d/%d → %d/%d/%d | %v | %d, %v | %s |",
		r.Name, r.What, input,
		mib(r.Base.RSS), delta(r.Base.RSS, r.PeakRSS), delta(r.Base.RSS, r.After.RSS),
		mib(r.Base.Heap), delta(r.Base.Heap, r.During.Heap), delta(r.Base.Heap, r.After.Heap),
		r.Base.Goroutines, r.During.Goroutines, r.After.Goroutines,
		r.During.Sessions, r.During.Sockets, r.During.Rooms, r.After.Sessions, r.After.Sockets, r.After.Rooms,
		r.SettleTime.Round(10*time.Millisecond), r.Probes, r.ProbeMax.Round(time.Millisecond), verdict)
}
