package socketio

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"slices"
	"sync/atomic"
	"time"

	"github.com/gosio/gosio/parser"
)

// onEvent runs an incoming event of size bytes, after the rate limit: on
// the reader when it can, else queued for the socket's inbox. An event over
// the pending bounds (Limits.MaxPendingEvents, MaxPendingEventBytes) waits
// while the socket's listeners make progress; one they refuse (see
// pushEvent) disconnects the socket.
func (s *Socket) onEvent(name string, args []parser.RawValue, id uint64, hasID bool, size int64) {
	if !s.allowEvent(name) {
		return
	}
	if s.client.sess.CanReleaseReader() && s.inbox.claim() {
		s.client.runInline(func() {
			if s.connected.Load() {
				s.guard(func() { s.dispatch(name, args, id, hasID) })
			}
		})
		s.inbox.unclaim(s.nsp.server)
		return
	}
	if size < 1 {
		size = 1 // an event counts, so that close can tell it from other work
	}
	r := s.inbox.pushEvent(s.nsp.server, func() {
		if !s.connected.Load() {
			return
		}
		s.guard(func() { s.dispatch(name, args, id, hasID) })
	}, size, s.client.sess)
	if r == refused {
		s.refuseEvent(name, size)
	}
}

// refuseEvent applies the pending bounds' policy to an event they refused:
// the socket is disconnected, with the reason logged. Waiting longer would
// hide the client's other sockets, its DISCONNECT and its leaving behind a
// stuck listener; dropping the event would lose it silently.
func (s *Socket) refuseEvent(name string, size int64) {
	items, bytes := s.inbox.pending()
	srv := s.nsp.server
	var id string
	if s.connected.Load() { // the id is final once connected (recovery)
		id = s.id
	}
	srv.opts.Logger.Warn("socketio: too many pending events, disconnecting",
		"nsp", s.nsp.name, "socket", id, "sid", s.client.sess.ID(), "address", s.client.sess.Request().RemoteAddr,
		"event", name, "size", size,
		"pending", items, "pendingBytes", bytes, "serverPendingBytes", srv.pendingBytes.Load())
	if s.client.dropConnecting(s) { // it never connects: the client is told so
		s.client.sendConnectError(s.nsp.name, &ConnectError{Message: "Too many pending events"})
		return
	}
	s.Disconnect(false)
}

// allowEvent applies Limits.EventRate; it reports whether to deliver.
func (s *Socket) allowEvent(name string) bool {
	lim := s.nsp.server.opts.Limits.EventRate
	if lim == nil {
		return true
	}
	if s.rate == nil {
		s.rate = &tokenBucket{}
	}
	if s.rate.take(lim, time.Now()) {
		return true
	}
	log := s.nsp.server.opts.Logger
	// The id is final once the socket is connected (recovery restores an
	// old one while it connects); an event sent before that is logged
	// without it.
	var id string
	if s.connected.Load() {
		id = s.id
	}
	switch lim.Policy {
	case RateWarn:
		s.nsp.server.count(func(st *Stats) *atomic.Uint64 { return &st.RateWarned })
		// Warned of once per socket: a client over the limit would
		// otherwise write a log line per message. Stats counts them all.
		level := slog.LevelDebug
		if !s.rate.warned {
			s.rate.warned, level = true, slog.LevelWarn
		}
		log.Log(context.Background(), level, "socketio: event rate exceeded", "nsp", s.nsp.name, "socket", id,
			"sid", s.client.sess.ID(), "event", name)
		return true
	case RateDrop:
		log.Debug("socketio: event dropped by rate limit", "nsp", s.nsp.name, "socket", id, "sid", s.client.sess.ID(), "event", name)
		s.nsp.server.noteDrop(DropRateLimited, s, name)
		return false
	default:
		s.nsp.server.count(func(st *Stats) *atomic.Uint64 { return &st.RateDisconnected })
		log.Warn("socketio: event rate exceeded, disconnecting", "nsp", s.nsp.name, "socket", id,
			"sid", s.client.sess.ID(), "address", s.client.sess.Request().RemoteAddr)
		s.Disconnect(false)
		return false
	}
}

// tokenBucket counts a socket's events against an EventRateLimit. Only the
// connection's reader touches it.
type tokenBucket struct {
	tokens float64
	last   time.Time
	warned bool // RateWarn has logged at Warn for this socket
}

func (b *tokenBucket) take(lim *EventRateLimit, now time.Time) bool {
	if b.last.IsZero() {
		b.tokens = float64(lim.Burst)
	} else {
		b.tokens += now.Sub(b.last).Seconds() * lim.PerSecond
		if max := float64(lim.Burst); b.tokens > max {
			b.tokens = max
		}
	}
	b.last = now
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}

// dispatch runs the packet middlewares, the catch-all listeners and the
// event's listeners, on the inbox goroutine.
func (s *Socket) dispatch(name string, args []parser.RawValue, id uint64, hasID bool) {
	var mws []func(*Event) error
	var anyIn []func(string, ...any)
	var anyRaw []func(*RawEvent)
	s.lmu.RLock()
	if h := s.hooks; h != nil {
		mws, anyIn, anyRaw = h.middlewares, h.anyIn, h.anyRaw
	}
	ls := s.listeners
	s.lmu.RUnlock()
	event := name // the listeners run are those of the event as received

	if len(mws) > 0 {
		ev := &Event{Name: name, Args: args}
		for _, mw := range mws {
			if err := mw(ev); err != nil {
				s.emitLocal("error", err)
				return
			}
		}
		name, args = ev.Name, ev.Args
	}
	if len(anyIn) > 0 {
		values, err := Response{Args: args}.Values()
		if err != nil {
			s.reportError(&DecodeError{Event: name, Err: err})
			return
		}
		for _, fn := range anyIn {
			fn(name, values...)
		}
	}
	var ack Ack
	var raw *RawEvent // made once for the listeners that take one
	if len(anyRaw) > 0 {
		ack = s.newAck(id, hasID)
		raw = newRawEvent(name, args, ack, hasID)
		for _, fn := range anyRaw {
			fn(raw)
		}
	}
	for _, l := range ls {
		if l.event != event {
			continue
		}
		if ack == nil {
			ack = s.newAck(id, hasID)
		}
		if l.once {
			s.removeOnce(l)
		}
		var err error
		if l.h.sig.rawEvent {
			if raw == nil {
				raw = newRawEvent(name, args, ack, hasID)
			}
			err = callRawEvent(l.h.fn, raw)
		} else {
			err = l.h.callRemote(args, ack)
		}
		if err != nil {
			var de *DecodeError
			if errors.As(err, &de) {
				de.Event = name
			}
			s.reportError(err)
		}
	}
}

// removeOnce removes the once-listener l, about to run, copying the slice,
// which readers may be iterating.
func (s *Socket) removeOnce(l listener) {
	s.lmu.Lock()
	defer s.lmu.Unlock()
	i := slices.IndexFunc(s.listeners, func(o listener) bool { return o.once && o.onceID == l.onceID })
	if i >= 0 {
		s.listeners = slices.Delete(slices.Clone(s.listeners), i, i+1)
	}
}

// emitLocal calls the listeners of a reserved event with Go values.
func (s *Socket) emitLocal(event string, args ...any) {
	s.lmu.RLock()
	ls := s.listeners
	s.lmu.RUnlock()
	if event == "error" && !slices.ContainsFunc(ls, func(l listener) bool { return l.event == event }) {
		// What a client sent wrong is its own business, and may come with
		// every message: Debug. What a listener returned is the app's: Warn.
		level := slog.LevelWarn
		if _, bad := args[0].(*DecodeError); bad {
			level = slog.LevelDebug
		}
		s.nsp.server.opts.Logger.Log(context.Background(), level, "socketio: unhandled socket error",
			"nsp", s.nsp.name, "socket", s.id, "sid", s.client.sess.ID(), "err", args[0])
		return
	}
	for _, l := range ls {
		if l.event != event {
			continue
		}
		if l.once {
			s.removeOnce(l)
		}
		s.guard(func() {
			if err := l.h.callLocal(args...); err != nil && event != "error" {
				s.reportError(err)
			}
		})
	}
}

// reportError hands an error to the socket's "error" listeners, or logs it.
func (s *Socket) reportError(err error) {
	s.emitLocal("error", err)
}

// guard runs f, turning a panic into a logged error and a disconnection, so
// one faulty handler cannot take the server down.
func (s *Socket) guard(f func()) {
	running := &s.nsp.server.listenersRunning
	running.Add(1)
	defer func() {
		running.Add(-1)
		if r := recover(); r != nil {
			if le, ok := r.(*ListenerError); ok {
				panic(le) // a registration that cannot work stops the program: see ListenerError
			}
			s.nsp.server.opts.Logger.Error("socketio: handler panic",
				"nsp", s.nsp.name, "socket", s.id, "sid", s.client.sess.ID(), "panic", fmt.Sprint(r), "stack", string(debug.Stack()))
			if s.connected.Load() {
				_ = s.send(&parser.Packet{Type: parser.Disconnect, Namespace: s.nsp.name}, false, true)
				s.onClose(ReasonServerDisconnect)
			}
		}
	}()
	f()
}
