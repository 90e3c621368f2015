//go:build linux

package engineio

import (
	"net"
	"sync"
	"syscall"
	"unsafe"
)

// isPlainSocket reports whether conn is a bare socket, whose bytes all wait
// in the kernel, so that its descriptor may be watched and written directly
// (a TLS connection, for one, holds bytes the descriptor does not show).
func isPlainSocket(conn net.Conn) bool {
	switch conn.(type) {
	case *net.TCPConn, *net.UnixConn:
		return true
	}
	return false
}

// rawWritev is one non-blocking vectored write; pooled, so that passing its
// method to RawConn.Control allocates nothing per call.
type rawWritev struct {
	bufs net.Buffers
	one  [1][]byte // bufs for a single buffer, without allocating a vector
	iov  []syscall.Iovec
	n    int // bytes written
	err  error
	fn   func(fd uintptr)
}

// maxIovecs is Linux's IOV_MAX: one writev takes at most this many buffers.
const maxIovecs = 1024

var rawWritevs = sync.Pool{New: func() any {
	w := &rawWritev{}
	w.fn = w.write
	return w
}}

// write runs in RawConn.Control, which holds the descriptor open but, unlike
// RawConn.Write, neither takes its write lock nor resets its poll state: in a
// broadcast that reset touches a cold cache line per socket and cost about
// 2 % of a server's CPU (perf, bench/RESULTS.md "Scheduler wake-ups"). This
// write never waits for the poller, and writers are serialised already (one
// writer role per session, and c.writeMu); a socket that does not take
// everything goes to the drain goroutine, whose conn.Write waits.
//
// The system call is raw, without the runtime's syscall bookkeeping: a
// non-blocking writev does not block, so handing the P to another thread
// while it runs (what sysmon does for a system call that spans its 20 µs
// tick when goroutines are queued) buys nothing and costs futex wake-ups.
// A round copies at most what the socket's buffers take: a few megabytes,
// a few milliseconds for the largest batches, less than the 10 ms a
// goroutine may run before the scheduler preempts it.
func (w *rawWritev) write(fd uintptr) {
	for w.bufs = consumed(w.bufs, 0); len(w.bufs) > 0; {
		w.iov = w.iov[:0]
		for _, b := range w.bufs {
			if len(w.iov) == maxIovecs {
				break
			}
			if len(b) > 0 {
				v := syscall.Iovec{Base: &b[0]}
				v.SetLen(len(b))
				w.iov = append(w.iov, v)
			}
		}
		// The iovec array is handed to the kernel as a pointer, as the
		// standard library's own writev does.
		m, _, errno := syscall.RawSyscall(syscall.SYS_WRITEV, fd, uintptr(unsafe.Pointer(&w.iov[0])), uintptr(len(w.iov)))
		switch {
		case errno == syscall.EINTR:
			continue
		case errno == syscall.EAGAIN:
			return // the socket is full: the caller hands over the rest
		case errno != 0:
			w.err = errno
			return
		case m == 0:
			return // took nothing without saying why: the writer goroutine retries
		}
		w.n += int(m)
		w.bufs = consumed(w.bufs, int(m))
	}
}

// tryWrite writes b to c's socket as far as it takes it without blocking.
func (c *wsConn) tryWrite(b []byte) (int, error) {
	w := rawWritevs.Get().(*rawWritev)
	w.one[0] = b
	w.bufs = w.one[:]
	n, err := c.writeRaw(w)
	w.put()
	return n, err
}

// tryWritev writes bufs to c's socket as far as it takes them without
// blocking; bufs is consumed as net.Buffers.WriteTo would, so what is left
// in it is what the socket did not take.
func (c *wsConn) tryWritev(bufs *net.Buffers) (int, error) {
	w := rawWritevs.Get().(*rawWritev)
	w.bufs = *bufs
	n, err := c.writeRaw(w)
	*bufs = w.bufs
	w.put()
	return n, err
}

// writeRaw runs w's write on c's socket; w.bufs keeps what was not taken.
func (c *wsConn) writeRaw(w *rawWritev) (int, error) {
	w.n, w.err = 0, nil
	c.writeMu.Lock()
	err := c.raw.Control(w.fn)
	// What the socket did not take goes to the writer goroutine, maybe
	// from the middle of a frame.
	c.midFrame = len(w.bufs) > 0
	c.writeMu.Unlock()
	if err == nil {
		err = w.err
	}
	return w.n, err
}

// put returns w to the pool holding no caller's bytes.
func (w *rawWritev) put() {
	w.bufs, w.err, w.one[0] = nil, nil, nil
	clear(w.iov)
	rawWritevs.Put(w)
}

// consumed drops the first n bytes from bufs.
func consumed(bufs net.Buffers, n int) net.Buffers {
	for len(bufs) > 0 && n >= len(bufs[0]) {
		n -= len(bufs[0])
		bufs[0] = nil
		bufs = bufs[1:]
	}
	if len(bufs) > 0 {
		bufs[0] = bufs[0][n:]
	}
	return bufs
}
