package socketio

import (
	"context"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gosio/gosio/parser"
)

// recoveryStore implements connection state recovery (protocol 5): every
// broadcast event carries an offset as its last argument, which the client
// remembers; a socket that loses its connection for a recoverable reason is
// saved under its private id (pid); when the client reconnects within
// MaxDisconnectionDuration with {pid, offset} in its auth, it gets back its
// id, rooms and data, and the events it missed are sent again.
type recoveryStore struct {
	opts *RecoveryOptions // nil: recovery is off

	// For namespaces whose adapter keeps the sessions (SessionAdapter, see
	// recovery_adapter.go): the calls to the adapters' stores under way
	// (sessions being saved, and restores given up on), which Close and
	// Shutdown wait for before the adapters close, and stop, which cuts
	// those calls short when Shutdown runs out of time.
	persisting tracked
	ctx        context.Context
	stop       context.CancelFunc
	// inflight holds, by pid, the sessions being saved, which a restore of
	// the same pid waits for.
	inflight map[string]chan struct{}

	mu       sync.Mutex
	sessions map[string]*savedSession // by pid
	log      []loggedPacket           // oldest first
	seq      uint64
	epoch    string // makes offsets of different server runs distinct
}

type savedSession struct {
	id, pid, nsp string
	rooms        []string
	data         any
	at           time.Time
}

type loggedPacket struct {
	offset string
	nsp    string
	rooms  []string
	except []string
	// enc is the event encoded when it was emitted: the log must not keep
	// the caller's values, which are the caller's again once Emit returns.
	enc *encoded
	at  time.Time
}

// recoverable lists the reasons after which Node keeps a session.
var recoverable = map[DisconnectReason]bool{
	ReasonTransportError:     true,
	ReasonTransportClose:     true,
	ReasonForcedClose:        true,
	ReasonPingTimeout:        true,
	ReasonServerShuttingDown: true,
	ReasonForcedServerClose:  true,
}

func newRecoveryStore(opts *RecoveryOptions) *recoveryStore {
	r := &recoveryStore{
		opts:     opts,
		sessions: make(map[string]*savedSession),
		inflight: make(map[string]chan struct{}),
		epoch:    strconv.FormatInt(time.Now().UnixNano(), 36),
	}
	r.ctx, r.stop = context.WithCancel(context.Background())
	return r
}

func (r *recoveryStore) enabled() bool { return r.opts != nil }

// record appends an offset to an event's arguments and logs the event, so it
// can be replayed to a socket that missed it.
// A namespace whose adapter keeps the sessions gets its offsets from the
// adapter instead.
func (r *recoveryStore) record(n *Namespace, opts *BroadcastOptions, data []any) []any {
	if !r.enabled() || n.sessions != nil {
		return data
	}
	now := time.Now()
	r.mu.Lock()
	defer r.mu.Unlock()
	r.seq++
	offset := r.epoch + "-" + strconv.FormatUint(r.seq, 36)
	data = append(data, offset)
	enc, err := n.server.encode(&parser.Packet{Type: parser.Event, Namespace: n.name, Data: data}, true)
	if err != nil {
		return data // the emit itself reports the error
	}
	r.log = append(r.log, loggedPacket{
		offset: offset, nsp: n.name, rooms: slices.Clone(opts.Rooms), except: slices.Clone(opts.Except),
		enc: enc, at: now,
	})
	r.pruneLocked(now)
	return data
}

func (r *recoveryStore) pruneLocked(now time.Time) {
	cut := now.Add(-r.opts.MaxDisconnectionDuration)
	i := 0
	for i < len(r.log) && r.log[i].at.Before(cut) {
		i++
	}
	if i > 0 {
		r.log = slices.Delete(r.log, 0, i)
	}
	for pid, s := range r.sessions {
		if s.at.Before(cut) {
			delete(r.sessions, pid)
		}
	}
}

// save keeps a disconnecting socket's state when the reason allows recovery.
func (r *recoveryStore) save(s *Socket, reason DisconnectReason) {
	pid := s.rec.privateID()
	if !r.enabled() || pid == "" || !recoverable[reason] {
		return
	}
	s.rec.keptAt.Store(time.Now().UnixNano())
	rooms := s.Rooms()
	if sa := s.nsp.sessions; sa != nil {
		r.persist(s, sa, &SavedSession{
			SID: s.id, PID: pid, Namespace: s.nsp.name, Rooms: rooms, Data: s.Data(),
		})
		return
	}
	r.mu.Lock()
	r.sessions[pid] = &savedSession{
		id: s.id, pid: pid, nsp: s.nsp.name, rooms: rooms, data: s.Data(), at: time.Now(),
	}
	r.mu.Unlock()
}

// restore gives s the state of the session its auth names, if it can be
// recovered; otherwise s gets a fresh pid. It reports whether s recovered.
func (r *recoveryStore) restore(s *Socket) bool {
	if !r.enabled() || s.client.sess.Protocol() == 3 {
		return false
	}
	pid, _ := s.auth.fields()["pid"].(string)
	offset, _ := s.auth.fields()["offset"].(string)
	if pid != "" && offset != "" {
		if sa := s.nsp.sessions; sa != nil {
			if r.fetch(s, sa, pid, offset) {
				return true
			}
		} else if r.take(s, pid, offset) {
			return true
		}
	}
	s.rec = &socketRecovery{pid: randomID()}
	return false
}

func (r *recoveryStore) take(s *Socket, pid, offset string) bool {
	now := time.Now()
	r.mu.Lock()
	defer r.mu.Unlock()
	r.pruneLocked(now)
	saved := r.sessions[pid]
	if saved == nil || saved.nsp != s.nsp.name {
		return false
	}
	idx := slices.IndexFunc(r.log, func(p loggedPacket) bool { return p.offset == offset })
	if idx < 0 {
		return false
	}
	delete(r.sessions, pid)
	var missed []*encoded
	for _, p := range r.log[idx+1:] {
		if p.nsp == saved.nsp && includes(saved.rooms, p.rooms, p.except) {
			missed = append(missed, p.enc)
		}
	}
	s.id, s.recovered = saved.id, true
	s.rec = &socketRecovery{pid: saved.pid, restored: &restoredState{rooms: saved.rooms, missed: missed}}
	if saved.data != nil {
		s.SetData(saved.data)
	}
	return true
}

// includes tells whether a socket in rooms was a recipient of a broadcast
// to targets except excluded.
func includes(rooms, targets, excluded []string) bool {
	in := len(targets) == 0
	for _, room := range rooms {
		if slices.Contains(excluded, room) {
			return false
		}
		if !in && slices.Contains(targets, room) {
			in = true
		}
	}
	return in
}

// socketRecovery is a socket's part in connection state recovery, made
// only when recovery is on.
type socketRecovery struct {
	pid string // the private id the client sends back to recover
	// restored carries a recovered session from restore to the end of the
	// connection sequence.
	restored *restoredState
	// keptAt is when the socket's session was saved (Unix nanoseconds), 0
	// while it is not: until the session expires, what is emitted to the
	// socket is kept for its recovery.
	keptAt atomic.Int64
}

// kept reports whether s, disconnected, has its session saved for
// connection state recovery, not yet expired.
func (s *Socket) kept() bool {
	if s.rec == nil {
		return false
	}
	at := s.rec.keptAt.Load()
	return at != 0 && time.Now().UnixNano()-at < int64(s.nsp.server.recovery.opts.MaxDisconnectionDuration)
}

// privateID returns the socket's private id, or "" without recovery.
func (sr *socketRecovery) privateID() string {
	if sr == nil {
		return ""
	}
	return sr.pid
}

// restoredState is what a recovered socket gets back besides its id and
// data, kept until the connection sequence has used it.
type restoredState struct {
	rooms  []string
	missed []*encoded
}

func (r *recoveryStore) rooms(s *Socket) []string {
	if s.rec == nil || s.rec.restored == nil {
		return nil
	}
	return s.rec.restored.rooms
}

// replay sends a recovered socket the events it missed.
func (r *recoveryStore) replay(s *Socket) {
	if s.rec == nil || s.rec.restored == nil {
		return
	}
	for _, e := range s.rec.restored.missed {
		s.sendEncoded(e, false)
	}
	s.rec.restored = nil
}
