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
				"nsp", sess.Namespace, "socket", sess.SID, "err", err)
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
	saved, err := r.restoreWithin(ctx, sa, pid, offset)
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

// restoreWithin is sa.RestoreSession, given up when ctx ends even if the
// adapter does not heed ctx (go-redis, by default, bounds a command by its
// own timeouts, not by the context's deadline): a client is never kept
// waiting past StoreTimeout. The call runs on a goroutine that Close waits
// for; a session it takes after that is lost, as if it had expired.
func (r *recoveryStore) restoreWithin(ctx context.Context, sa SessionAdapter, pid, offset string) (*SavedSession, error) {
	type result struct {
		s   *SavedSession
		err error
	}
	done := make(chan result, 1)
	r.persisting.add()
	go func() {
		defer r.persisting.done()
		s, err := sa.RestoreSession(ctx, pid, offset)
		done <- result{s, err}
	}()
	select {
	case res := <-done:
		return res.s, res.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// waitPersisted waits for the calls to the adapters' session stores under
// way (mostly sessions being saved) until ctx ends; then it cancels them and
// returns at once: an adapter that does not heed its context may still be
// running them (Close waits for those with endPersisting).
func (r *recoveryStore) waitPersisted(ctx context.Context) {
	select {
	case <-r.persisting.idle():
	case <-ctx.Done():
		r.stop()
	}
}

// endPersisting cuts short the calls to the session stores still under way
// and waits for them, once the adapters are closed.
func (r *recoveryStore) endPersisting() {
	r.stop()
	r.persisting.wait()
}
