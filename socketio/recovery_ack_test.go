package socketio

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gosio/gosio/parser"
)

// nextEventID reads the next EVENT's ack id (-1 without) and data array.
func nextEventID(t *testing.T, c *testClient) (int, []any) {
	t.Helper()
	p := c.next()
	require.True(t, strings.HasPrefix(p, "2"), "want EVENT, got %q", p)
	i := strings.IndexByte(p, '[')
	require.Positive(t, i, p)
	id := -1
	if i > 1 {
		_, err := fmt.Sscan(p[1:i], &id)
		require.NoError(t, err, p)
	}
	var data []any
	require.NoError(t, json.Unmarshal([]byte(p[i:]), &data))
	return id, data
}

type ackResult struct {
	r   Response
	err error
}

// emitWithAckAsync runs EmitWithAck on its own goroutine.
func emitWithAckAsync(e Emitter, event string, args ...any) <-chan ackResult {
	done := make(chan ackResult, 1)
	go func() {
		r, err := e.EmitWithAck(context.Background(), event, args...)
		done <- ackResult{r, err}
	}()
	return done
}

// With the in-memory log, as with Node's in-memory SessionAwareAdapter,
// an event that asks an answer is never kept: the live one carries its ack
// id and no offset, and the answer resolves it; one emitted while the
// socket is away is not replayed (and fails at once). A plain emit to the
// socket while it is away is kept and replayed; a volatile one is not.
func TestMemoryRecoveryEmitWithAck(t *testing.T) {
	io, hs := startServer(t, &Options{ConnectionStateRecovery: &RecoveryOptions{}, Logger: slog.New(slog.DiscardHandler)})
	got := make(chan *Socket, 2)
	gone := make(chan struct{}, 2)
	io.OnConnection(func(s *Socket) {
		s.On("disconnect", func(string) { gone <- struct{}{} })
		got <- s
	})
	c := dial(t, hs)
	c.send("0")
	sid, pid := readConnect(t, c)
	s := receive(t, got)
	require.NoError(t, s.Emit("hello"))
	_, hello := nextEventID(t, c)
	offset := hello[len(hello)-1].(string)

	done := emitWithAckAsync(s.Timeout(5*time.Second), "ask", "x")
	id, data := nextEventID(t, c)
	require.GreaterOrEqual(t, id, 0)
	require.Equal(t, []any{"ask", "x"}, data, "no offset")
	c.send(fmt.Sprintf(`3%d["yes"]`, id))
	res := receive(t, done)
	require.NoError(t, res.err)
	require.Equal(t, sid, res.r.SocketID)

	c.close()
	receive(t, gone)
	_, err := s.Timeout(5*time.Second).EmitWithAck(context.Background(), "a1")
	require.ErrorIs(t, err, ErrNotConnected)
	require.NoError(t, s.Emit("p1", "plain"))
	require.NoError(t, s.Volatile().Emit("v1"))

	c2 := dial(t, hs)
	c2.send(`0{"pid":"` + pid + `","offset":"` + offset + `"}`)
	sid2, _ := readConnect(t, c2)
	require.Equal(t, sid, sid2)
	s2 := receive(t, got)
	require.True(t, s2.Recovered())
	require.NoError(t, s2.Emit("end"))
	var names []any
	for {
		id, data := nextEventID(t, c2)
		require.Equal(t, -1, id)
		names = append(names, data[:len(data)-1]...)
		if data[0] == "end" {
			break
		}
	}
	require.Equal(t, []any{"p1", "plain", "end"}, names)
}

// A disconnected socket whose session was not kept (no recovery, or a
// reason that is not recoverable) refuses emits as before.
func TestEmitToGoneSocketWithoutSession(t *testing.T) {
	for _, rec := range []*RecoveryOptions{nil, {}} {
		io, hs := startServer(t, &Options{ConnectionStateRecovery: rec, Logger: slog.New(slog.DiscardHandler)})
		got := make(chan *Socket, 1)
		gone := make(chan struct{}, 1)
		io.OnConnection(func(s *Socket) {
			s.On("disconnect", func(string) { gone <- struct{}{} })
			got <- s
		})
		c := dial(t, hs)
		c.send("0")
		c.next()
		s := receive(t, got)
		c.send("1") // client namespace disconnect: not recoverable
		receive(t, gone)
		require.ErrorIs(t, s.Emit("x"), ErrNotConnected)
		_, err := s.EmitWithAck(context.Background(), "x")
		require.ErrorIs(t, err, ErrNotConnected)
		c.close()
	}
}

// A kept session expires: after MaxDisconnectionDuration, the socket
// refuses emits again.
func TestEmitToAwaySocketUntilExpiry(t *testing.T) {
	io, hs := startServer(t, &Options{
		ConnectionStateRecovery: &RecoveryOptions{MaxDisconnectionDuration: time.Hour},
		Logger:                  slog.New(slog.DiscardHandler),
	})
	got := make(chan *Socket, 1)
	gone := make(chan struct{}, 1)
	io.OnConnection(func(s *Socket) {
		s.On("disconnect", func(string) { gone <- struct{}{} })
		got <- s
	})
	c := dial(t, hs)
	c.send("0")
	c.next()
	s := receive(t, got)
	c.close()
	receive(t, gone)
	require.NoError(t, s.Emit("x"))
	s.rec.keptAt.Add(-int64(time.Hour)) // as if an hour had passed
	require.ErrorIs(t, s.Emit("x"), ErrNotConnected)
}

// Through a SessionAdapter, an EmitWithAck is a broadcast to the socket's
// room whose packet keeps its ack id (the adapter stores it without
// offset), delivered with that id; the answer resolves it. Away, it is
// still handed to the adapter, and fails at once. The socket's outgoing
// listeners hear each emit once, from the adapter's delivery.
func TestSessionAdapterEmitWithAck(t *testing.T) {
	var pkts []parser.Packet
	io, fake, hs := startSessionServer(t, nil, nil)
	got := make(chan *Socket, 1)
	gone := make(chan struct{}, 1)
	outgoing := make(chan []any, 8)
	io.OnConnection(func(s *Socket) {
		s.On("disconnect", func(string) { gone <- struct{}{} })
		s.OnAnyOutgoing(func(event string, args ...any) { outgoing <- append([]any{event}, args...) })
		got <- s
	})
	c := dial(t, hs)
	c.send("0")
	sid, _ := readConnect(t, c)
	s := receive(t, got)

	done := emitWithAckAsync(s.Timeout(time.Minute).Volatile(), "ask", "x")
	id, data := nextEventID(t, c)
	require.GreaterOrEqual(t, id, 0)
	require.Equal(t, []any{"ask", "x"}, data)
	require.Equal(t, []any{"ask", "x"}, receive(t, outgoing))
	c.send(fmt.Sprintf(`3%d["yes"]`, id))
	require.NoError(t, receive(t, done).err)
	require.NoError(t, s.Emit("plain"))
	require.Equal(t, []any{"plain", "1-0"}, receive(t, outgoing), "with its offset, once")
	nextEventID(t, c)

	c.close()
	receive(t, gone)
	_, err := s.EmitWithAck(context.Background(), "away")
	require.ErrorIs(t, err, ErrNotConnected)
	select {
	case o := <-outgoing:
		t.Fatalf("an away socket's listener heard %v", o)
	default:
	}

	fake.mu.Lock()
	opts := slices.Clone(fake.broadcasts)
	pkts = slices.Clone(fake.packets)
	fake.mu.Unlock()
	require.Len(t, opts, 3)
	for _, o := range opts {
		require.Equal(t, []string{sid}, o.Rooms)
	}
	require.Equal(t, BroadcastFlags{Volatile: true, Timeout: time.Minute}, opts[0].Flags)
	require.True(t, pkts[0].HasID)
	require.Equal(t, uint64(id), pkts[0].ID)
	require.False(t, pkts[1].HasID)
	require.True(t, pkts[2].HasID)
	require.Equal(t, []any{"away"}, pkts[2].Data)
}

// From a connection handler, an EmitWithAck through a SessionAdapter
// reaches the socket (in its room already, its packets held until
// CONNECT) and its answer comes back to the waiting handler.
func TestSessionAdapterEmitWithAckFromHandler(t *testing.T) {
	io, _, hs := startSessionServer(t, nil, nil)
	done := make(chan ackResult, 1)
	io.OnConnection(func(s *Socket) {
		r, err := s.Timeout(5*time.Second).EmitWithAck(context.Background(), "hi")
		done <- ackResult{r, err}
	})
	c := dial(t, hs)
	c.send("0")
	readConnect(t, c)
	id, data := nextEventID(t, c)
	require.Equal(t, []any{"hi"}, data)
	c.send(fmt.Sprintf(`3%d["there"]`, id))
	res := receive(t, done)
	require.NoError(t, res.err)
	var answer string
	require.NoError(t, res.r.Decode(&answer))
	require.Equal(t, "there", answer)
}
