package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/bits"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

var (
	bcastPrefix = []byte(`2["bcast",`)
	roomPrefix  = []byte(`2["room",`)
)

// field parses the integer value of "key": in a JSON text (keys in any
// order, as servers may re-encode objects; a trailing ".0" is accepted).
func field(p []byte, key string) (int64, bool) {
	i := bytes.Index(p, []byte(`"`+key+`":`))
	if i < 0 {
		return 0, false
	}
	i += len(key) + 3
	var v int64
	n := 0
	for ; i < len(p) && p[i] >= '0' && p[i] <= '9'; i++ {
		v = v*10 + int64(p[i]-'0')
		n++
	}
	return v, n > 0
}

// padFor returns the padding that brings a packet of fixed length base to
// about target bytes.
func padFor(target, base int) string {
	if n := target - base; n > 0 {
		return strings.Repeat("x", n)
	}
	return ""
}

// connectAll opens n WebSocket clients, dialConc at a time. setup(i, c) is
// called before c's read loop starts.
func (r *runner) connectAll(ctx context.Context, n int, setup func(i int, c *sioConn), h *hist) ([]*sioConn, int, error) {
	conns := make([]*sioConn, n)
	sem := make(chan struct{}, max(1, r.cfg.DialConc))
	var wg sync.WaitGroup
	var failed atomic.Int64
	var firstErr atomic.Value
	for i := 0; i < n; i++ {
		if ctx.Err() != nil {
			break
		}
		sem <- struct{}{}
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			defer func() { <-sem }()
			t0 := time.Now()
			dctx, cancel := context.WithTimeout(ctx, 30*time.Second)
			c, err := dialSIO(dctx, r.wsURLFor(i), r.src)
			cancel()
			if err != nil {
				failed.Add(1)
				firstErr.CompareAndSwap(nil, err)
				return
			}
			if h != nil {
				h.add(time.Since(t0))
			}
			if setup != nil {
				setup(i, c)
			}
			c.start()
			conns[i] = c
		}(i)
	}
	wg.Wait()
	if e, _ := firstErr.Load().(error); e != nil {
		return conns, int(failed.Load()), e
	}
	if ctx.Err() != nil {
		return conns, int(failed.Load()), ctx.Err()
	}
	return conns, 0, nil
}

func closeAll(conns []*sioConn) (serverClosed int) {
	for _, c := range conns {
		if c != nil {
			select {
			case <-c.done:
				serverClosed++
			default:
			}
			c.close()
		}
	}
	for _, c := range conns {
		if c != nil {
			select {
			case <-c.done:
			case <-time.After(2 * time.Second):
			}
		}
	}
	return serverClosed
}

// waitProgress waits until done() or until ctx ends or counter() has not
// moved for stall. It reports whether done() became true.
func waitProgress(ctx context.Context, stall time.Duration, done func() bool, counter func() uint64) bool {
	last := counter()
	lastMove := time.Now()
	for !done() {
		if ctx.Err() != nil {
			return false
		}
		time.Sleep(200 * time.Microsecond)
		if c := counter(); c != last {
			last, lastMove = c, time.Now()
		} else if time.Since(lastMove) > stall {
			return false
		}
	}
	return true
}

// ---------------------------------------------------------------- connect

func (r *runner) connect(ctx context.Context) error {
	n := r.cfg.Clients
	time.Sleep(r.cfg.Settle / 2)
	before := r.begin()
	var h hist
	t0 := time.Now()
	conns, failed, err := r.connectAll(ctx, n, nil, &h)
	elapsed := time.Since(t0)
	ok := 0
	for _, c := range conns {
		if c != nil {
			ok++
		}
	}
	r.set("connections", float64(ok))
	r.set("failed", float64(failed))
	r.set("conns_per_s", float64(ok)/elapsed.Seconds())
	r.set("connect_p50_ms", h.quantileMS(0.50))
	r.set("connect_p99_ms", h.quantileMS(0.99))
	r.end(before, float64(ok), "conn")
	delete(r.res.Metrics, "rss_mib")
	delete(r.res.Metrics, "hwm_mib")
	if err != nil {
		r.note("first connect error: %v", err)
	}
	// Idle, then read RSS with every connection still open.
	time.Sleep(r.cfg.Settle)
	after := r.begin()
	if before.srv.Valid && after.srv.Valid && ok > 0 {
		r.set("rss_before_mib", float64(before.srv.RSS)/(1<<20))
		r.set("rss_mib", float64(after.srv.RSS)/(1<<20))
		r.set("rss_kib_per_conn", (float64(after.srv.RSS)-float64(before.srv.RSS))/1024/float64(ok))
	}
	alive := 0
	for _, c := range conns {
		if c != nil {
			select {
			case <-c.done:
			default:
				alive++
			}
		}
	}
	r.set("alive_after_settle", float64(alive))
	closeAll(conns)
	if failed > 0 {
		return fmt.Errorf("%d of %d connections failed: %v", failed, n, err)
	}
	if alive != ok {
		return fmt.Errorf("%d of %d connections dropped while idle", ok-alive, ok)
	}
	return nil
}

// ---------------------------------------------------------------- fanout

type seqSet struct {
	n    int64
	bits []uint64
	dup  int64
	bad  int64
}

func newSeqSet(n int) *seqSet { return &seqSet{n: int64(n), bits: make([]uint64, (n+63)/64)} }

// add marks seq as received; it reports whether it is new.
func (s *seqSet) add(seq int64) bool {
	if seq < 0 || seq >= s.n {
		s.bad++
		return false
	}
	w, b := &s.bits[seq>>6], uint64(1)<<(seq&63)
	if *w&b != 0 {
		s.dup++
		return false
	}
	*w |= b
	return true
}

func (s *seqSet) count() int64 {
	var n int64
	for _, w := range s.bits {
		n += int64(bits.OnesCount64(w))
	}
	return n
}

// fanout: one client emits "bcast", the server sends it to every client
// (sender included). Flood mode keeps at most -window broadcasts undelivered;
// rate mode sends at -rate per second for -duration.
func (r *runner) fanout(ctx context.Context, fixedRate bool) error {
	n := r.cfg.Clients
	b := r.cfg.Broadcasts
	if fixedRate {
		b = int(r.cfg.Rate * r.cfg.Duration.Seconds())
	}
	if b <= 0 || n <= 0 {
		return errors.New("nothing to do")
	}
	sets := make([]*seqSet, n)
	var recv, uniq atomic.Uint64
	var lastRecv atomic.Int64
	var lat hist
	conns, _, err := r.connectAll(ctx, n, func(i int, c *sioConn) {
		set := newSeqSet(b)
		sets[i] = set
		c.onPacket = func(p []byte) {
			if !bytes.HasPrefix(p, bcastPrefix) {
				return
			}
			now := sinceUS()
			seq, ok1 := field(p, "i")
			t, ok2 := field(p, "t")
			if !ok1 || !ok2 {
				set.bad++
				return
			}
			lat.add(time.Duration(now-t) * time.Microsecond)
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
	time.Sleep(r.cfg.Settle)
	sender := conns[0]
	pad := padFor(r.cfg.Payload, len(`42["bcast",{"t":12345678,"i":1234,"p":""}]`))
	buf := make([]byte, 0, r.cfg.Payload+64)
	expected := uint64(n) * uint64(b)
	win := uint64(max(1, r.cfg.Window))

	w := r.begin()
	startUS := sinceUS()
	sent := 0
	var sendErr error
	interval := time.Duration(0)
	if fixedRate {
		interval = time.Duration(float64(time.Second) / r.cfg.Rate)
	}
	t0 := time.Now()
	for k := 0; k < b; k++ {
		if fixedRate {
			if d := time.Until(t0.Add(time.Duration(k) * interval)); d > 0 {
				time.Sleep(d)
			}
		} else if uint64(k) >= win {
			need := (uint64(k) - win + 1) * uint64(n)
			if !waitProgress(ctx, r.cfg.Stall, func() bool { return uniq.Load() >= need }, uniq.Load) {
				r.note("gave up sending at broadcast %d: no progress for %v", k, r.cfg.Stall)
				break
			}
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
	if sendErr != nil {
		return fmt.Errorf("send: %w", sendErr)
	}
	if d.lost != 0 || d.dup != 0 || d.bad != 0 {
		return fmt.Errorf("delivery check failed: lost=%d duplicates=%d malformed=%d", d.lost, d.dup, d.bad)
	}
	return nil
}

// ---------------------------------------------------------------- rooms

// rooms: client i is in room i%rooms (joined with an acknowledged "join");
// -senders clients emit "room" round-robin to every room; the server sends
// to that room's members only.
func (r *runner) rooms(ctx context.Context) error {
	n, nr, e := r.cfg.Clients, r.cfg.Rooms, r.cfg.Emits
	s := min(max(1, r.cfg.Senders), n)
	if n <= 0 || nr <= 0 || e <= 0 {
		return errors.New("nothing to do")
	}
	size := make([]uint64, nr)
	for i := 0; i < n; i++ {
		size[i%nr]++
	}
	sets := make([]*seqSet, n)
	var recv, uniq, misdelivered atomic.Uint64
	var lastRecv atomic.Int64
	var lat hist
	joined := make([]chan struct{}, n)
	conns, _, err := r.connectAll(ctx, n, func(i int, c *sioConn) {
		set := newSeqSet(e)
		sets[i] = set
		myRoom := int64(i % nr)
		jc := make(chan struct{}, 1)
		joined[i] = jc
		c.onPacket = func(p []byte) {
			if len(p) > 0 && p[0] == '3' { // ack of join
				select {
				case jc <- struct{}{}:
				default:
				}
				return
			}
			if !bytes.HasPrefix(p, roomPrefix) {
				return
			}
			now := sinceUS()
			seq, ok1 := field(p, "i")
			t, ok2 := field(p, "t")
			if !ok1 || !ok2 {
				set.bad++
				return
			}
			if seq%int64(nr) != myRoom {
				misdelivered.Add(1)
				return
			}
			lat.add(time.Duration(now-t) * time.Microsecond)
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
	// Join, dialConc at a time, each acknowledged.
	{
		sem := make(chan struct{}, max(1, r.cfg.DialConc))
		var wg sync.WaitGroup
		var jerr atomic.Value
		for i, c := range conns {
			sem <- struct{}{}
			wg.Add(1)
			go func(i int, c *sioConn) {
				defer wg.Done()
				defer func() { <-sem }()
				msg := fmt.Sprintf(`42%d["join","r%d"]`, c.nextID.Add(1), i%nr)
				if err := c.write([]byte(msg)); err != nil {
					jerr.CompareAndSwap(nil, err)
					return
				}
				select {
				case <-joined[i]:
				case <-time.After(15 * time.Second):
					jerr.CompareAndSwap(nil, errors.New("join not acknowledged in 15s"))
				case <-ctx.Done():
				}
			}(i, c)
		}
		wg.Wait()
		if e, _ := jerr.Load().(error); e != nil {
			return fmt.Errorf("join: %w", e)
		}
	}
	time.Sleep(r.cfg.Settle)

	pad := padFor(r.cfg.Payload, len(`42["room",{"room":"r99","data":{"t":12345678,"i":12345,"p":""}}]`))
	buf := make([]byte, 0, r.cfg.Payload+64)
	var expected uint64
	maxInflight := uint64(max(1, r.cfg.Window)) * uint64(n)
	w := r.begin()
	startUS := sinceUS()
	sent := 0
	var sendErr error
	for k := 0; k < e; k++ {
		if expected > maxInflight {
			need := expected - maxInflight
			if !waitProgress(ctx, r.cfg.Stall, func() bool { return uniq.Load() >= need }, uniq.Load) {
				r.note("gave up sending at emit %d: no progress for %v", k, r.cfg.Stall)
				break
			}
		}
		room := k % nr
		buf = append(buf[:0], `42["room",{"room":"r`...)
		buf = strconv.AppendInt(buf, int64(room), 10)
		buf = append(buf, `","data":{"t":`...)
		buf = strconv.AppendInt(buf, sinceUS(), 10)
		buf = append(buf, `,"i":`...)
		buf = strconv.AppendInt(buf, int64(k), 10)
		buf = append(buf, `,"p":"`...)
		buf = append(buf, pad...)
		buf = append(buf, `"}}]`...)
		if sendErr = conns[k%s].write(buf); sendErr != nil {
			break
		}
		expected += size[room]
		sent++
	}
	d := r.settle(ctx, w, sent < e, expected, startUS, &uniq, &recv, &lastRecv, sets)
	r.set("clients", float64(n))
	r.set("emits_sent", float64(sent))
	r.set("misdelivered", float64(misdelivered.Load()))
	r.set("emits_per_s", float64(sent)/d.secs)
	r.set("p50_ms", lat.quantileMS(0.50))
	r.set("p99_ms", lat.quantileMS(0.99))
	if sendErr != nil {
		return fmt.Errorf("send: %w", sendErr)
	}
	if d.lost != 0 || d.dup != 0 || d.bad != 0 || misdelivered.Load() != 0 {
		return fmt.Errorf("delivery check failed: lost=%d duplicates=%d misdelivered=%d malformed=%d", d.lost, d.dup, misdelivered.Load(), d.bad)
	}
	return nil
}

// ---------------------------------------------------------------- echo

type ackMsg struct{ id, seq int64 }

// parseAck parses `3<id>[...]` and the "i" field of its argument.
func parseAck(p []byte) (ackMsg, bool) {
	if len(p) < 2 || p[0] != '3' {
		return ackMsg{}, false
	}
	var id int64
	i := 1
	for ; i < len(p) && p[i] >= '0' && p[i] <= '9'; i++ {
		id = id*10 + int64(p[i]-'0')
	}
	if i == 1 {
		return ackMsg{}, false
	}
	seq, ok := field(p[i:], "i")
	if !ok {
		seq = -1
	}
	return ackMsg{id: id, seq: seq}, true
}

type echoClient struct {
	send func(ctx context.Context, p []byte) error
	acks chan ackMsg
	id   *atomic.Uint64
}

// echo: each client emits "echo" with an ack id and waits for the ack
// carrying the same argument, then the next, for -duration. With polling,
// the clients use long-polling only.
func (r *runner) echo(ctx context.Context, polling bool) error {
	n := r.cfg.Clients
	clients := make([]*echoClient, 0, n)
	var cleanup func()
	if polling {
		hc := newPollHTTPClient(r.src, 2*n+16)
		pcs := make([]*pollConn, n)
		sem := make(chan struct{}, max(1, min(r.cfg.DialConc, 50)))
		var wg sync.WaitGroup
		var derr atomic.Value
		for i := 0; i < n; i++ {
			sem <- struct{}{}
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				defer func() { <-sem }()
				dctx, cancel := context.WithTimeout(ctx, 30*time.Second)
				defer cancel()
				pc, err := dialPolling(dctx, hc, r.httpURL)
				if err != nil {
					derr.CompareAndSwap(nil, err)
					return
				}
				pcs[i] = pc
			}(i)
		}
		wg.Wait()
		lctx, lcancel := context.WithCancel(ctx)
		cleanup = func() {
			for _, pc := range pcs {
				if pc != nil {
					pc.close(ctx)
				}
			}
			lcancel()
			for _, pc := range pcs {
				if pc != nil && pc.done != nil {
					select {
					case <-pc.done:
					case <-time.After(3 * time.Second):
					}
				}
			}
			hc.CloseIdleConnections()
		}
		if e, _ := derr.Load().(error); e != nil {
			cleanup()
			return fmt.Errorf("connect: %w", e)
		}
		for _, pc := range pcs {
			ec := &echoClient{acks: make(chan ackMsg, 4), id: &pc.nextID}
			pc.onPacket = func(p []byte) {
				if a, ok := parseAck(p); ok {
					ec.acks <- a
				}
			}
			ec.send = pc.post
			pc.start(lctx)
			clients = append(clients, ec)
		}
	} else {
		ecs := make([]*echoClient, n)
		conns, _, err := r.connectAll(ctx, n, func(i int, c *sioConn) {
			ec := &echoClient{acks: make(chan ackMsg, 4), id: &c.nextID}
			c.onPacket = func(p []byte) {
				if a, ok := parseAck(p); ok {
					ec.acks <- a
				}
			}
			ec.send = func(_ context.Context, p []byte) error { return c.write(p) }
			ecs[i] = ec
		}, nil)
		cleanup = func() { closeAll(conns) }
		if err != nil {
			cleanup()
			return fmt.Errorf("connect: %w", err)
		}
		clients = ecs
	}
	defer cleanup()
	time.Sleep(r.cfg.Settle / 2)

	var lat hist
	var acks, mismatched, timeouts, errs atomic.Int64
	var firstErr atomic.Value
	pad := padFor(r.cfg.Payload, len(`421234["echo",{"t":12345678,"i":1234,"p":""}]`))
	w := r.begin()
	t0 := time.Now()
	deadline := t0.Add(r.cfg.Duration)
	var wg sync.WaitGroup
	for _, ec := range clients {
		wg.Add(1)
		go func(ec *echoClient) {
			defer wg.Done()
			buf := make([]byte, 0, r.cfg.Payload+64)
			timer := time.NewTimer(time.Hour)
			defer timer.Stop()
			for time.Now().Before(deadline) && ctx.Err() == nil {
				id := int64(ec.id.Add(1))
				buf = append(buf[:0], '4', '2')
				buf = strconv.AppendInt(buf, id, 10)
				buf = append(buf, `["echo",{"t":`...)
				buf = strconv.AppendInt(buf, sinceUS(), 10)
				buf = append(buf, `,"i":`...)
				buf = strconv.AppendInt(buf, id, 10)
				buf = append(buf, `,"p":"`...)
				buf = append(buf, pad...)
				buf = append(buf, `"}]`...)
				ts := time.Now()
				if err := ec.send(ctx, buf); err != nil {
					errs.Add(1)
					firstErr.CompareAndSwap(nil, err)
					return
				}
				timer.Reset(r.cfg.Stall)
				select {
				case a := <-ec.acks:
					if a.id != id || a.seq != id {
						mismatched.Add(1)
						return
					}
					lat.add(time.Since(ts))
					acks.Add(1)
				case <-timer.C:
					timeouts.Add(1)
					return
				case <-ctx.Done():
					return
				}
			}
		}(ec)
	}
	wg.Wait()
	elapsed := time.Since(t0)
	got := acks.Load()
	r.end(w, float64(got), "ack")
	r.set("clients", float64(n))
	r.set("acks", float64(got))
	r.set("acks_per_s", float64(got)/elapsed.Seconds())
	r.set("p50_ms", lat.quantileMS(0.50))
	r.set("p99_ms", lat.quantileMS(0.99))
	r.set("max_ms", lat.maxMS())
	r.set("mismatched", float64(mismatched.Load()))
	r.set("timeouts", float64(timeouts.Load()))
	r.set("errors", float64(errs.Load()))
	if e, _ := firstErr.Load().(error); e != nil {
		return fmt.Errorf("send: %w", e)
	}
	if mismatched.Load() != 0 || timeouts.Load() != 0 {
		return fmt.Errorf("echo check failed: mismatched=%d timeouts=%d", mismatched.Load(), timeouts.Load())
	}
	if got == 0 {
		return errors.New("no ack received")
	}
	return nil
}

// deliveries is what settle counted.
type deliveries struct {
	secs           float64 // from the first send to the last delivery
	lost, dup, bad int64
}

// settle waits until every expected message has arrived or delivery stalls
// (briefly when sending stopped early), ends the measured phase, and records
// the delivery counts every broadcast scenario reports.
func (r *runner) settle(ctx context.Context, w window, stoppedEarly bool, expected uint64, startUS int64,
	uniq, recv *atomic.Uint64, lastRecv *atomic.Int64, sets []*seqSet) deliveries {
	stall := r.cfg.Stall
	if stoppedEarly {
		stall = 2 * time.Second
	}
	waitProgress(ctx, stall, func() bool { return uniq.Load() >= expected }, recv.Load)
	endUS := lastRecv.Load()
	if endUS <= startUS {
		endUS = sinceUS()
	}
	got := recv.Load()
	r.end(w, float64(got), "msg")
	var d deliveries
	var unique int64
	for _, s := range sets {
		if s != nil {
			unique += s.count()
			d.dup += s.dup
			d.bad += s.bad
		}
	}
	d.lost = int64(expected) - unique
	d.secs = float64(endUS-startUS) / 1e6
	r.set("expected", float64(expected))
	r.set("received", float64(got))
	r.set("lost", float64(d.lost))
	r.set("duplicates", float64(d.dup))
	r.set("malformed", float64(d.bad))
	r.set("msgs_per_s", float64(got)/d.secs)
	return d
}

// appendBcast appends the broadcast event the fanout and cluster scenarios
// emit: its send time t (µs on the load generator's clock), its index k and
// the padding, built by hand so that the sender allocates nothing.
func appendBcast(buf []byte, t int64, k int, pad string) []byte {
	buf = append(buf, `42["bcast",{"t":`...)
	buf = strconv.AppendInt(buf, t, 10)
	buf = append(buf, `,"i":`...)
	buf = strconv.AppendInt(buf, int64(k), 10)
	buf = append(buf, `,"p":"`...)
	buf = append(buf, pad...)
	return append(buf, `"}]`...)
}
