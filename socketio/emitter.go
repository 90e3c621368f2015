package socketio

import (
	"context"
	"time"

	"github.com/gosio/gosio/parser"
)

// Emitter emits to one socket with flags. Obtain one from [Socket.Timeout],
// [Socket.Volatile] or [Socket.Compress]; it is a small value and may be
// reused.
type Emitter struct {
	s          *Socket
	volatile   bool
	noCompress bool
	timeout    time.Duration
}

// Timeout sets how long EmitWithAck waits.
func (e Emitter) Timeout(d time.Duration) Emitter { e.timeout = d; return e }

// Volatile makes packets droppable when the client cannot take them at once.
func (e Emitter) Volatile() Emitter { e.volatile = true; return e }

// Compress sets whether packets may be compressed (default true).
func (e Emitter) Compress(compress bool) Emitter { e.noCompress = !compress; return e }

// Emit sends an event; see [Socket.Emit].
func (e Emitter) Emit(event string, args ...any) error {
	pkt, away, err := e.packet(event, args)
	if err != nil {
		return err
	}
	if away || e.s.nsp.sessions != nil {
		return e.toOwnRoom(context.Background(), pkt)
	}
	if !e.volatile {
		// With recovery on, a direct emit is logged like a broadcast to the
		// socket's own room, so it can be replayed (as Node does).
		pkt.Data = e.s.nsp.server.recovery.record(e.s.nsp,
			&BroadcastOptions{Rooms: []string{e.s.id}}, pkt.Data.([]any))
	}
	return e.s.send(pkt, e.volatile, !e.noCompress)
}

// toOwnRoom broadcasts pkt to the socket's own room with the emitter's
// flags, which is how Node's socket.emit sends when connection state
// recovery is on: an adapter that keeps the event log (a SessionAdapter)
// stores the event there, with an offset unless it asks an answer or is
// volatile, and a cluster adapter tells the other servers, one of which
// may hold the client by now. Without a SessionAdapter the server's own
// log keeps it, on the same terms.
func (e Emitter) toOwnRoom(ctx context.Context, pkt *parser.Packet) error {
	n := e.s.nsp
	opts := &BroadcastOptions{
		Rooms: []string{e.s.id},
		Flags: BroadcastFlags{Volatile: e.volatile, NoCompress: e.noCompress, Timeout: e.timeout},
	}
	if !e.volatile && !pkt.HasID {
		pkt.Data = n.server.recovery.record(n, opts, pkt.Data.([]any))
	}
	return n.adapter.Broadcast(ctx, pkt, opts)
}

// EmitWithAck sends an event and waits for the client's answer; see
// [Socket.EmitWithAck]. A timeout set with Timeout applies on top of ctx.
func (e Emitter) EmitWithAck(ctx context.Context, event string, args ...any) (Response, error) {
	pkt, away, err := e.packet(event, args)
	if err != nil {
		return Response{}, err
	}
	if e.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, e.timeout)
		defer cancel()
	}
	s := e.s
	pkt.ID, pkt.HasID = s.nsp.NextAckID(), true
	if away {
		// Kept for the client's recovery, as Node keeps it; but the
		// recovered socket is another one, which gets it (from a store
		// that has it) without its ack id: no answer can come.
		if err := e.toOwnRoom(ctx, pkt); err != nil {
			return Response{}, err
		}
		return Response{}, ErrNotConnected
	}
	answer := make(chan []parser.RawValue, 1)
	if err := s.registerAck(pkt.ID, func(a []parser.RawValue) { answer <- a }); err != nil {
		return Response{}, err
	}
	if s.nsp.sessions != nil {
		err = e.toOwnRoom(ctx, pkt)
	} else {
		err = s.send(pkt, e.volatile, !e.noCompress)
	}
	if err != nil {
		s.cancelAck(pkt.ID)
		return Response{}, err
	}
	// The client answers once it knows it is connected: from a connection
	// handler, CONNECT and what was held behind it go out now.
	s.sendConnect()
	// The answer comes through the connection's reader, which may be the
	// goroutine running this (a handler run inline): let reading go on.
	s.client.releaseReader()
	select {
	case a := <-answer:
		return Response{SocketID: s.id, Args: a}, nil
	case <-ctx.Done():
		s.cancelAck(pkt.ID)
		return Response{}, ackWaitError(ctx)
	case <-s.acks.done():
		select {
		case a := <-answer: // it came in just before the disconnection
			return Response{SocketID: s.id, Args: a}, nil
		default:
			return Response{}, ErrNotConnected
		}
	}
}

// packet makes the EVENT packet of an emit. away reports a socket that has
// lost its connection but whose session connection state recovery keeps:
// what is emitted to it goes to its room (see toOwnRoom), as in Node. The
// socket's outgoing listeners are told here only when the packet is sent
// directly: a broadcast tells the sockets it reaches (with the offset, as
// Node's adapter does), and a socket that is away is reached by none.
func (e Emitter) packet(event string, args []any) (pkt *parser.Packet, away bool, err error) {
	if reservedEvents[event] {
		return nil, false, ErrReservedEvent
	}
	s := e.s
	if !s.connected.Load() {
		if !s.kept() {
			return nil, false, ErrNotConnected
		}
		away = true
	}
	if !away && s.nsp.sessions == nil {
		var out []func(string, ...any)
		s.lmu.RLock()
		if h := s.hooks; h != nil {
			out = h.anyOut
		}
		s.lmu.RUnlock()
		for _, fn := range out {
			fn(event, args...)
		}
	}
	data := make([]any, 0, len(args)+1)
	data = append(append(data, event), args...)
	return &parser.Packet{Type: parser.Event, Namespace: s.nsp.name, Data: data}, away, nil
}
