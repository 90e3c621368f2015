package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"
)

// warmMark tags the broadcasts that only check the cluster is formed; they
// are not counted.
var warmMark = []byte(`"w":1`)

// cluster: two servers joined by an adapter, the clients split between them
// (even-numbered on -url, odd-numbered on -url2). One client of the first
// server emits "bcast" at -rate for -duration; each server delivers it to its
// own clients, the second one through the adapter. CPU per delivered message
// is both servers' CPU time over the measured phase divided by the messages
// the clients received; latency runs from the emit (timestamp in the payload)
// to the receipt, per server too (p99_a_ms on the emitting server, p99_b_ms
// through the store).
func (r *runner) cluster(ctx context.Context) error {
	n := r.cfg.Clients
	b := int(r.cfg.Rate * r.cfg.Duration.Seconds())
	if r.wsURL2 == "" {
		return errors.New("cluster needs -url2")
	}
	if b <= 0 || n < 2 {
		return errors.New("nothing to do")
	}
	sets := make([]*seqSet, n)
	var recv, uniq, warmed atomic.Uint64
	var lastRecv atomic.Int64
	var lat, latA, latB hist
	conns, _, err := r.connectAll(ctx, n, func(i int, c *sioConn) {
		set := newSeqSet(b)
		sets[i] = set
		own := &latA
		if i%2 == 1 {
			own = &latB
		}
		var warm bool // read loop only
		c.onPacket = func(p []byte) {
			if !bytes.HasPrefix(p, bcastPrefix) {
				return
			}
			now := sinceUS()
			if bytes.Contains(p, warmMark) {
				if !warm {
					warm = true
					warmed.Add(1)
				}
				return
			}
			seq, ok1 := field(p, "i")
			t, ok2 := field(p, "t")
			if !ok1 || !ok2 {
				set.bad++
				return
			}
			d := time.Duration(now-t) * time.Microsecond
			lat.add(d)
			own.add(d)
			recv.Add(1)
			if set.add(seq) {
				uniq.Add(1)
			}
			lastRecv.Store(now)
		}
	}, nil)
	defer closeAll(conns)
	if err != nil {
		return fmt.Errorf("connect: %w", err)
	}
	sender := conns[0]
	if err := r.warmUp(ctx, sender, n, &warmed); err != nil {
		return err
	}
	time.Sleep(r.cfg.Settle)

	pad := padFor(r.cfg.Payload, len(`42["bcast",{"t":12345678,"i":1234,"p":""}]`))
	buf := make([]byte, 0, r.cfg.Payload+64)
	expected := uint64(n) * uint64(b)
	interval := time.Duration(float64(time.Second) / r.cfg.Rate)

	w := r.begin()
	startUS := sinceUS()
	sent := 0
	var sendErr error
	t0 := time.Now()
	for k := 0; k < b && ctx.Err() == nil; k++ {
		if d := time.Until(t0.Add(time.Duration(k) * interval)); d > 0 {
			time.Sleep(d) // the fixed rate itself, not a synchronisation
		}
		buf = appendBcast(buf[:0], sinceUS(), k, pad)
		if sendErr = sender.write(buf); sendErr != nil {
			break
		}
		sent++
	}
	d := r.settle(ctx, w, sent < b, expected, startUS, &uniq, &recv, &lastRecv, sets)
	r.set("clients", float64(n))
	r.set("broadcasts_sent", float64(sent))
	r.set("broadcasts_per_s", float64(sent)/d.secs)
	r.set("p50_ms", lat.quantileMS(0.50))
	r.set("p99_ms", lat.quantileMS(0.99))
	r.set("max_ms", lat.maxMS())
	r.set("p50_a_ms", latA.quantileMS(0.50))
	r.set("p99_a_ms", latA.quantileMS(0.99))
	r.set("p50_b_ms", latB.quantileMS(0.50))
	r.set("p99_b_ms", latB.quantileMS(0.99))
	if sendErr != nil {
		return fmt.Errorf("send: %w", sendErr)
	}
	if d.lost != 0 || d.dup != 0 || d.bad != 0 {
		return fmt.Errorf("delivery check failed: lost=%d duplicates=%d malformed=%d", d.lost, d.dup, d.bad)
	}
	return nil
}

// warmUp emits marked broadcasts, one every 100 ms, until every client has
// received one: then the second server is subscribed and the cluster formed.
// It gives up after -stall.
func (r *runner) warmUp(ctx context.Context, sender *sioConn, n int, warmed *atomic.Uint64) error {
	deadline := time.Now().Add(r.cfg.Stall)
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	k := 0
	for ; warmed.Load() < uint64(n); k++ {
		msg := fmt.Sprintf(`42["bcast",{"w":1,"t":%d,"i":%d}]`, sinceUS(), k)
		if err := sender.write([]byte(msg)); err != nil {
			return fmt.Errorf("warm-up: %w", err)
		}
		select {
		case <-tick.C:
		case <-ctx.Done():
			return ctx.Err()
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("cluster not formed: %d of %d clients got a broadcast in %v", warmed.Load(), n, r.cfg.Stall)
		}
	}
	r.set("warmup_broadcasts", float64(k))
	return nil
}
