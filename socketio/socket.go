package socketio

import (
	"context"
	"reflect"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gosio/gosio/parser"
)

// Socket is one client's connection to one namespace. Its methods are safe
// for concurrent use. Its event handlers run one at a time, in the order the
// client sent the events (see the package documentation).
type Socket struct {
	// An idle socket is mostly this struct: fields needed by few sockets
	// (recovery, rate limiting, catch-all listeners) live behind pointers
	// made on first use, and the bools share a word with the atomics.

	// What a broadcast touches comes first, in one cache line. While the
	// connection handlers run, outgoing packets are held (see
	// Namespace.runConnect).
	client    *client
	outMu     sync.Mutex
	holding   bool // guarded by outMu
	recovered bool
	gone      bool // guarded by outMu: the client left while packets were held
	connected atomic.Bool
	ended     atomic.Bool   // the socket is gone: a context made now starts cancelled
	held      *[]heldPacket // made by hold: few sockets ever hold
	id        string
	nsp       *Namespace

	// The Handshake is built when first asked for, from these and the
	// engine's copy of the request.
	handshake atomic.Pointer[Handshake]
	auth      *connectAuth // the namespace connect payload; nil when empty
	issued    int64        // connection time, in Unix nanoseconds
	// rec is the socket's connection state recovery, when that is on.
	rec  *socketRecovery
	data atomic.Pointer[any]
	// The context is made when first asked for (Context, EmitWithAck):
	// most sockets never need one.
	ctx atomic.Pointer[socketContext]

	lmu sync.RWMutex
	// listeners holds the listeners of every event, in registration order:
	// a socket has a few, and one slice of values costs much less than a
	// map of slices. Removal copies it, so a reader may keep using the
	// slice it read under lmu.
	listeners []listener
	hooks     *socketHooks // made on first use; guarded by lmu

	acks  ackTable
	inbox inbox
	rate  *tokenBucket // made on the first event when Limits.EventRate is set
}

// socketHooks are a socket's catch-all listeners and packet middlewares.
// Like listeners, the slices are replaced, never changed below their length,
// so a reader may keep using what it read under lmu.
type socketHooks struct {
	anyIn       []func(event string, args ...any)
	anyOut      []func(event string, args ...any)
	middlewares []func(*Event) error
	// closingRooms are the rooms the socket was in when it closed, which
	// Rooms shows to its "disconnecting" listeners: it leaves the
	// adapter's rooms at once, and those listeners may run much later.
	// Kept here rather than in Socket, whose size class it would change.
	closingRooms *[]string
	anyRaw       []func(*RawEvent) // see OnAnyRaw
	// outCounted says this socket is counted in its namespace's
	// outListening: it has outgoing catch-all listeners and is not closed.
	outCounted bool
}

// hooksLocked returns s.hooks, making it; s.lmu must be held for writing.
func (s *Socket) hooksLocked() *socketHooks {
	if s.hooks == nil {
		s.hooks = &socketHooks{}
	}
	return s.hooks
}

// heldPacket is an encoded packet held until CONNECT is sent. It is held
// encoded, not as the caller's values: once Emit has returned, the caller
// may change what it passed.
type heldPacket struct {
	enc      *encoded
	volatile bool
}

// send queues a packet of this socket for its client. It encodes pkt (or
// writes it) before returning, so that the caller owns pkt's data again.
func (s *Socket) send(pkt *parser.Packet, volatile, compress bool) error {
	s.outMu.Lock()
	if s.holding {
		s.outMu.Unlock()
		e, err := s.nsp.server.encode(pkt, compress)
		if err != nil {
			return err
		}
		s.outMu.Lock()
		if s.holding { // still: CONNECT has not gone out meanwhile
			if !s.gone {
				*s.held = append(*s.held, heldPacket{enc: e, volatile: volatile})
			}
			s.outMu.Unlock()
			return nil
		}
		s.outMu.Unlock()
		return s.sendHeldLater(e, volatile, eventName(pkt))
	}
	s.outMu.Unlock()
	err := s.client.sendPacketFlags(pkt, volatile, compress)
	if err != nil {
		s.noteSendError(err, eventName(pkt))
		if err == errVolatileDropped {
			err = nil // volatile: dropping is what was asked for
		}
	}
	return err
}

// sendHeldLater queues e, encoded for a held packet, when the socket
// stopped holding while it was encoded.
func (s *Socket) sendHeldLater(e *encoded, volatile bool, event string) error {
	err := s.client.sendEncoded(e, volatile)
	if err != nil {
		s.noteSendError(err, event)
		if err == errVolatileDropped {
			return nil
		}
		return sendError(err)
	}
	return nil
}

// sendEncoded queues a broadcast packet encoded once for many sockets; it
// reports whether it was queued.
func (s *Socket) sendEncoded(e *encoded, volatile bool) bool {
	s.outMu.Lock()
	if s.holding {
		if !s.gone {
			*s.held = append(*s.held, heldPacket{enc: e, volatile: volatile})
		}
		s.outMu.Unlock()
		return true
	}
	s.outMu.Unlock()
	if err := s.client.sendEncoded(e, volatile); err != nil {
		s.noteSendError(err, e.event)
		return false
	}
	return true
}

func (s *Socket) hold() {
	s.outMu.Lock()
	s.holding = true
	if s.held == nil {
		s.held = new([]heldPacket)
	}
	s.outMu.Unlock()
}

// dropHeld is for a client that left its namespace while the connection
// handlers run: it sends it neither CONNECT nor what was held for it.
func (s *Socket) dropHeld() {
	s.outMu.Lock()
	if s.holding {
		s.gone = true
		*s.held = nil
	}
	s.outMu.Unlock()
}

// sendConnect sends CONNECT, then the packets held while the connection
// handlers run, in one contiguous Send, and stops holding. It does nothing
// when the socket is not holding: CONNECT went out already, or the handlers
// have yet to start; nor once its client has left (dropHeld).
func (s *Socket) sendConnect() {
	s.outMu.Lock()
	defer s.outMu.Unlock()
	if !s.holding || s.gone {
		return
	}
	s.holding = false
	var data any
	if s.client.sess.Protocol() != 3 {
		data = connectAck(s.id, s.rec.privateID())
	}
	first := &parser.Packet{Type: parser.Connect, Namespace: s.nsp.name, Data: data}
	var held []heldPacket
	if s.held != nil {
		held = *s.held
	}
	s.held = nil
	e, err := s.nsp.server.encode(first, true)
	if err != nil {
		s.nsp.server.opts.Logger.Error("socketio: encoding", "nsp", s.nsp.name, "socket", s.id, "sid", s.client.sess.ID(), "err", err)
		return
	}
	msgs := e.msgs
	for _, h := range held {
		msgs = append(msgs, h.enc.msgs...)
	}
	if err := s.client.sess.Send(msgs...); err != nil {
		s.noteSendError(err, "")
	}
}

type listener struct {
	event string
	h     handlerFunc
	once  bool
	// onceID tells a once-listener from another registration of the same
	// function, for its removal: listeners are values in the socket's
	// slice, so this stands in for a pointer. Two once-listeners of a
	// socket share an id only if 2³² Once calls came between them.
	onceID uint32
}

// onceIDs numbers Once registrations.
var onceIDs atomic.Uint32

// Event is an incoming event as packet middlewares see it.
type Event struct {
	// Name is the event name.
	Name string
	// Args are the arguments, undecoded.
	Args []parser.RawValue
}

// Decode decodes the event's arguments, in order, into ptrs.
func (e *Event) Decode(ptrs ...any) error {
	return Response{Args: e.Args}.Decode(ptrs...)
}

// ID returns the socket id. For protocol 5 clients it is random and
// distinct from the engine session id; for protocol 4 (socket.io-client 2.x)
// it is the one that client computes ("/nsp#" + engine id).
func (s *Socket) ID() string { return s.id }

// Namespace returns the socket's namespace.
func (s *Socket) Namespace() *Namespace { return s.nsp }

// Handshake returns the details of the connection request. It is the same
// value on every call.
func (s *Socket) Handshake() *Handshake {
	if h := s.handshake.Load(); h != nil {
		return h
	}
	s.handshake.CompareAndSwap(nil, s.buildHandshake(""))
	return s.handshake.Load()
}

// Data returns the value stored with SetData, or nil. Like Node's
// socket.data, it travels with FetchSockets and connection state recovery.
func (s *Socket) Data() any {
	if p := s.data.Load(); p != nil {
		return *p
	}
	return nil
}

// SetData stores per-socket application state. Safe for concurrent use; the
// value itself should not be mutated after it is stored: store a new one,
// which the server's [DataObserver]s (the Admin UI's) are told of once the
// socket is connected.
func (s *Socket) SetData(v any) {
	s.data.Store(&v)
	if s.connected.Load() {
		s.nsp.server.notifyDataSet(s)
	}
}

// Connected reports whether the socket is connected.
func (s *Socket) Connected() bool { return s.connected.Load() }

// Recovered reports whether the socket was restored by connection state
// recovery (same id, rooms and data as before the connection was lost).
func (s *Socket) Recovered() bool { return s.recovered }

// Context returns a context that is cancelled when the socket disconnects.
func (s *Socket) Context() context.Context {
	if c := s.ctx.Load(); c != nil {
		return c.ctx
	}
	c := &socketContext{}
	c.ctx, c.cancel = context.WithCancel(context.Background())
	if !s.ctx.CompareAndSwap(nil, c) {
		c.cancel()
		return s.ctx.Load().ctx
	}
	if s.ended.Load() { // endContext may have looked before c was stored
		c.cancel()
	}
	return c.ctx
}

type socketContext struct {
	ctx    context.Context
	cancel context.CancelFunc
}

// endContext cancels the socket's context, now or as soon as it is made.
func (s *Socket) endContext() {
	s.ended.Store(true)
	s.lmu.Lock()
	if h := s.hooks; h != nil {
		s.countOutLocked(h) // no broadcast reaches it any more
	}
	s.lmu.Unlock()
	if c := s.ctx.Load(); c != nil {
		c.cancel()
	}
}

// Transport returns the name of the transport in use ("polling" or
// "websocket").
func (s *Socket) Transport() string { return s.client.sess.Transport() }

// QueueLen returns how many packets and payload bytes wait to be written to
// the socket's connection (shared by the connection's namespaces): how far
// behind the client is. See engineio.Options.MaxQueuedMessages and
// MaxQueuedBytes for the bounds and the policy when they are reached.
func (s *Socket) QueueLen() (packets int, bytes int64) { return s.client.sess.QueueLen() }

// Rooms returns the rooms the socket is in, its own id room included. Its
// "disconnecting" listeners see the rooms it was in, although it has left
// them already; once it is gone, it is in none.
func (s *Socket) Rooms() []string {
	s.lmu.RLock()
	var closing *[]string
	if s.hooks != nil {
		closing = s.hooks.closingRooms
	}
	s.lmu.RUnlock()
	if closing != nil {
		return slices.Clone(*closing)
	}
	return s.nsp.adapter.SocketRooms(s.id)
}

// setClosingRooms sets what Rooms shows while the socket closes.
func (s *Socket) setClosingRooms(rooms *[]string) {
	s.lmu.Lock()
	if rooms != nil || s.hooks != nil {
		s.hooksLocked().closingRooms = rooms
	}
	s.lmu.Unlock()
}

// Join adds the socket to rooms. Beyond Limits.MaxRooms it adds none and
// returns ErrTooManyRooms. A socket that has disconnected joins none.
func (s *Socket) Join(rooms ...string) error {
	if len(rooms) == 0 {
		return nil
	}
	if len(s.nsp.adapter.SocketRooms(s.id))+len(rooms) > s.nsp.server.opts.Limits.MaxRooms {
		s.nsp.server.count(func(st *Stats) *atomic.Uint64 { return &st.RoomsRefused })
		return ErrTooManyRooms
	}
	s.nsp.adapter.AddAll(s.id, rooms)
	if s.ended.Load() {
		// onClose marks the socket ended before it leaves its rooms: a
		// join it may not have seen is undone here.
		s.Leave(rooms...)
	}
	return nil
}

// Leave removes the socket from rooms.
func (s *Socket) Leave(rooms ...string) {
	for _, room := range rooms {
		s.nsp.adapter.Del(s.id, room)
	}
}

// On registers a listener for event. fn is a func whose parameters receive
// the event's arguments decoded from JSON (structs, maps, strings, numbers,
// []byte for binary attachments, any for a generic value), optionally
// variadic, optionally followed by an [Ack] to answer the client, and which
// returns nothing or an error. A [RawArg] parameter receives its argument
// undecoded. A func(*[RawEvent]) (or func(*RawEvent) error) receives every
// argument, undecoded, and the Ack: the form for events of any arity with
// an acknowledgement, which a variadic parameter cannot be followed by.
// Several listeners may be registered for one event; they run in
// registration order.
//
// The reserved events "disconnecting" and "disconnect" receive the
// [DisconnectReason]; "error" receives an error (a failed middleware, a
// *DecodeError, or an error a listener returned).
//
// On panics with a [*ListenerError] if fn cannot work (a nil func, a
// result other than error, a parameter no JSON decodes into, such as a
// channel, a non-empty interface or a *Socket), as http.HandleFunc does for
// a bad pattern. That panic is not recovered when On runs in a connection
// handler: it stops the program on the first connection rather than
// disconnecting every client.
func (s *Socket) On(event string, fn any) {
	s.addListener(listener{event: event, h: mustHandler(event, fn)})
}

// Once is like On, but the listener is removed after its first call.
func (s *Socket) Once(event string, fn any) {
	s.addListener(listener{event: event, h: mustHandler(event, fn), once: true, onceID: onceIDs.Add(1)})
}

func (s *Socket) addListener(l listener) {
	s.lmu.Lock()
	s.listeners = append(s.listeners, l) // writes past readers' lengths only
	s.lmu.Unlock()
}

// Off removes the listeners of event that were registered with fn (the same
// function value), or all of them when fn is nil. Closures created by the
// same function literal count as the same function.
func (s *Socket) Off(event string, fn any) {
	var ptr uintptr
	if fn != nil {
		ptr = funcPointer(fn)
	}
	s.lmu.Lock()
	s.listeners = slices.DeleteFunc(slices.Clone(s.listeners), func(l listener) bool {
		return l.event == event && (fn == nil || funcPointer(l.h.fn) == ptr)
	})
	s.lmu.Unlock()
}

// OnAny registers a listener called for every incoming event, before the
// event's own listeners, with the arguments decoded as generic values.
func (s *Socket) OnAny(fn func(event string, args ...any)) {
	s.lmu.Lock()
	h := s.hooksLocked()
	h.anyIn = append(h.anyIn, fn)
	s.lmu.Unlock()
}

// PrependAny is like OnAny, but the listener runs before the others.
func (s *Socket) PrependAny(fn func(event string, args ...any)) {
	s.lmu.Lock()
	h := s.hooksLocked()
	h.anyIn = append([]func(string, ...any){fn}, h.anyIn...)
	s.lmu.Unlock()
}

// OffAny removes the catch-all listener fn, or all of them when fn is nil.
// As with Off, listeners are told apart by their code: keep the func value
// you registered and pass that one, since the same literal written twice
// (or inlined by the compiler at two call sites) may have two codes.
func (s *Socket) OffAny(fn func(event string, args ...any)) {
	s.lmu.Lock()
	if h := s.hooks; h != nil {
		h.anyIn = removeFunc(h.anyIn, fn)
	}
	s.lmu.Unlock()
}

// OnAnyOutgoing registers a listener called for every event sent to this
// socket: those it emits, with the Go arguments given to Emit, and the
// broadcasts that reach it (as Node's adapter tells a socket's outgoing
// listeners), with the arguments the broadcast was given or, from another
// server of a cluster, as decoded from it; with connection state recovery
// on, a broadcast's last argument is its offset, as in Node.
func (s *Socket) OnAnyOutgoing(fn func(event string, args ...any)) {
	s.lmu.Lock()
	h := s.hooksLocked()
	h.anyOut = append(h.anyOut, fn)
	s.countOutLocked(h)
	s.lmu.Unlock()
}

// countOutLocked keeps the namespace's count of the sockets that listen to
// their outgoing events, which spares broadcasts a look at each recipient
// while there are none. s.lmu must be held for writing.
func (s *Socket) countOutLocked(h *socketHooks) {
	switch listening := len(h.anyOut) > 0 && !s.ended.Load(); {
	case listening && !h.outCounted:
		h.outCounted = true
		s.nsp.outListening.Add(1)
	case !listening && h.outCounted:
		h.outCounted = false
		s.nsp.outListening.Add(-1)
	}
}

// PrependAnyOutgoing is like OnAnyOutgoing, but the listener runs first.
func (s *Socket) PrependAnyOutgoing(fn func(event string, args ...any)) {
	s.lmu.Lock()
	h := s.hooksLocked()
	h.anyOut = append([]func(string, ...any){fn}, h.anyOut...)
	s.countOutLocked(h)
	s.lmu.Unlock()
}

// OffAnyOutgoing removes the outgoing catch-all listener fn, or all of them
// when fn is nil.
func (s *Socket) OffAnyOutgoing(fn func(event string, args ...any)) {
	s.lmu.Lock()
	if h := s.hooks; h != nil {
		h.anyOut = removeFunc(h.anyOut, fn)
		s.countOutLocked(h)
	}
	s.lmu.Unlock()
}

// Use registers a packet middleware: it sees every incoming event before the
// listeners do. A non-nil error stops the event and reaches the socket's
// "error" listeners.
func (s *Socket) Use(fn func(ev *Event) error) {
	s.lmu.Lock()
	h := s.hooksLocked()
	h.middlewares = append(h.middlewares, fn)
	s.lmu.Unlock()
}

// Emit sends an event to the client. []byte values anywhere in args travel as
// binary attachments. It queues the packet and returns without waiting for
// the network. The packet is encoded (and attachments copied) before Emit
// returns, so the caller may change or reuse args afterwards: the client
// gets what they held at the call. With connection state recovery on a
// [SessionAdapter], the event is a broadcast to the socket's own room,
// stored by the adapter (which gives it its offset) before it is queued;
// a full queue is then counted in Drops rather than returned.
//
// With connection state recovery on, a socket that lost its connection for
// a recoverable reason still takes emits until its session expires, as in
// Node: the event is a broadcast to its room, kept (by the server, or by a
// SessionAdapter) for the client's recovery, on this server or, through a
// SessionAdapter, on any; Emit returns nil. Otherwise a disconnected
// socket returns [ErrNotConnected].
func (s *Socket) Emit(event string, args ...any) error {
	return Emitter{s: s}.Emit(event, args...)
}

// EmitWithAck sends an event and waits for the client's acknowledgement, ctx's
// end, or the socket's disconnection.
//
// With connection state recovery on a [SessionAdapter], the event is a
// broadcast to the socket's own room (as Node's socket.emit with an ack
// callback): the client gets it with its ack id and answers as usual, and
// the adapter stores it without an offset. A client that misses it and
// recovers (on any server, Node's included) gets it back from the store as
// Node's Streams adapter replays it: a plain event, the stream entry id as
// last argument, no ack id. No answer comes then: the recovered socket is
// another one. So an EmitWithAck to a socket that lost its connection but
// whose session is kept stores the event that way and returns
// [ErrNotConnected] at once, where Node's would wait for its timeout.
// Without a SessionAdapter, as in Node's in-memory adapter, an event that
// asks an answer is never kept for recovery.
func (s *Socket) EmitWithAck(ctx context.Context, event string, args ...any) (Response, error) {
	return Emitter{s: s}.EmitWithAck(ctx, event, args...)
}

// Timeout returns an emitter whose acknowledgements time out after d.
func (s *Socket) Timeout(d time.Duration) Emitter { return Emitter{s: s, timeout: d} }

// Volatile returns an emitter whose packets are dropped when the client
// cannot take them at once.
func (s *Socket) Volatile() Emitter { return Emitter{s: s, volatile: true} }

// Compress returns an emitter that compresses (the default) or not.
func (s *Socket) Compress(compress bool) Emitter { return Emitter{s: s, noCompress: !compress} }

// Broadcast returns an operator that targets every socket of the namespace
// but this one.
func (s *Socket) Broadcast() *BroadcastOperator { return s.nsp.Except(s.id) }

// To returns an operator that targets the sockets in rooms, this one
// excluded.
func (s *Socket) To(rooms ...string) *BroadcastOperator { return s.nsp.To(rooms...).Except(s.id) }

// In is the same as To.
func (s *Socket) In(rooms ...string) *BroadcastOperator { return s.To(rooms...) }

// Except returns an operator that targets every socket of the namespace
// outside rooms, this one excluded.
func (s *Socket) Except(rooms ...string) *BroadcastOperator {
	return s.nsp.Except(append([]string{s.id}, rooms...)...)
}

// Disconnect disconnects the socket from its namespace ("server namespace
// disconnect"). With close, the whole connection is closed, disconnecting
// the client's sockets in every namespace.
func (s *Socket) Disconnect(close bool) {
	if close {
		s.client.disconnectAll()
		return
	}
	if !s.connected.Load() {
		return
	}
	_ = s.send(&parser.Packet{Type: parser.Disconnect, Namespace: s.nsp.name}, false, true)
	s.onClose(ReasonServerDisconnect)
}

// registerAck records fn as the answer handler for ack id.
func (s *Socket) registerAck(id uint64, fn func([]parser.RawValue)) error {
	if st := s.nsp.server.obs.Counting(); st != nil {
		// Timed only while counting: the wrapper costs an allocation.
		start, answer := time.Now(), fn
		fn = func(args []parser.RawValue) {
			st.AckRoundTrip.Observe(time.Since(start))
			answer(args)
		}
	}
	err := s.acks.add(id, fn, s.nsp.server.opts.Limits.MaxPendingAcks)
	if err == ErrTooManyPendingAcks {
		s.nsp.server.count(func(st *Stats) *atomic.Uint64 { return &st.AcksRefused })
	}
	return err
}

func (s *Socket) cancelAck(id uint64) { s.acks.take(id) }

// onClose ends the socket, at once whatever its listeners do: it leaves the
// namespace (no new broadcast reaches it), its Context is cancelled, its
// pending acknowledgements end, its queued events are dropped and it leaves
// its rooms. Its inbox then runs the "disconnecting" listeners (Rooms shows
// the rooms it was in) and the "disconnect" ones, in order, after the
// listener running now, if any, returns: a listener waiting for the
// Context's end is released by this, not by work queued behind it.
func (s *Socket) onClose(reason DisconnectReason) {
	if !s.connected.CompareAndSwap(true, false) {
		return
	}
	nsp, srv := s.nsp, s.nsp.server
	nsp.remove(s)
	s.client.removeSocket(s)
	s.acks.close()
	s.inbox.close(srv)
	s.endContext() // before leaving the rooms: Join checks it after joining
	var left func()
	if s.client.sess.Protocol() == 3 || srv.recovery.enabled() {
		left = nsp.markLeaving(s.id) // the id may come back at once
	}
	rooms := nsp.adapter.SocketRooms(s.id)
	s.setClosingRooms(&rooms)
	srv.recovery.save(s, reason)
	nsp.adapter.DelAll(s.id)
	if left != nil {
		left()
	}
	s.inbox.push(srv, func() {
		s.emitLocal("disconnecting", reason)
		s.setClosingRooms(nil)
		s.emitLocal("disconnect", reason)
		srv.notifyDisconnected(s, reason)
		// Last: those listeners may still use the namespace's adapter.
		nsp.cleanupIfEmpty()
	})
}

// abandon ends a socket that never connected (its client left while it
// was connecting): what waits for its Context is released, and its queued
// events are dropped. Its connection sequence, if it has yet to run, will
// find the socket gone.
func (s *Socket) abandon() {
	s.endContext()
	s.inbox.close(s.nsp.server)
}

// funcPointer identifies a func's code (closures of one function literal
// share it), or is 0 for a value that is not a func.
func funcPointer(fn any) uintptr {
	v := reflect.ValueOf(fn)
	if v.Kind() != reflect.Func {
		return 0
	}
	return v.Pointer()
}

// notifyOutgoing tells s's outgoing catch-all listeners of a broadcast
// whose packet data is data (the event's name, then its arguments).
func (s *Socket) notifyOutgoing(data []any) {
	var out []func(string, ...any)
	s.lmu.RLock()
	if h := s.hooks; h != nil {
		out = h.anyOut
	}
	s.lmu.RUnlock()
	if len(out) == 0 || len(data) == 0 {
		return
	}
	event, _ := data[0].(string)
	for _, fn := range out {
		fn(event, data[1:]...)
	}
}
