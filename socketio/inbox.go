package socketio

import "sync"

// inbox runs a socket's work (its connection handler, events, disconnect)
// one item at a time, in arrival order, on a goroutine that exists only while
// there is work. One socket's slow handler therefore delays that socket
// alone, and an idle socket costs no goroutine.
type inbox struct {
	mu      sync.Mutex
	queue   []func()
	running bool
	closed  bool       // the socket is gone: waiting pushes give up
	space   *sync.Cond // signalled when the queue shrinks or closes
}

// push queues f and starts the runner if it is idle. It never blocks.
func (ib *inbox) push(srv *Server, f func()) {
	ib.mu.Lock()
	ib.enqueueLocked(srv, f)
	ib.mu.Unlock()
}

// pushWait queues f once fewer than max items wait, blocking the caller (the
// connection's reader) meanwhile: a client that sends faster than its
// listeners run is slowed down by TCP, not buffered without bound. It
// reports false, dropping f, if the socket closed while waiting.
func (ib *inbox) pushWait(srv *Server, f func(), max int) bool {
	ib.mu.Lock()
	defer ib.mu.Unlock()
	for len(ib.queue) >= max && !ib.closed {
		if ib.space == nil {
			ib.space = sync.NewCond(&ib.mu)
		}
		ib.space.Wait()
	}
	if ib.closed {
		return false
	}
	ib.enqueueLocked(srv, f)
	return true
}

// close wakes blocked pushers; later pushWait calls drop their work. Work
// already queued, and push (used for the disconnect sequence), still runs.
func (ib *inbox) close() {
	ib.mu.Lock()
	ib.closed = true
	if ib.space != nil {
		ib.space.Broadcast()
	}
	ib.mu.Unlock()
}

func (ib *inbox) enqueueLocked(srv *Server, f func()) {
	ib.queue = append(ib.queue, f)
	if !ib.running {
		ib.running = true
		srv.goTracked(ib.run)
	}
}

func (ib *inbox) run() {
	for {
		ib.mu.Lock()
		if len(ib.queue) == 0 {
			ib.running = false
			ib.queue = nil
			ib.mu.Unlock()
			return
		}
		f := ib.queue[0]
		ib.queue[0] = nil
		ib.queue = ib.queue[1:]
		if ib.space != nil {
			ib.space.Signal()
		}
		ib.mu.Unlock()
		f()
	}
}
