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
	pkt, err := e.packet(event, args)
	if err != nil {
		return err
	}
	if sa := e.s.nsp.sessions; sa != nil {
		// The adapter keeps the event log: a direct emit is a broadcast to
		// the socket's own room, which gets an offset there (as Node).
		return sa.Broadcast(context.Background(), pkt, &BroadcastOptions{
			Rooms: []string{e.s.id},
			Flags: BroadcastFlags{Volatile: e.volatile, NoCompress: e.noCompress},
		})
	}
	if !e.volatile {
		// With recovery on, a direct emit is logged like a broadcast to the
		// socket's own room, so it can be replayed (as Node does).
		pkt.Data = e.s.nsp.server.recovery.record(e.s.nsp,
			&BroadcastOptions{Rooms: []string{e.s.id}}, pkt.Data.([]any))
	}
	return e.s.send(pkt, e.volatile, !e.noCompress)
}

// EmitWithAck sends an event and waits for the client's answer; see
// [Socket.EmitWithAck]. A timeout set with Timeout applies on top of ctx.
func (e Emitter) EmitWithAck(ctx context.Context, event string, args ...any) (Response, error) {
	pkt, err := e.packet(event, args)
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
	answer := make(chan []parser.RawValue, 1)
	if err := s.registerAck(pkt.ID, func(a []parser.RawValue) { answer <- a }); err != nil {
		return Response{}, err
	}
	if err := s.send(pkt, e.volatile, !e.noCompress); err != nil {
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

func (e Emitter) packet(event string, args []any) (*parser.Packet, error) {
	if reservedEvents[event] {
		return nil, ErrReservedEvent
	}
	s := e.s
	if !s.connected.Load() {
		return nil, ErrNotConnected
	}
	var out []func(string, ...any)
	s.lmu.RLock()
	if h := s.hooks; h != nil {
		out = h.anyOut
	}
	s.lmu.RUnlock()
	for _, fn := range out {
		fn(event, args...)
	}
	data := make([]any, 0, len(args)+1)
	data = append(append(data, event), args...)
	return &parser.Packet{Type: parser.Event, Namespace: s.nsp.name, Data: data}, nil
}
