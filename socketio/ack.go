package socketio

import (
	"errors"
	"fmt"
	"reflect"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gosio/gosio/parser"
)

// Response is a client's answer to an acknowledged emit.
type Response struct {
	// SocketID is the socket that answered.
	SocketID string
	// Args are the answer's arguments, undecoded.
	Args []parser.RawValue
}

// Decode decodes the answer's arguments, in order, into ptrs. Extra
// arguments are ignored; missing ones leave their pointer untouched.
func (r Response) Decode(ptrs ...any) error {
	for i, p := range ptrs {
		if i >= len(r.Args) {
			break
		}
		if err := r.Args[i].Unmarshal(p); err != nil {
			return fmt.Errorf("socketio: ack argument %d: %w", i, err)
		}
	}
	return nil
}

// Values decodes every argument into a generic Go value (with the JSON
// parser: string, float64, bool, nil, []any, map[string]any, []byte; the
// msgpack parser's are in its package documentation).
func (r Response) Values() ([]any, error) {
	out := make([]any, len(r.Args))
	for i, a := range r.Args {
		if err := a.Unmarshal(&out[i]); err != nil {
			return nil, fmt.Errorf("socketio: ack argument %d: %w", i, err)
		}
	}
	return out, nil
}

// NewResponse builds a Response from plain Go values, for cluster adapters
// that receive answers from other servers.
func NewResponse(socketID string, args []any) (Response, error) {
	raw, err := rawValues(args)
	if err != nil {
		return Response{}, err
	}
	return Response{SocketID: socketID, Args: raw}, nil
}

// rawValues turns Go values into decoded arguments, as if a client had sent
// them, so listeners decode them the usual way. []byte values survive as
// attachments.
func rawValues(args []any) ([]parser.RawValue, error) {
	pkt := &parser.Packet{Type: parser.Event, Namespace: "/", Data: append([]any{""}, args...)}
	frames, err := parser.JSON.Encode(nil, pkt)
	if err != nil {
		return nil, err
	}
	dec := parser.JSON.NewDecoder()
	var out *parser.Packet
	for _, f := range frames {
		if out, err = dec.Add(f.Binary, f.Data); err != nil {
			return nil, err
		}
	}
	raw, _, ok := eventArgs(out)
	if !ok {
		return nil, errors.New("socketio: cannot represent arguments")
	}
	return raw, nil
}

// ackTable holds a socket's callbacks waiting for acknowledgements.
type ackTable struct {
	mu      sync.Mutex
	pending map[uint64]func([]parser.RawValue)
	// gone is closed when the socket disconnects. It is nil until someone
	// waits (done), and closedChan once closed.
	gone chan struct{}
}

// closedChan is every closed ackTable's gone.
var closedChan = func() chan struct{} {
	c := make(chan struct{})
	close(c)
	return c
}()

func (t *ackTable) add(id uint64, fn func([]parser.RawValue), max int) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.gone == closedChan {
		return ErrNotConnected
	}
	if max > 0 && len(t.pending) >= max {
		return ErrTooManyPendingAcks
	}
	if t.pending == nil {
		t.pending = make(map[uint64]func([]parser.RawValue))
	}
	t.pending[id] = fn
	return nil
}

func (t *ackTable) take(id uint64) func([]parser.RawValue) {
	t.mu.Lock()
	defer t.mu.Unlock()
	fn := t.pending[id]
	delete(t.pending, id)
	return fn
}

// done returns a channel closed when the socket disconnects: an
// EmitWithAck waits on it. It is closed at once, not after the socket's
// queued work: that may be the very handler that waits.
func (t *ackTable) done() <-chan struct{} {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.gone == nil {
		t.gone = make(chan struct{})
	}
	return t.gone
}

// close drops every pending callback and wakes their waiters.
func (t *ackTable) close() {
	t.mu.Lock()
	if t.gone != nil && t.gone != closedChan {
		close(t.gone)
	}
	t.gone = closedChan
	t.pending = nil
	t.mu.Unlock()
}

// newAck returns the Ack a handler calls to answer packet id; it sends once.
func (s *Socket) newAck(id uint64, requested bool) Ack {
	if !requested {
		return func(...any) error { return nil }
	}
	if st := s.nsp.server.obs.Counting(); st != nil {
		return (&timedAckReply{ackReply: ackReply{s: s, id: id}, st: st, start: time.Now()}).send
	}
	return (&ackReply{s: s, id: id}).send
}

// timedAckReply is an ackReply timed for [Stats.AckReply], made only while
// the server counts: ackReply keeps its size class.
type timedAckReply struct {
	ackReply
	st    *Stats
	start time.Time
}

func (t *timedAckReply) send(args ...any) error {
	err := t.ackReply.send(args...)
	if err != ErrAlreadyAcked {
		t.st.AckReply.Observe(time.Since(t.start))
	}
	return err
}

// ackReply is the state of one requested acknowledgement.
type ackReply struct {
	s    *Socket
	id   uint64
	done atomic.Bool
	// args holds the answer while it is sent: a packet's Data can point to
	// it, where the slice itself would be copied to the heap.
	args []any
}

func (a *ackReply) send(args ...any) error {
	if !a.done.CompareAndSwap(false, true) {
		return ErrAlreadyAcked
	}
	if args == nil {
		args = []any{}
	}
	a.args = args
	err := a.s.sendAck(a.id, &a.args)
	a.args = nil // not kept for as long as the handler keeps its Ack
	return err
}

// jsonCodecType is the type of the parser's JSON codecs, which write a
// *[]any as the slice.
var jsonCodecType = reflect.TypeOf(parser.JSON)

// sendAck answers packet id with *args. Once the socket is connected (its
// packets are no longer held) the packet goes straight to the client's ack
// path, which keeps it on the stack, and with a JSON codec its Data points
// to args, which saves boxing the slice; otherwise it takes the general one.
func (s *Socket) sendAck(id uint64, args *[]any) error {
	s.outMu.Lock()
	holding := s.holding
	s.outMu.Unlock()
	if _, text := s.nsp.server.opts.Parser.(parser.TextAppender); text && !holding { // it never holds again once it has stopped
		var data any = args
		if reflect.TypeOf(s.nsp.server.opts.Parser) != jsonCodecType {
			data = *args // what Packet documents for an ACK, for codecs of others
		}
		pkt := parser.Packet{Type: parser.Ack, Namespace: s.nsp.name, ID: id, HasID: true, Data: data}
		if sent, err := s.client.sendAckNow(pkt); sent || err != nil {
			return err
		}
	}
	return s.send(&parser.Packet{Type: parser.Ack, Namespace: s.nsp.name, ID: id, HasID: true, Data: *args}, false, true)
}
