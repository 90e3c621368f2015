package admin

import (
	"sort"
	"sync"
	"time"

	"github.com/gosio/gosio/engineio"
	"github.com/gosio/gosio/socketio"
)

// aggregatedEvent is one of the per-second counts in server_stats, as
// Node's: the UI charts connections, disconnections (by reason) and bytes.
type aggregatedEvent struct {
	Timestamp int64  `json:"timestamp"` // the second's start, in ms
	Type      string `json:"type"`
	SubType   string `json:"subType,omitempty"`
	Count     uint64 `json:"count"`
}

// statsCollector turns the engine's counters into per-second aggregates.
// It is an [engineio.Observer] for the close reasons, which the counters
// do not break down.
type statsCollector struct {
	eng *engineio.Server
	st  *engineio.Stats

	mu     sync.Mutex
	last   [5]uint64      // handshakes, messages in/out, bytes in/out at the last sample
	closes map[string]int // close reasons since the last sample
	events []aggregatedEvent
}

func newStatsCollector(io *socketio.Server) *statsCollector {
	c := &statsCollector{eng: io.Engine(), st: io.Engine().Stats(), closes: make(map[string]int)}
	c.last = c.read()
	return c
}

func (c *statsCollector) read() [5]uint64 {
	st := c.st
	return [5]uint64{st.Handshakes.Load(), st.MessagesIn.Load(), st.MessagesOut.Load(), st.BytesIn.Load(), st.BytesOut.Load()}
}

// maxEvents bounds the aggregates kept between two emissions.
const maxEvents = 1024

// sample records what happened since the last sample as the counts of the
// second that just ended.
func (c *statsCollector) sample(now time.Time) {
	sec := now.Add(-time.Second).Truncate(time.Second).UnixMilli()
	cur := c.read()
	c.mu.Lock()
	defer c.mu.Unlock()
	for i, typ := range [5]string{"rawConnection", "packetsIn", "packetsOut", "bytesIn", "bytesOut"} {
		if d := cur[i] - c.last[i]; d > 0 {
			c.events = append(c.events, aggregatedEvent{Timestamp: sec, Type: typ, Count: d})
		}
	}
	c.last = cur
	reasons := make([]string, 0, len(c.closes))
	for r := range c.closes {
		reasons = append(reasons, r)
	}
	sort.Strings(reasons)
	for _, r := range reasons {
		c.events = append(c.events, aggregatedEvent{Timestamp: sec, Type: "rawDisconnection", SubType: r, Count: uint64(c.closes[r])})
		delete(c.closes, r)
	}
	if n := len(c.events); n > maxEvents {
		c.events = append(c.events[:0], c.events[n-maxEvents:]...)
	}
}

// drain returns the aggregates since the last call.
func (c *statsCollector) drain() []aggregatedEvent {
	c.mu.Lock()
	defer c.mu.Unlock()
	ev := c.events
	c.events = nil
	if ev == nil {
		ev = []aggregatedEvent{}
	}
	return ev
}

// clients returns the open sessions, and those of them on long-polling.
func (c *statsCollector) clients() (all, polling int) {
	for _, sc := range c.eng.SessionCounts() {
		all += sc.Count
		if sc.Transport == engineio.TransportPolling {
			polling += sc.Count
		}
	}
	return all, polling
}

// SessionOpened implements [engineio.Observer]; Stats counts it.
func (c *statsCollector) SessionOpened(*engineio.Session) {}

// SessionUpgraded implements [engineio.Observer]; Stats counts it.
func (c *statsCollector) SessionUpgraded(*engineio.Session) {}

// SessionClosed implements [engineio.Observer].
func (c *statsCollector) SessionClosed(_ *engineio.Session, reason engineio.CloseReason) {
	c.mu.Lock()
	c.closes[string(reason)]++
	c.mu.Unlock()
}
