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
}

// push queues f and starts the runner if it is idle.
func (ib *inbox) push(srv *Server, f func()) {
	ib.mu.Lock()
	ib.queue = append(ib.queue, f)
	if ib.running {
		ib.mu.Unlock()
		return
	}
	ib.running = true
	ib.mu.Unlock()
	srv.goTracked(ib.run)
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
		ib.mu.Unlock()
		f()
	}
}
