package main

import (
	"strings"
	"testing"
	"time"
)

func TestReportMediansRatiosAndGoal(t *testing.T) {
	o := opts{adapters: []string{"pubsub", "streams"}, runtimes: []string{"gosio", "node"}, repeat: 3,
		clients: 10, rate: 5, duration: time.Second, payload: 100}
	var runs []run
	for i, v := range []float64{4, 2, 3} { // median 3
		runs = append(runs, run{Adapter: "pubsub", Runtime: "gosio", Repeat: i + 1, Metrics: map[string]float64{"cpu_us_per_msg": v}})
	}
	for i, v := range []float64{20, 10, 12} { // median 12
		runs = append(runs, run{Adapter: "pubsub", Runtime: "node", Repeat: i + 1, Metrics: map[string]float64{"cpu_us_per_msg": v}})
	}
	runs = append(runs,
		run{Adapter: "streams", Runtime: "node", Repeat: 1, Metrics: map[string]float64{"cpu_us_per_msg": 9}},
		run{Adapter: "pubsub", Runtime: "gosio", Repeat: 4, Error: "delivery check failed", Metrics: map[string]float64{"cpu_us_per_msg": 100}},
	)
	md := report(o, runs, []string{"pubsub"}, map[string]string{}, "0", "0", time.Now())
	for _, want := range []string{
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
}

func TestAdapterOrder(t *testing.T) {
	if index("pubsub") >= index("postgres") || index("nope") != len(allAdapters) {
		t.Fatal("adapters out of the report's order")
	}
}
