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
	queue   []func()
	space   chan struct{} // closed when the queue shrinks or closes; made by a waiting push
	running bool
	closed  bool // the socket is gone: waiting pushes give up
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

// push queues f and starts the runner if it is idle. It never blocks.
func (ib *inbox) push(srv *Server, f func()) {
	ib.mu.Lock()
	ib.enqueueLocked(srv, f)
	ib.mu.Unlock()
}

// pushWait queues f once fewer than max items wait, blocking the caller (the
// connection's reader) meanwhile: a client that sends faster than its
// listeners run is slowed down by TCP, not buffered without bound. It
// reports false, dropping f, if the socket closed or the session ended while
// waiting. The session's end must be watched here: the engine runs OnClose,
// which closes the socket, only after the delivery that waits has returned.
func (ib *inbox) pushWait(srv *Server, f func(), max int, sess *engineio.Session) bool {
	ib.mu.Lock()
	defer ib.mu.Unlock()
	for len(ib.queue) >= max && !ib.closed {
		if ib.space == nil {
			ib.space = make(chan struct{})
		}
		space := ib.space
		ib.mu.Unlock()
		select {
		case <-space:
		case <-sess.Done():
			ib.mu.Lock()
			return false
		}
		ib.mu.Lock()
	}
	if ib.closed {
		return false
	}
	ib.enqueueLocked(srv, f)
	return true
}

// spaceLocked wakes a push waiting for room.
func (ib *inbox) spaceLocked() {
	if ib.space != nil {
		close(ib.space)
		ib.space = nil
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

// close wakes blocked pushers; later pushWait calls drop their work. Work
// already queued, and push (used for the disconnect sequence), still runs.
func (ib *inbox) close() {
	ib.mu.Lock()
	ib.closed = true
	ib.spaceLocked()
	ib.mu.Unlock()
}

func (ib *inbox) enqueueLocked(srv *Server, f func()) {
	ib.queue = append(ib.queue, f)
	if !ib.inline {
		ib.wakeLocked(srv)
	}
}

// wakeLocked starts the runner, or wakes it if it lingers.
func (ib *inbox) wakeLocked(srv *Server) {
	switch {
	case !ib.running:
		ib.running = true
		srv.goTracked(ib.run)
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

func (ib *inbox) run() {
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
		f := ib.queue[0]
		n := copy(ib.queue, ib.queue[1:])
		ib.queue[n] = nil
		ib.queue = ib.queue[:n]
		ib.spaceLocked()
		ib.mu.Unlock()
		f()
	}
}
