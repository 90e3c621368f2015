package socketio

import (
	"sync"
	"time"

	"github.com/gosio/gosio/engineio"
)

// inbox runs a socket's work (its connection handler, events, disconnect)
// one item at a time, in arrival order, on a goroutine that exists only while
// there is work. One socket's slow handler therefore delays that socket
// alone, and an idle socket costs no goroutine.
type inbox struct {
	mu      sync.Mutex
	queue   []inboxItem
	bytes   int64  // the queued events' sizes
	taken   uint32 // items the runner has taken: its progress, for pushEvent
	running bool
	closed  bool // the socket is gone: its events are dropped
	// inline is set while the connection's reader runs an item itself
	// (claim): work queued meanwhile waits for it, even if a runner lingers.
	inline bool

	// The runner lingers briefly once the queue is empty: a client in a
	// request/response exchange sends its next event within a round trip,
	// and reusing the runner (and its grown stack) is much cheaper than
	// starting a goroutine per event. An idle socket still has none.
	idle  bool       // the runner is lingering
	waker *lingerKit // the running runner's, from lingerKits
}

// linger is how long an idle runner waits for more work before it exits:
// longer than a round trip under load (at 2ms, most echo requests started a
// runner and grew its stack again), and the engine's default idle read
// release, so a quiet socket keeps neither goroutine for long.
const linger = 20 * time.Millisecond

// lingerKit is what a lingering runner waits on. Only a runner needs one, so
// it goes back to lingerKits when the runner exits: an idle socket keeps no
// timer, and busy ones reuse kits rather than allocate.
type lingerKit struct {
	wake  chan struct{} // wakes a lingering runner
	timer *time.Timer   // bounds the linger
}

var lingerKits = sync.Pool{New: func() any {
	t := time.NewTimer(linger)
	t.Stop()
	return &lingerKit{wake: make(chan struct{}, 1), timer: t}
}}

// inboxItem is one piece of a socket's work. size is the bytes of the
// received event it runs, counted in the socket's and the server's pending
// bytes while it waits; 0 for other work.
type inboxItem struct {
	f    func()
	size int64
}

// push queues f and starts the runner if it is idle. It never blocks.
func (ib *inbox) push(srv *Server, f func()) {
	ib.mu.Lock()
	ib.enqueueLocked(srv, inboxItem{f: f})
	ib.mu.Unlock()
}

// pushResult is what pushEvent did with an event.
type pushResult int

const (
	pushed  pushResult = iota
	dropped            // the socket is closed
	refused            // over Limits' pending bounds: the caller applies the policy
)

// pendingStall is how long pushEvent waits for a socket's listeners to take
// one of its queued events before it refuses an event over the socket's
// bounds: listeners that work slow their client down (TCP back-pressure, as
// a polling client sending a burst needs), a listener that is stuck does
// not stop the connection's reading for longer than this.
const pendingStall = 250 * time.Millisecond

// pendingPoll is how often a waiting pushEvent looks for room: the queue is
// long then, so a runner that works frees some within this.
const pendingPoll = time.Millisecond

// pushEvent queues f, which runs a received event of size bytes. An event
// over the socket's bounds (Limits.MaxPendingEvents, MaxPendingEventBytes)
// waits for room while the socket's listeners take queued events, and is
// refused once they have taken none for pendingStall; an event over the
// server's MaxPendingEventBytesTotal is refused at once. An event that finds
// nothing waiting is always taken, so that one message of the largest size
// the engine accepts fits whatever the bounds. It drops the event if the
// socket is closed, or the session ends while it waits: the engine runs
// OnClose, which closes the socket, only after the delivery that waits has
// returned.
func (ib *inbox) pushEvent(srv *Server, f func(), size int64, sess *engineio.Session) pushResult {
	lim := &srv.opts.Limits
	ib.mu.Lock()
	defer ib.mu.Unlock()
	var t *time.Timer
	var done <-chan struct{}
	var since time.Time
	var seen uint32
	for {
		if ib.closed {
			return dropped
		}
		n := len(ib.queue)
		if n == 0 {
			break
		}
		if srv.pendingBytes.Load()+size > lim.MaxPendingEventBytesTotal {
			return refused
		}
		if n < lim.MaxPendingEvents && ib.bytes+size <= lim.MaxPendingEventBytes {
			break
		}
		now := time.Now()
		switch {
		case t == nil:
			t = time.NewTimer(pendingPoll)
			defer t.Stop()
			since, seen = now, ib.taken
		case ib.taken != seen:
			since, seen = now, ib.taken
			t.Reset(pendingPoll)
		case now.Sub(since) >= pendingStall:
			return refused
		default:
			t.Reset(pendingPoll)
		}
		ib.mu.Unlock()
		if done == nil {
			done = sess.Done() // not under ib.mu: it takes the session's lock
		}
		select {
		case <-t.C:
		case <-done:
			ib.mu.Lock()
			return dropped
		}
		ib.mu.Lock()
	}
	ib.bytes += size
	srv.pendingBytes.Add(size)
	ib.enqueueLocked(srv, inboxItem{f: f, size: size})
	return pushed
}

// pending returns how many items and event bytes wait.
func (ib *inbox) pending() (items int, bytes int64) {
	ib.mu.Lock()
	defer ib.mu.Unlock()
	return len(ib.queue), ib.bytes
}

// takenLocked uncounts an item leaving the queue.
func (ib *inbox) takenLocked(srv *Server, it inboxItem) {
	if it.size != 0 {
		ib.bytes -= it.size
		srv.pendingBytes.Add(-it.size)
	}
}

// claim lets the caller run one item itself, if nothing is queued or
// running (a lingering runner is fine) and the socket is open. unclaim ends
// that.
func (ib *inbox) claim() bool {
	ib.mu.Lock()
	defer ib.mu.Unlock()
	if ib.inline || len(ib.queue) > 0 || ib.closed || (ib.running && !ib.idle) {
		return false
	}
	ib.inline = true
	return true
}

// unclaim ends what claim began and hands the work queued meanwhile to a
// runner.
func (ib *inbox) unclaim(srv *Server) {
	ib.mu.Lock()
	ib.inline = false
	if len(ib.queue) > 0 {
		ib.wakeLocked(srv)
	}
	ib.mu.Unlock()
}

// close drops the queued events at once, freeing what they hold (they
// would only find the socket gone), even while a listener of the socket is
// stuck; later events are dropped. Other work (the connection and
// disconnect sequences, which close may race with) stays, and push still
// queues more: it runs once the running item, if any, returns.
func (ib *inbox) close(srv *Server) {
	ib.mu.Lock()
	ib.closed = true
	kept := ib.queue[:0]
	for _, it := range ib.queue {
		if it.size == 0 {
			kept = append(kept, it)
		} else {
			ib.takenLocked(srv, it)
		}
	}
	clear(ib.queue[len(kept):])
	ib.queue = kept
	ib.mu.Unlock()
}

func (ib *inbox) enqueueLocked(srv *Server, it inboxItem) {
	ib.queue = append(ib.queue, it)
	if !ib.inline {
		ib.wakeLocked(srv)
	}
}

// wakeLocked starts the runner, or wakes it if it lingers.
func (ib *inbox) wakeLocked(srv *Server) {
	switch {
	case !ib.running:
		ib.running = true
		srv.goTracked(func() { ib.run(srv) })
	case ib.idle:
		ib.idle = false
		ib.waker.wake <- struct{}{} // capacity 1, and only the lingering runner drains it
	}
}

// waitLocked lingers for more work with ib.mu held on entry and on return;
// it reports whether work arrived.
func (ib *inbox) waitLocked() bool {
	if ib.waker == nil {
		ib.waker = lingerKits.Get().(*lingerKit)
	}
	k := ib.waker
	k.timer.Reset(linger)
	ib.idle = true
	ib.mu.Unlock()
	woken := false
	select {
	case <-k.wake:
		woken = true
	case <-k.timer.C:
	}
	k.timer.Stop() // with Go 1.23 timers, no stale tick is left to receive
	ib.mu.Lock()
	if !woken && !ib.idle { // a push raced with the timer: take its wake-up
		<-k.wake
	}
	ib.idle = false
	return len(ib.queue) > 0 && !ib.inline
}

func (ib *inbox) run(srv *Server) {
	for {
		ib.mu.Lock()
		if (len(ib.queue) == 0 || ib.inline) && !ib.waitLocked() {
			ib.running = false
			if len(ib.queue) == 0 { // else queued behind an inline item: unclaim starts a runner
				ib.queue = nil
			}
			if ib.waker != nil { // its wake channel is empty: no push saw idle
				lingerKits.Put(ib.waker)
				ib.waker = nil
			}
			ib.mu.Unlock()
			return
		}
		// Shift rather than reslice, so that the array is reused while the
		// runner runs (the queue is short: Limits.MaxPendingEvents).
		it := ib.queue[0]
		n := copy(ib.queue, ib.queue[1:])
		ib.queue[n] = inboxItem{}
		ib.queue = ib.queue[:n]
		ib.takenLocked(srv, it)
		ib.taken++
		ib.mu.Unlock()
		it.f()
	}
}
