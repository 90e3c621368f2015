package engineio

import (
	"bufio"
	"errors"
	"net"
	"os"
	"sync"
	"time"
)

// wsInputBufSize is the read buffer of an active WebSocket: big enough for
// the usual small Socket.IO packet and its frame header in one read.
const wsInputBufSize = 512

var wsInputBufs = sync.Pool{New: func() any { return bufio.NewReaderSize(nil, wsInputBufSize) }}

// wsInput is what a WebSocket's frame reader reads: the bytes net/http had
// read past the handshake, then the connection, through a buffer that exists
// only while a reader goroutine does. It also tells an idle connection (no
// bytes for IdleReadRelease) from a busy one, with a read deadline armed once
// per idle period rather than once per read.
//
// Only the connection's current reader goroutine uses a wsInput.
type wsInput struct {
	conn    net.Conn      // the connection itself; writers use it too
	pending []byte        // read by net/http after the handshake; served first
	br      *bufio.Reader // nil while no goroutine reads
	idle    time.Duration // IdleReadRelease; <= 0 never waits for idleness

	armed    bool   // a read deadline is set for idle detection
	waiting  bool   // waitIdle is waiting: a timeout means idle
	reads    uint32 // reads that returned bytes (wraps; only compared)
	armReads uint32 // reads when the deadline was armed
}

// rawInput is the buffer's source. A timeout outside waitIdle means the
// client is merely slow within a message: the deadline moves on and the
// read goes on, so the frame reader never sees idle-detection timeouts.
type rawInput wsInput

func (r *rawInput) Read(p []byte) (int, error) {
	if len(r.pending) > 0 {
		n := copy(p, r.pending)
		r.pending = r.pending[n:]
		if len(r.pending) == 0 {
			r.pending = nil
		}
		return n, nil
	}
	for {
		n, err := r.conn.Read(p)
		if n > 0 {
			r.reads++
		}
		if err != nil && n == 0 && r.armed && !r.waiting && isTimeout(err) {
			r.armReads = r.reads
			_ = r.conn.SetReadDeadline(time.Now().Add(r.idle))
			continue
		}
		return n, err
	}
}

// Read implements io.Reader for the frame reader.
func (in *wsInput) Read(p []byte) (int, error) {
	if in.br == nil {
		in.acquire()
	}
	return in.br.Read(p)
}

func (in *wsInput) acquire() {
	in.br = wsInputBufs.Get().(*bufio.Reader)
	in.br.Reset((*rawInput)(in))
}

// release gives the buffer back; only when nothing is buffered.
func (in *wsInput) release() {
	if in.br == nil {
		return
	}
	in.br.Reset(nil)
	wsInputBufs.Put(in.br)
	in.br = nil
}

// drained reports that every byte received so far has been consumed, so
// the next one can only come from the kernel.
func (in *wsInput) drained() bool {
	return len(in.pending) == 0 && (in.br == nil || in.br.Buffered() == 0)
}

// waitIdle waits, at a message boundary with nothing buffered, for the next
// byte. It returns true once one is buffered or reading failed (the frame
// reader will meet the error), and false when the connection stayed silent
// for the idle period. The deadline is armed once and only re-armed when it
// expires after activity, so a busy connection pays one timer update per
// idle period.
func (in *wsInput) waitIdle() bool {
	if in.br == nil {
		in.acquire()
	}
	if !in.armed {
		in.armed = true
		in.armReads = in.reads
		_ = in.conn.SetReadDeadline(time.Now().Add(in.idle))
	}
	in.waiting = true
	defer func() { in.waiting = false }()
	for {
		_, err := in.br.Peek(1)
		if err == nil || !isTimeout(err) {
			return true
		}
		if in.reads != in.armReads {
			in.armReads = in.reads
			_ = in.conn.SetReadDeadline(time.Now().Add(in.idle))
			continue
		}
		in.disarm()
		return false
	}
}

// disarm clears the idle deadline, before the connection is parked.
func (in *wsInput) disarm() {
	if in.armed {
		in.armed = false
		_ = in.conn.SetReadDeadline(time.Time{})
	}
}

func isTimeout(err error) bool {
	return errors.Is(err, os.ErrDeadlineExceeded)
}
