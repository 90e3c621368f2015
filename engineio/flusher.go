package engineio

import (
	"runtime"
	"sync"
	"sync/atomic"
)

// flusher writes the queues of WebSockets that were idle when something was
// queued for them, with a few goroutines for the whole server instead of one
// started per connection and per burst. A broadcast to a thousand quiet
// connections would otherwise start and end a thousand goroutines, which
// costs about as much CPU as the thousand writes' share outside the kernel.
//
// A flusher's write never blocks: a socket that does not take everything
// gets its own writer goroutine (drain) for the rest, which waits for room.
// Each connection's frames still go out in order, with one vectored write
// for what its queue holds, because a session has one writer at a time
// (s.writing) whichever goroutine that is.
type flusher struct {
	srv *Server
	max int // at most this many goroutines; GOMAXPROCS when made

	work func() // f.run, made once: starting a goroutine allocates nothing

	mu      sync.Mutex
	queue   []*Session // sessions whose writer role the flusher holds
	head    int        // queue[head:] is still to do
	workers int
}

func newFlusher(srv *Server) *flusher {
	f := &flusher{srv: srv, max: runtime.GOMAXPROCS(0)}
	f.work = f.run
	return f
}

// push hands s's writer role to the flusher. s.mu is held and the session
// is open, so the goroutine started here is counted before Close waits.
func (f *flusher) push(s *Session) {
	f.mu.Lock()
	f.queue = append(f.queue, s)
	start := f.workers < f.max
	if start {
		f.workers++
	}
	f.mu.Unlock()
	if start {
		f.srv.wg.Add(1)
		go f.work()
	}
}

// run flushes sessions until none is waiting, then ends.
func (f *flusher) run() {
	defer f.srv.wg.Done()
	for {
		f.mu.Lock()
		if f.head == len(f.queue) {
			// Done entries are nil already. The array stays for the next
			// burst: at 8 bytes per session that waited, it is small next
			// to the sessions, and a broadcast does not regrow it.
			f.workers--
			f.queue, f.head = f.queue[:0], 0
			f.mu.Unlock()
			return
		}
		s := f.queue[f.head]
		f.queue[f.head] = nil
		f.head++
		f.mu.Unlock()
		s.flushOnce()
	}
}

// testHookFlushing, when set by a test, runs while a flusher holds a
// session's batch, before writing it.
var testHookFlushing atomic.Pointer[func(*Session)]

// testHookFlushedPart, when set by a test, runs when the socket took only
// part of a flusher's batch, before the flusher hands the rest over.
var testHookFlushedPart atomic.Pointer[func(*Session)]

// flushOnce writes what s's queue holds, as the writer the flusher was made
// by wakeLocked, and gives the role back: to nobody when all was written
// and nothing more came, to the flusher again when more came meanwhile, or
// to a writer goroutine of its own when the socket is full.
func (s *Session) flushOnce() {
	s.mu.Lock()
	c := s.ws
	if c == nil || len(s.queue) == 0 || s.state != stateOpen {
		if c != nil && len(s.queue) > 0 && s.state == stateClosing {
			// The close packet is queued: the writer goroutine sends it
			// and ends the session once it is out.
			c.startDrain(s)
		} else {
			s.writing = false
		}
		s.mu.Unlock()
		return
	}
	batch := s.takeQueueLocked()
	s.mu.Unlock()
	if hook := testHookFlushing.Load(); hook != nil {
		(*hook)(s)
	}

	bufs := c.bufs[:0]
	for i := range batch {
		bufs = c.appendFrames(bufs, s, &batch[i])
	}
	rest := bufs
	_, err := c.tryWritev(&rest)
	var front []outPacket // what the socket did not take
	if err == nil && len(rest) > 0 {
		front = make([]outPacket, len(rest))
		for i, b := range rest {
			front[i] = outPacket{raw: b}
		}
	}
	if hook := testHookFlushedPart.Load(); hook != nil && front != nil {
		(*hook)(s)
	}
	clear(batch) // as in drain: the array stays as the queue's spare
	clear(bufs)
	if cap(bufs) > keptBatch {
		bufs = nil
	}
	c.bufs = bufs

	s.mu.Lock()
	switch {
	case err != nil:
		s.writing = false
	case front != nil:
		// The socket is full: the rest goes first, by a goroutine that waits.
		s.queue = append(front, s.queue...)
		c.startDrain(s)
	case len(s.queue) > 0 && s.state != stateClosed:
		s.srv.flush.push(s)
	default:
		s.writing = false
		s.shrinkLocked()
	}
	s.mu.Unlock()
	if err != nil {
		s.finish(ReasonTransportError, err)
	}
}
