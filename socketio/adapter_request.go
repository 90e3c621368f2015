package socketio

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// AdapterRequest times one request a cluster adapter makes to the other
// servers (fetchSockets, allRooms, serverSideEmit with acks, ...), for
// [Stats.AdapterRequests] and the metrics built on it. Adapters get one
// from [Namespace.StartAdapterRequest] and end it with Done or TimedOut.
// While the server's counters are off it is empty and both are no-ops: a
// request then costs nothing more.
type AdapterRequest struct {
	st    *Stats
	kind  string
	start time.Time
}

// StartAdapterRequest starts timing a request of kind (Node's name for
// it, e.g. "fetchSockets"; a few constant names per adapter, since each
// kind is kept for the server's life). A cluster adapter calls it in one
// line around each request that waits for other servers:
//
//	req := nsp.StartAdapterRequest("fetchSockets")
//	err := roundTrip(...)
//	req.Done(err)
func (n *Namespace) StartAdapterRequest(kind string) AdapterRequest {
	st := n.server.obs.Counting()
	if st == nil {
		return AdapterRequest{}
	}
	return AdapterRequest{st: st, kind: kind, start: time.Now()}
}

// Done ends the request: nil is a success; an error that matches
// [ErrAckTimeout] or [context.DeadlineExceeded], or whose chain holds an
// error with a Timeout() bool method that says so, is a timeout; any other
// error is a failure.
func (r AdapterRequest) Done(err error) {
	if r.st == nil {
		return
	}
	switch {
	case err == nil:
		r.end(outcomeOK)
	case isTimeout(err):
		r.end(outcomeTimeout)
	default:
		r.end(outcomeError)
	}
}

// TimedOut ends the request as a timeout, for adapters whose timeout error
// Done does not recognise.
func (r AdapterRequest) TimedOut() {
	if r.st != nil {
		r.end(outcomeTimeout)
	}
}

func isTimeout(err error) bool {
	if errors.Is(err, ErrAckTimeout) || errors.Is(err, context.DeadlineExceeded) {
		return true
	}
	var t interface{ Timeout() bool }
	return errors.As(err, &t) && t.Timeout()
}

type outcome int

const (
	outcomeOK outcome = iota
	outcomeError
	outcomeTimeout
)

func (r AdapterRequest) end(o outcome) {
	k := r.st.adapter.kind(r.kind)
	k.outcomes[o].Add(1)
	k.latency.Observe(time.Since(r.start))
}

// AdapterRequestStats counts one kind of adapter request.
type AdapterRequestStats struct {
	// Kind is the name the adapter gave ("fetchSockets", ...), or "other"
	// beyond maxAdapterKinds names.
	Kind string
	// OK, Errors and Timeouts count the requests by how they ended.
	OK, Errors, Timeouts uint64
	// Latency is the time from start to end, whatever the outcome.
	Latency HistogramSnapshot
}

// AdapterRequests returns the counts of each kind of request the
// namespaces' cluster adapters made, sorted by kind. A server with the
// in-memory adapter makes none.
func (st *Stats) AdapterRequests() []AdapterRequestStats {
	return st.adapter.snapshot()
}

// maxAdapterKinds bounds the kinds kept, should an adapter make names up.
const maxAdapterKinds = 32

type adapterRequests struct {
	mu    sync.RWMutex
	kinds map[string]*adapterKind
}

type adapterKind struct {
	outcomes [3]atomic.Uint64 // by outcome
	latency  Histogram
}

func (a *adapterRequests) kind(name string) *adapterKind {
	a.mu.RLock()
	k := a.kinds[name]
	a.mu.RUnlock()
	if k != nil {
		return k
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.kinds == nil {
		a.kinds = make(map[string]*adapterKind)
	}
	if len(a.kinds) >= maxAdapterKinds {
		name = "other"
	}
	if k = a.kinds[name]; k == nil {
		k = new(adapterKind)
		a.kinds[name] = k
	}
	return k
}

func (a *adapterRequests) snapshot() []AdapterRequestStats {
	a.mu.RLock()
	out := make([]AdapterRequestStats, 0, len(a.kinds))
	for name, k := range a.kinds {
		out = append(out, AdapterRequestStats{
			Kind: name, OK: k.outcomes[outcomeOK].Load(), Errors: k.outcomes[outcomeError].Load(),
			Timeouts: k.outcomes[outcomeTimeout].Load(), Latency: k.latency.Snapshot(),
		})
	}
	a.mu.RUnlock()
	slices.SortFunc(out, func(x, y AdapterRequestStats) int { return strings.Compare(x.Kind, y.Kind) })
	return out
}
