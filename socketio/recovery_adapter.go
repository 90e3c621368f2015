package socketio

import (
	"context"

	"github.com/gosio/gosio/parser"
)

// Connection state recovery for namespaces whose adapter keeps the sessions
// and the event log (SessionAdapter): the server only hands sessions over
// and replays what the adapter gives back.

// persist saves sess through sa on a goroutine of its own: onClose runs on
// goroutines that must not wait for a network round trip (the engine's
// close, an adapter's DisconnectSockets). Close and Shutdown wait for these
// goroutines before they close the adapters, so that a server that shuts
// down saves its sessions first, as Node does.
func (r *recoveryStore) persist(s *Socket, sa SessionAdapter, sess *SavedSession) {
	srv := s.nsp.server
	done := make(chan struct{})
	r.mu.Lock()
	r.inflight[sess.PID] = done
	r.mu.Unlock()
	r.persisting.add()
	go func() {
		defer r.persisting.done()
		defer func() {
			r.mu.Lock()
			if r.inflight[sess.PID] == done {
				delete(r.inflight, sess.PID)
			}
			r.mu.Unlock()
			close(done)
		}()
		ctx, cancel := context.WithTimeout(r.ctx, r.opts.StoreTimeout)
		defer cancel()
		if err := sa.PersistSession(ctx, sess); err != nil {
			srv.opts.Logger.Warn("socketio: saving a session for connection state recovery",
				"nsp", sess.Namespace, "sid", sess.SID, "err", err)
		}
	}()
}

// fetch restores the session pid through sa into s. A failing or slow store
// means the socket is not recovered: it connects as a new one.
func (r *recoveryStore) fetch(s *Socket, sa SessionAdapter, pid, offset string) bool {
	srv := s.nsp.server
	ctx, cancel := context.WithTimeout(r.ctx, r.opts.StoreTimeout)
	defer cancel()
	// A client that comes back to this server at once may be faster than
	// the saving of its session here.
	r.mu.Lock()
	pending := r.inflight[pid]
	r.mu.Unlock()
	if pending != nil {
		select {
		case <-pending:
		case <-ctx.Done():
		}
	}
	saved, err := sa.RestoreSession(ctx, pid, offset)
	if err != nil {
		srv.opts.Logger.Warn("socketio: restoring a session for connection state recovery",
			"nsp", s.nsp.name, "err", err)
		return false
	}
	if saved == nil || saved.SID == "" || (saved.Namespace != "" && saved.Namespace != s.nsp.name) {
		return false
	}
	missed := make([]*encoded, 0, len(saved.MissedPackets))
	for _, data := range saved.MissedPackets {
		enc, err := srv.encode(&parser.Packet{Type: parser.Event, Namespace: s.nsp.name, Data: data}, true)
		if err != nil {
			srv.opts.Logger.Warn("socketio: a missed packet cannot be encoded", "nsp", s.nsp.name, "err", err)
			continue
		}
		missed = append(missed, enc)
	}
	if saved.PID != "" {
		pid = saved.PID
	}
	s.id, s.recovered = saved.SID, true
	s.rec = &socketRecovery{pid: pid, restored: &restoredState{rooms: saved.Rooms, missed: missed}}
	if saved.Data != nil {
		s.SetData(saved.Data)
	}
	return true
}

// waitPersisted waits for the sessions being saved; once ctx ends, their
// calls are cancelled and waited for.
func (r *recoveryStore) waitPersisted(ctx context.Context) {
	select {
	case <-r.persisting.idle():
		return
	case <-ctx.Done():
	}
	r.stop()
	r.persisting.wait()
}

// endPersisting cuts short the saving of sessions still under way, once
// the adapters are closed, and waits for it.
func (r *recoveryStore) endPersisting() {
	r.stop()
	r.persisting.wait()
}
