package redisstreams

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/redis/go-redis/v9"

	"github.com/gosio/gosio/internal/clusterwire"
	"github.com/gosio/gosio/internal/msgpack"
	"github.com/gosio/gosio/internal/streamwire"
	"github.com/gosio/gosio/socketio"
)

// Connection state recovery across servers, as @socket.io/redis-streams-adapter
// 0.3.x keeps it, so that Node and gosio servers restore each other's
// sessions:
//
//   - a session is the key <SessionKeyPrefix><pid> ("sio:session:" by
//     default), whose value is the base64 text of the msgpack map
//     {sid, pid, rooms, data}, set with PX MaxDisconnectionDuration;
//   - an offset is the id of a stream entry ("<ms>-<seq>");
//   - restoring reads and deletes the key in one transaction (GET + DEL,
//     Node's GETDEL that works before Redis 6.2) and checks that the
//     offset is still in the stream; then the BROADCAST entries of the
//     namespace after it are read, and those the socket would have
//     received (by its rooms, the broadcast's rooms and except) are its
//     missed packets, each with its entry id appended.
//
// Like Node's, the replay does not look at a broadcast's flags: a volatile
// broadcast stored in the stream is replayed too, so that a client gets the
// same events whichever server it recovers on.

// sessionStore is one namespace's part of the session storage.
type sessionStore struct {
	rdb    redis.Cmdable
	nsp    *socketio.Namespace
	stream string // the namespace's stream
	prefix string // the session key prefix
	// page is the number of entries each XRANGE reads; at most maxPages
	// are read, as Node, so that a stream written faster than it is read
	// cannot keep a restore going.
	page     int64
	maxPages int
}

// restorePages is Node's RESTORE_SESSION_MAX_XRANGE_CALLS.
const restorePages = 100

// offsetPattern is the form of a stream entry id; Node refuses others.
var offsetPattern = regexp.MustCompile(`^[0-9]+-[0-9]+$`)

// errNoRecovery is returned by PersistSession when recovery is off.
var errNoRecovery = errors.New("redisstreams: connection state recovery is off")

func (st *sessionStore) key(pid string) string { return st.prefix + pid }

// persist stores sess under its pid for MaxDisconnectionDuration.
func (st *sessionStore) persist(ctx context.Context, sess *socketio.SavedSession) error {
	rec := st.nsp.Recovery()
	if rec == nil {
		return errNoRecovery
	}
	value, err := encodeSession(sess)
	if err != nil {
		return err
	}
	return st.rdb.Set(ctx, st.key(sess.PID), value, rec.MaxDisconnectionDuration).Err()
}

// encodeSession writes sess as Node's adapter does: msgpack, then base64.
// Data nil becomes an empty object: Node's socket.data is always one, and
// Node code reads its fields without checking.
func encodeSession(sess *socketio.SavedSession) (string, error) {
	var data any = map[string]any{}
	if sess.Data != nil {
		var err error
		if data, err = msgpack.NormalizeValue(sess.Data); err != nil {
			return "", fmt.Errorf("redisstreams: session data: %w", err)
		}
	}
	rooms := sess.Rooms
	if rooms == nil {
		rooms = []string{}
	}
	b, err := msgpack.Marshal(msgpack.Object("sid", sess.SID, "pid", sess.PID, "rooms", rooms, "data", data))
	if err != nil {
		return "", fmt.Errorf("redisstreams: session: %w", err)
	}
	return base64.StdEncoding.EncodeToString(b), nil
}

// decodeSession reads a session stored by Node or gosio.
func decodeSession(value string) (*socketio.SavedSession, error) {
	b, err := base64.StdEncoding.DecodeString(value)
	if err != nil {
		return nil, fmt.Errorf("redisstreams: session: %w", err)
	}
	v, err := msgpack.Unmarshal(b)
	if err != nil {
		return nil, fmt.Errorf("redisstreams: session: %w", err)
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, errors.New("redisstreams: session: not a map")
	}
	sess := &socketio.SavedSession{Rooms: clusterwire.StringList(m["rooms"]), Data: m["data"]}
	sess.SID, _ = m["sid"].(string)
	sess.PID, _ = m["pid"].(string)
	if sess.SID == "" {
		return nil, errors.New("redisstreams: session without sid")
	}
	return sess, nil
}

// restore takes the session pid and the packets it missed after offset;
// nil, nil when there is nothing to restore.
func (st *sessionStore) restore(ctx context.Context, pid, offset string) (*socketio.SavedSession, error) {
	if !offsetPattern.MatchString(offset) {
		return nil, nil // not an id of this stream (e.g. a single server's offset)
	}
	// The session is taken (GET and DEL in one transaction, Node's GETDEL
	// that works before Redis 6.2) whether or not the offset is still held,
	// as in Node. The stream is read apart: on a Redis Cluster its key and
	// the session's are in different slots, which no transaction spans.
	var get *redis.StringCmd
	_, err := st.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		get = p.Get(ctx, st.key(pid))
		p.Del(ctx, st.key(pid))
		return nil
	})
	if err != nil && !errors.Is(err, redis.Nil) {
		return nil, err
	}
	at, err := st.rdb.XRange(ctx, st.stream, offset, offset).Result()
	if err != nil {
		return nil, err
	}
	raw, err := get.Result()
	if errors.Is(err, redis.Nil) || len(at) == 0 {
		return nil, nil // expired or unknown, or the offset was trimmed away
	}
	if err != nil {
		return nil, err
	}
	sess, err := decodeSession(raw)
	if err != nil {
		return nil, err
	}
	sess.MissedPackets = [][]any{}
	from := offset
	for range st.maxPages {
		start, err := nextOffset(from)
		if err != nil {
			return nil, err
		}
		entries, err := st.rdb.XRangeN(ctx, st.stream, start, "+", st.page).Result()
		if err != nil {
			return nil, err
		}
		for _, e := range entries {
			if data := missedPacket(e, st.nsp.Name(), sess.Rooms); data != nil {
				sess.MissedPackets = append(sess.MissedPackets, data)
			}
			from = e.ID
		}
		if int64(len(entries)) < st.page {
			break
		}
	}
	return sess, nil
}

// nextOffset is the smallest id after offset: XRANGE's exclusive start
// ("(id") came with Redis 6.2.
func nextOffset(offset string) (string, error) {
	ms, seq, ok := strings.Cut(offset, "-")
	n, err := strconv.ParseUint(seq, 10, 64)
	if !ok || err != nil {
		return "", fmt.Errorf("redisstreams: bad stream id %q", offset)
	}
	if n == ^uint64(0) {
		t, err := strconv.ParseUint(ms, 10, 64)
		if err != nil {
			return "", fmt.Errorf("redisstreams: bad stream id %q", offset)
		}
		return strconv.FormatUint(t+1, 10) + "-0", nil
	}
	return ms + "-" + strconv.FormatUint(n+1, 10), nil
}

// missedPacket returns the data array (entry id appended) of a stream entry
// that is a BROADCAST of namespace nsp that a socket in rooms received, or
// nil.
func missedPacket(e redis.XMessage, nsp string, rooms []string) []any {
	m, err := streamwire.DecodeEntry(e.Values)
	if err != nil || m.Nsp != nsp || m.Type != streamwire.Broadcast {
		return nil
	}
	pkt, _ := m.Data["packet"].(map[string]any)
	data, _ := pkt["data"].([]any)
	if len(data) == 0 {
		return nil
	}
	opts := clusterwire.ReadOpts(m.Data["opts"])
	if !included(rooms, opts.Rooms, opts.Except) {
		return nil
	}
	return append(data, e.ID)
}

// included tells whether a socket in rooms received a broadcast to targets
// (all sockets when empty) except excluded, as Node's shouldIncludePacket.
func included(rooms, targets, excluded []string) bool {
	in := len(targets) == 0
	for _, r := range rooms {
		for _, x := range excluded {
			if r == x {
				return false
			}
		}
		if !in {
			for _, t := range targets {
				if r == t {
					in = true
					break
				}
			}
		}
	}
	return in
}

// restorePage is the number of entries each XRANGE of a restore reads.
const restorePage = 1000

var _ socketio.SessionAdapter = (*Adapter)(nil)

func (a *Adapter) sessionStore() *sessionStore {
	return &sessionStore{
		rdb: a.client, nsp: a.nsp, stream: a.stream, prefix: a.opts.SessionKeyPrefix,
		page: restorePage, maxPages: restorePages,
	}
}

// PersistSession implements socketio.SessionAdapter: the session is kept
// in Redis, where any server of the cluster (Node's too) restores it, for
// the server's MaxDisconnectionDuration.
func (a *Adapter) PersistSession(ctx context.Context, s *socketio.SavedSession) error {
	ctx, cancel := a.bounded(ctx)
	defer cancel()
	return a.sessionStore().persist(ctx, s)
}

// RestoreSession implements socketio.SessionAdapter: it takes the session
// (once) and reads the namespace's broadcasts after offset from the
// stream. An offset that is not a stream entry id, or that the stream no
// longer holds (trimmed by MaxLen), restores nothing, as in Node.
func (a *Adapter) RestoreSession(ctx context.Context, pid, offset string) (*socketio.SavedSession, error) {
	ctx, cancel := a.bounded(ctx)
	defer cancel()
	return a.sessionStore().restore(ctx, pid, offset)
}
