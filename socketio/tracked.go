package socketio

import "sync"

// tracked counts the goroutines Close and Shutdown wait for (the sockets'
// inbox runners). A sync.WaitGroup will not do: a runner may start at any
// time, from a cluster adapter's goroutine or a user's Disconnect, even
// while Close waits with none running, and a WaitGroup's Add from zero must
// not race with its Wait.
type tracked struct {
	mu   sync.Mutex
	n    int
	zero chan struct{} // closed when n drops to 0; made by a waiter
}

func (t *tracked) add() {
	t.mu.Lock()
	t.n++
	t.mu.Unlock()
}

func (t *tracked) done() {
	t.mu.Lock()
	t.n--
	if t.n == 0 && t.zero != nil {
		close(t.zero)
		t.zero = nil
	}
	t.mu.Unlock()
}

// idle returns a channel closed once no tracked goroutine runs.
func (t *tracked) idle() <-chan struct{} {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.n == 0 {
		ch := make(chan struct{})
		close(ch)
		return ch
	}
	if t.zero == nil {
		t.zero = make(chan struct{})
	}
	return t.zero
}

// wait returns once no tracked goroutine runs.
func (t *tracked) wait() { <-t.idle() }
