package main

import (
	"math"
	"slices"
	"strings"
	"testing"
	"time"
)

// cpuRuns makes one successful run per value, all of adapter×runtime.
func cpuRuns(ad, rt string, vals ...float64) []run {
	var out []run
	for i, v := range vals {
		out = append(out, run{Adapter: ad, Runtime: rt, Repeat: i + 1, Metrics: map[string]float64{"cpu_us_per_msg": v}})
	}
	return out
}

func TestReportMediansRatiosAndGoal(t *testing.T) {
	o := opts{adapters: []string{"pubsub", "streams"}, runtimes: []string{"gosio", "node"}, repeat: 3,
		clients: 10, rate: 5, duration: time.Second, payload: 100}
	runs := cpuRuns("pubsub", "gosio", 4, 2, 3)                   // median 3
	runs = append(runs, cpuRuns("pubsub", "node", 20, 10, 12)...) // median 12
	runs = append(runs,
		run{Adapter: "streams", Runtime: "node", Repeat: 1, Metrics: map[string]float64{"cpu_us_per_msg": 9}},
		run{Adapter: "pubsub", Runtime: "gosio", Repeat: 4, Error: "delivery check failed", Metrics: map[string]float64{"cpu_us_per_msg": 100}},
	)
	md := report(o, runs, []string{"pubsub"}, map[string]string{}, "0", "0", time.Now())
	for _, want := range []string{
		"| adapter | metric | gosio+gosio | node+node | gosio/Node |\n|---|---|--:|--:|--:|\n",
		"| pubsub | server CPU µs per delivered message, both servers ↓ | 3.00 | 12.00 | 0.25× |",
		"| streams | server CPU µs per delivered message, both servers ↓ | — | 9.00 | — |",
		"pubsub 0.25× (met)",
		"no gosio adapter registered for streams",
		"- pubsub / gosio / run 4: delivery check failed",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("report lacks %q:\n%s", want, md)
		}
	}
	if strings.Contains(md, "floor") {
		t.Errorf("floor not run, yet named:\n%s", md)
	}
}

func TestReportFloorColumnAndRatios(t *testing.T) {
	o := opts{adapters: []string{"pubsub", "sharded"}, runtimes: []string{"gosio", "node", "floor"}, repeat: 2,
		clients: 10, rate: 5, duration: time.Second, payload: 100}
	runs := cpuRuns("pubsub", "gosio", 5, 6)                   // 5.5
	runs = append(runs, cpuRuns("pubsub", "node", 10, 12)...)  // 11
	runs = append(runs, cpuRuns("pubsub", "floor", 4, 4.8)...) // 4.4
	runs = append(runs, cpuRuns("sharded", "gosio", 6, 6)...)
	runs = append(runs, cpuRuns("sharded", "node", 12, 12)...)
	goAds := []string{"pubsub", "sharded"}
	md := report(o, runs, goAds, map[string]string{}, "0", "0", time.Now())
	for _, want := range []string{
		"| adapter | metric | gosio+gosio | node+node | floor+floor | gosio/Node | floor/Node | gosio/floor |\n|---|---|--:|--:|--:|--:|--:|--:|\n",
		"| pubsub | server CPU µs per delivered message, both servers ↓ | 5.50 | 11.00 | 4.40 | 0.50× | 0.40× | 1.25× |",
		"| sharded | server CPU µs per delivered message, both servers ↓ | 6.00 | 12.00 | — | 0.50× | — | — |",
		"pubsub 0.50× (not met); sharded 0.50× (not met)",
		"The floor's CPU per delivered message against Node's: pubsub 0.40×.",
		"— for floor: it stands in for pubsub only.",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("report lacks %q:\n%s", want, md)
		}
	}

	s := summarize(runs, goAds)
	near := func(a, b float64) bool { return math.Abs(a-b) < 1e-9 }
	if got := s.Medians["pubsub"]["floor"]["cpu_us_per_msg"]; !near(got, 4.4) {
		t.Errorf("floor median %v, want 4.4", got)
	}
	for pair, want := range map[string]float64{"gosio/node": 0.5, "floor/node": 0.4, "gosio/floor": 1.25} {
		if got := s.Ratios["pubsub"][pair]["cpu_us_per_msg"]; !near(got, want) {
			t.Errorf("pubsub %s = %v, want %v", pair, got, want)
		}
	}
	if _, ok := s.Ratios["sharded"]["floor/node"]; ok {
		t.Error("a floor ratio for sharded, which floor does not run")
	}
}

func TestRuntimesAdaptersAndArgv(t *testing.T) {
	goAds := []string{"pubsub", "streams"}
	for _, c := range []struct {
		rt, ad string
		want   bool
	}{
		{"gosio", "pubsub", true}, {"gosio", "postgres", false},
		{"node", "postgres", true},
		{"floor", "pubsub", true}, {"floor", "streams", false},
	} {
		if got := supports(c.rt, c.ad, goAds); got != c.want {
			t.Errorf("supports(%s, %s) = %v", c.rt, c.ad, got)
		}
	}
	o := opts{redis: "127.0.0.1:6379", pg: "postgres://x", table: "t"}
	argv := serverArgv(o, "floor", "pubsub", "gosio-bench-1-pubsub-floor-1", time.Minute)
	want := []string{".bin/floor", "-redis", "127.0.0.1:6379", "-adapter", "pubsub", "-prefix", "gosio-bench-1-pubsub-floor-1",
		"-addr", "127.0.0.1:0", "-watch-stdin", "-max-lifetime", "60s"}
	if !slices.Equal(argv, want) {
		t.Errorf("floor argv %q, want %q", argv, want)
	}
	for _, rt := range []string{"gosio", "node"} {
		argv := serverArgv(o, rt, "streams", "p", time.Minute)
		for _, flag := range []string{"-adapter", "-prefix", "-pg", "-table", "-watch-stdin"} {
			if !slices.Contains(argv, flag) {
				t.Errorf("%s argv %q lacks %s", rt, argv, flag)
			}
		}
	}
}

func TestAdapterOrder(t *testing.T) {
	if index("pubsub") >= index("postgres") || index("nope") != len(allAdapters) {
		t.Fatal("adapters out of the report's order")
	}
}
