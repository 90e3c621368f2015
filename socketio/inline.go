package socketio

import (
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
// before gosio blocks for an answer, and by a watchdog timer when a handler
// runs longer than inlineStall, whatever it waits for. Events that arrive
// meanwhile queue in the inbox behind the running handler, so a socket's
// events still run one at a time and in order.

// inlineStall is how long a handler may run on the reader before reading
// goes on elsewhere: far above a handler that does not block, and short
// enough that the heartbeat and other sockets of the connection hardly notice.
const inlineStall = 5 * time.Millisecond

// inlineRun tracks the handler running on a client's reader.
type inlineRun struct {
	// seq is odd while a handler runs on the reader. Whoever moves it from
	// an odd value to the next even one (the handler's end, or release)
	// settles that run.
	seq atomic.Uint32
	// stall releases the reader from a handler that runs long; made on the
	// first inline run and reused. Only the reader sets the field.
	stall *time.Timer
}

// runInline runs f on the reader goroutine, which the engine confirmed can
// be released (Session.CanReleaseReader).
func (c *client) runInline(f func()) {
	r := &c.inline
	if r.stall == nil {
		// Made before seq turns odd, so that releaseReader, which reads the
		// field once it sees an odd seq, sees it.
		r.stall = time.AfterFunc(time.Hour, c.releaseReader)
	}
	seq := r.seq.Add(1)
	r.stall.Reset(inlineStall)
	f()
	if r.seq.CompareAndSwap(seq, seq+1) {
		r.stall.Stop()
	}
}

// releaseReader lets the connection go on reading on another goroutine if a
// handler is running on its reader. A late call (from a stall timer that fired
// as its run ended) may release a later run early, which costs a goroutine
// and nothing else.
func (c *client) releaseReader() {
	r := &c.inline
	seq := r.seq.Load()
	if seq&1 == 1 && r.seq.CompareAndSwap(seq, seq+1) {
		// Stopped before the next reader exists, which will reset it.
		r.stall.Stop()
		c.sess.ReleaseReader()
	}
}
