package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// stats are the soak's counters, shared by every client.
type stats struct {
	sessions      atomic.Int64 // sessions opened (namespace connected)
	dialFailures  atomic.Int64 // handshakes or namespace connects that failed
	cleanCloses   atomic.Int64
	abruptCloses  atomic.Int64
	unexpected    atomic.Int64 // sessions the server ended, or that broke
	sent          atomic.Int64 // events emitted with an ack request
	acked         atomic.Int64 // acks received
	lost          atomic.Int64 // emitted, never acked although the session stayed up
	badAcks       atomic.Int64 // acks for unknown ids or with a wrong value
	ticks         atomic.Int64 // broadcast messages received
	tickGaps      atomic.Int64 // broadcast messages missing within a session
	tickReorders  atomic.Int64 // broadcast messages out of order
	byTransport   [2]atomic.Int64
	byProtocol    [2]atomic.Int64
	lastFailure   atomic.Pointer[string]
	problemsMu    sync.Mutex
	problems      map[string]int // distinct problems (ids and addresses elided)
	ackLatency    histogram
	kindLatency   [2][2]histogram // by transport (websocket, polling) and protocol (EIO 4, 3)
	serverEvents  atomic.Int64    // events the server's handler received
	serverDisconn atomic.Int64    // disconnect events the server saw
}

var elide = regexp.MustCompile(`sid=[\w-]+|127\.0\.0\.1:\d+|"4\d*\[[^"]*"|\d+ acks`)

func (s *stats) fail(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	s.lastFailure.Store(&msg)
	key := elide.ReplaceAllString(msg, "…")
	s.problemsMu.Lock()
	if s.problems == nil {
		s.problems = map[string]int{}
	}
	s.problems[key]++
	s.problemsMu.Unlock()
}

// histogram counts durations in buckets growing by 5%, from 1µs.
type histogram struct{ b [600]atomic.Int64 }

const histBase = 1.05

func (h *histogram) add(d time.Duration) {
	us := float64(d) / float64(time.Microsecond)
	i := 0
	if us > 1 {
		i = int(math.Log(us) / math.Log(histBase))
	}
	h.b[min(i, len(h.b)-1)].Add(1)
}

// quantile returns the upper bound of the bucket holding quantile q.
func (h *histogram) quantile(q float64) time.Duration {
	var total int64
	for i := range h.b {
		total += h.b[i].Load()
	}
	if total == 0 {
		return 0
	}
	want := int64(math.Ceil(q * float64(total)))
	var n int64
	for i := range h.b {
		if n += h.b[i].Load(); n >= want {
			return time.Duration(math.Pow(histBase, float64(i+1)) * float64(time.Microsecond))
		}
	}
	return time.Duration(math.MaxInt64)
}

// clientConfig is what every client shares.
type clientConfig struct {
	base         string
	httpClient   *http.Client
	emitInterval time.Duration
	minLife      time.Duration
	maxLife      time.Duration
	ackTimeout   time.Duration
	abruptRatio  float64
	st           *stats
}

// client runs sessions one after the other until ctx ends: connect, emit
// with acks while receiving broadcasts, drain the acks, disconnect (cleanly
// or not), pause, reconnect.
type client struct {
	cfg       *clientConfig
	websocket bool
	eio       int // 4: Socket.IO 5; 3: Socket.IO 4
	rng       *rand.Rand
}

func (c *client) run(ctx context.Context) {
	for ctx.Err() == nil {
		c.session(ctx)
		pause := time.Duration(c.rng.Int64N(int64(500 * time.Millisecond)))
		select {
		case <-ctx.Done():
		case <-time.After(pause):
		}
	}
}

func (c *client) dial(ctx context.Context) (transport, error) {
	if c.websocket {
		return dialWebSocket(ctx, c.cfg.base, c.eio)
	}
	return dialPolling(ctx, c.cfg.httpClient, c.cfg.base, c.eio)
}

var errEnded = errors.New("transport ended")

func next(ctx context.Context, tr transport, timeout time.Duration) (string, error) {
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case p, ok := <-tr.Recv():
		if !ok {
			return "", errEnded
		}
		return p, nil
	case <-t.C:
		return "", errors.New("timed out")
	case <-ctx.Done():
		return "", ctx.Err()
	}
}

func openSID(open string) (string, error) {
	var o struct {
		SID string `json:"sid"`
	}
	if err := json.Unmarshal([]byte(open[1:]), &o); err != nil || o.SID == "" {
		return "", fmt.Errorf("bad open packet %q", open)
	}
	return o.SID, nil
}

func (c *client) session(ctx context.Context) {
	st := c.cfg.st
	tr, err := c.dial(ctx)
	if err != nil {
		if ctx.Err() == nil {
			st.dialFailures.Add(1)
			st.fail("dial: %v", err)
		}
		return
	}
	// Open packet, then the namespace: protocol 5 clients ask for it,
	// protocol 4 ones are connected to "/" by the server.
	open, err := next(ctx, tr, ioTimeout)
	if err == nil && !strings.HasPrefix(open, "0{") {
		err = fmt.Errorf("first packet %q", open)
	}
	pingInterval := 25 * time.Second
	if err == nil {
		var o struct {
			PingInterval int64 `json:"pingInterval"`
		}
		if json.Unmarshal([]byte(open[1:]), &o) == nil && o.PingInterval > 0 {
			pingInterval = time.Duration(o.PingInterval) * time.Millisecond
		}
	}
	if err == nil && c.eio == 4 {
		err = tr.Send("40")
	}
	for err == nil {
		var p string
		if p, err = next(ctx, tr, ioTimeout); err == nil {
			if p == "2" && c.eio == 4 {
				err = tr.Send("3")
				continue
			}
			if p == "40" || strings.HasPrefix(p, "40{") {
				break
			}
			if p != "6" {
				err = fmt.Errorf("waiting for CONNECT got %q", p)
			}
		}
	}
	if err != nil {
		tr.Close(true)
		if ctx.Err() == nil {
			st.dialFailures.Add(1)
			st.fail("connect: %v", err)
		}
		return
	}
	st.sessions.Add(1)
	ti, pi := 0, 0
	if !c.websocket {
		ti = 1
	}
	if c.eio == 3 {
		pi = 1
	}
	st.byTransport[ti].Add(1)
	st.byProtocol[pi].Add(1)

	life := c.cfg.minLife + time.Duration(c.rng.Int64N(int64(c.cfg.maxLife-c.cfg.minLife)+1))
	lifeEnd := time.NewTimer(life)
	defer lifeEnd.Stop()
	emit := time.NewTicker(c.cfg.emitInterval/2 + time.Duration(c.rng.Int64N(int64(c.cfg.emitInterval))))
	defer emit.Stop()
	ping := time.NewTicker(pingInterval) // protocol 3 clients ping
	defer ping.Stop()
	if c.eio == 4 {
		ping.Stop()
	}

	pending := map[uint64]time.Time{}
	var nextID uint64
	lastTick := int64(-1)
	emitting := true
	var drainEnd <-chan time.Time
	stop := ctx.Done()
	broken := ""

	handle := func(p string) {
		switch {
		case p == "2":
			if c.eio == 4 {
				if err := tr.Send("3"); err != nil {
					broken = "pong: " + err.Error()
				}
			}
		case p == "3" || p == "6":
		case p == "1":
			broken = "server closed the session"
		case strings.HasPrefix(p, "41"):
			broken = "server disconnected the socket"
		case strings.HasPrefix(p, "43"):
			idS, args, ok := strings.Cut(p[2:], "[")
			id, err := strconv.ParseUint(idS, 10, 64)
			sentAt, known := pending[id]
			if !ok || err != nil || !known || args != strconv.FormatUint(id, 10)+"]" {
				st.badAcks.Add(1)
				st.fail("bad ack %q", p)
				return
			}
			delete(pending, id)
			st.acked.Add(1)
			d := time.Since(sentAt)
			st.ackLatency.add(d)
			st.kindLatency[ti][pi].add(d)
		case strings.HasPrefix(p, `42["tick",`):
			seq, err := strconv.ParseInt(strings.TrimSuffix(p[len(`42["tick",`):], "]"), 10, 64)
			if err != nil {
				st.fail("bad tick %q", p)
				return
			}
			st.ticks.Add(1)
			switch {
			case lastTick < 0:
			case seq > lastTick+1:
				st.tickGaps.Add(seq - lastTick - 1)
			case seq <= lastTick:
				st.tickReorders.Add(1)
			}
			lastTick = max(lastTick, seq)
		default:
			st.fail("unexpected packet %q", p)
		}
	}

	for broken == "" {
		if !emitting && len(pending) == 0 {
			break
		}
		select {
		case p, ok := <-tr.Recv():
			if !ok {
				broken = "transport ended"
				break
			}
			handle(p)
		case <-emit.C:
			if !emitting {
				continue
			}
			id := nextID
			nextID++
			pending[id] = time.Now()
			st.sent.Add(1)
			if err := tr.Send(fmt.Sprintf(`42%d["msg",%d]`, id, id)); err != nil {
				broken = "emit: " + err.Error()
			}
		case <-ping.C:
			if err := tr.Send("2"); err != nil {
				broken = "ping: " + err.Error()
			}
		case <-lifeEnd.C:
			emitting = false
			drainEnd = time.After(c.cfg.ackTimeout)
		case <-stop:
			stop = nil
			if emitting {
				emitting = false
				drainEnd = time.After(c.cfg.ackTimeout)
			}
		case <-drainEnd:
			broken = fmt.Sprintf("%d acks not received within %v", len(pending), c.cfg.ackTimeout)
		}
	}
	if len(pending) > 0 {
		st.lost.Add(int64(len(pending)))
	}
	if broken != "" {
		st.unexpected.Add(1)
		st.fail("%s session (EIO %d): %s", map[bool]string{true: "websocket", false: "polling"}[c.websocket], c.eio, broken)
		tr.Close(true)
		return
	}
	if c.rng.Float64() < c.cfg.abruptRatio {
		st.abruptCloses.Add(1)
		tr.Close(true)
		return
	}
	st.cleanCloses.Add(1)
	_ = tr.Send("41") // leave the namespace, then close the session
	tr.Close(false)
}
