package main

import (
	"testing"
	"time"
)

func TestField(t *testing.T) {
	p := []byte(`2["bcast",{"p":"xx","i":42,"t":1234567}]`)
	if v, ok := field(p, "i"); !ok || v != 42 {
		t.Fatalf("i = %d %v", v, ok)
	}
	if v, ok := field(p, "t"); !ok || v != 1234567 {
		t.Fatalf("t = %d %v", v, ok)
	}
	if _, ok := field(p, "z"); ok {
		t.Fatal("missing key found")
	}
}

func TestParseAck(t *testing.T) {
	a, ok := parseAck([]byte(`317[{"t":5,"i":17,"p":"x"}]`))
	if !ok || a.id != 17 || a.seq != 17 {
		t.Fatalf("%+v %v", a, ok)
	}
	if _, ok := parseAck([]byte(`2["echo"]`)); ok {
		t.Fatal("event parsed as ack")
	}
}

func TestSeqSet(t *testing.T) {
	s := newSeqSet(130)
	for _, v := range []int64{0, 63, 64, 129, 64, -1, 130} {
		s.add(v)
	}
	if s.count() != 4 || s.dup != 1 || s.bad != 2 {
		t.Fatalf("count=%d dup=%d bad=%d", s.count(), s.dup, s.bad)
	}
}

func TestHist(t *testing.T) {
	var h hist
	for i := 1; i <= 1000; i++ {
		h.add(time.Duration(i) * time.Millisecond)
	}
	for _, c := range []struct{ q, want float64 }{{0.5, 500}, {0.99, 990}} {
		got := h.quantileMS(c.q)
		if got < c.want*0.98 || got > c.want*1.02 {
			t.Errorf("q%.2f = %.1f ms, want ~%.0f", c.q, got, c.want)
		}
	}
	if h.maxMS() != 1000 {
		t.Errorf("max = %v", h.maxMS())
	}
}

func TestWSURLForSplitsClients(t *testing.T) {
	r := &runner{wsURL: "ws://a/", wsURL2: "ws://b/"}
	for i, want := range []string{"ws://a/", "ws://b/", "ws://a/", "ws://b/"} {
		if got := r.wsURLFor(i); got != want {
			t.Errorf("client %d: %s, want %s", i, got, want)
		}
	}
	one := &runner{wsURL: "ws://a/"}
	if one.wsURLFor(1) != "ws://a/" {
		t.Error("without a second server every client goes to the first")
	}
}
