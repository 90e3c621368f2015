package socketio

import (
	"sync"
	"sync/atomic"
	"time"
)

// Handlers run on the connection's reader when they can: a WebSocket's
// reader that reads an event for a socket with nothing queued runs the
// listeners itself, which saves handing the event to the socket's inbox
// goroutine (a wake-up and a context switch per event, the largest cost of a
// request/response exchange after the system calls).
//
// While such a handler runs, the connection reads nothing, so a handler that
// waits for its own client (an EmitWithAck) would wait for ever. The reader
// is therefore handed over to a new goroutine (engineio's ReleaseReader)
// before gosio blocks for an answer, and by the server's stall watch when a
// handler runs longer than inlineStall, whatever it waits for. Events that
// arrive meanwhile queue in the inbox behind the running handler, so a
// socket's events still run one at a time and in order.

// inlineStall is how often the stall watch looks: a handler still running
// after one to two periods has its reader released. Far above a handler that
// does not block, and short enough that the heartbeat and other sockets of
// the connection hardly notice.
const inlineStall = 5 * time.Millisecond

// inlineRun tracks the handler running on a client's reader.
type inlineRun struct {
	// seq is odd while a handler runs on the reader. Whoever moves it from
	// an odd value to the next even one (the handler's end, or a release)
	// settles that run.
	seq atomic.Uint32
	// end is held by a release from its move of seq until the reader is
	// handed over, and by the run's end for its move: a release that won
	// seq must reach the engine while that run's delivery is still the one
	// in progress, not the next message's.
	end sync.Mutex
	// watched is set while the client is on the stall watch's list, so a
	// run costs no lock; the watch clears it when it drops the client.
	watched atomic.Bool
	listed  bool   // on the list; guarded by stallWatch.mu
	seen    uint32 // seq at the watch's previous look; the watch's own
}

// runInline runs f on the reader goroutine, which the engine confirmed can
// be released (Session.CanReleaseReader).
func (c *client) runInline(f func()) {
	r := &c.inline
	seq := r.seq.Add(1)
	if !r.watched.Load() {
		c.srv.stalls.watch(c)
	}
	f()
	r.end.Lock()
	r.seq.CompareAndSwap(seq, seq+1)
	r.end.Unlock()
}

// releaseReader lets the connection go on reading on another goroutine if a
// handler is running on its reader.
func (c *client) releaseReader() {
	if seq := c.inline.seq.Load(); seq&1 == 1 {
		c.releaseRun(seq)
	}
}

// releaseRun releases the reader from run seq, if it still runs.
func (c *client) releaseRun(seq uint32) {
	r := &c.inline
	r.end.Lock()
	defer r.end.Unlock()
	if r.seq.CompareAndSwap(seq, seq+1) {
		if hook := testHookReleasing.Load(); hook != nil {
			(*hook)()
		}
		c.sess.ReleaseReader()
	}
}

// testHookReleasing, when set by a test, runs between a release's move of
// seq and its call to the engine.
var testHookReleasing atomic.Pointer[func()]

// stallWatch finds handlers that have run on their reader for longer than
// inlineStall. Its goroutine exists while some client has run a handler
// inline recently: it looks every inlineStall, drops the clients it finds
// idle, and exits when none is left.
type stallWatch struct {
	mu      sync.Mutex
	clients []*client
	running bool
}

// watch puts c on the list, starting the watch's goroutine if needed.
func (w *stallWatch) watch(c *client) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !c.inline.listed {
		c.inline.listed = true
		w.clients = append(w.clients, c)
	}
	c.inline.watched.Store(true)
	if !w.running {
		w.running = true
		go w.loop()
	}
}

func (w *stallWatch) loop() {
	t := time.NewTicker(inlineStall)
	defer t.Stop()
	var stalled []stalledRun
	for range t.C {
		var more bool
		if stalled, more = w.look(stalled[:0]); !more {
			return
		}
		for _, s := range stalled {
			s.c.releaseRun(s.seq)
		}
		clear(stalled)
	}
}

type stalledRun struct {
	c   *client
	seq uint32
}

// look appends to stalled the runs it saw at its previous look too; more is
// false when no client is left and the goroutine must end.
func (w *stallWatch) look(stalled []stalledRun) (_ []stalledRun, more bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	kept := w.clients[:0]
	for _, c := range w.clients {
		r := &c.inline
		seq := r.seq.Load()
		if seq&1 == 0 {
			// Idle: drop it, unless a run began before it could see that it
			// had to put itself back on the list.
			r.watched.Store(false)
			if seq = r.seq.Load(); seq&1 == 0 {
				r.listed = false
				continue
			}
			r.watched.Store(true)
		}
		if seq == r.seen {
			stalled = append(stalled, stalledRun{c, seq})
		}
		r.seen = seq
		kept = append(kept, c)
	}
	clear(w.clients[len(kept):])
	w.clients = kept
	if len(kept) == 0 {
		w.running = false
		return stalled, false
	}
	return stalled, true
}
