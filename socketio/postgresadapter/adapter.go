package postgresadapter

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/gosio/gosio/internal/clusterwire"
	"github.com/gosio/gosio/internal/msgpack"
	"github.com/gosio/gosio/internal/pgnotify"
	"github.com/gosio/gosio/parser"
	"github.com/gosio/gosio/socketio"
)

// Adapter is the adapter of one namespace over PostgreSQL LISTEN/NOTIFY,
// wire-compatible with Node's @socket.io/postgres-adapter 0.5 (a
// ClusterAdapterWithHeartbeat of socket.io-adapter): Go and Node servers
// on one database form one cluster. Obtain it through New.
//
// Servers count each other by their messages and heartbeats: a server
// silent for HeartbeatTimeout, or that said goodbye, no longer counts.
// AllRooms is local, as in Node. Connection state recovery does not cross
// servers (Node's adapter does not support it either).
type Adapter struct {
	*socketio.MemoryAdapter
	nsp  *socketio.Namespace
	c    *client
	f    *factory
	opts Options
	log  *slog.Logger
	uid  string
	// local answers the other servers' requests with the local sockets.
	local clusterwire.Local

	ctx    context.Context // ends on Close
	cancel context.CancelFunc
	wg     sync.WaitGroup
	// published restarts the heartbeat countdown.
	published chan struct{}

	mu       sync.Mutex
	closed   bool
	nodes    map[string]time.Time // other servers' uid → last message
	requests map[string]*request
	acks     map[string]*ackRequest
}

var _ socketio.Adapter = (*Adapter)(nil)

// request is a pending fetchSockets or serverSideEmit with acks: done
// when every server counted at its start has answered or gone.
type request struct {
	kind    int
	missing map[string]struct{}
	sockets []*socketio.RemoteSocket
	answers int
	onAck   func(socketio.Response)
	expect  func(int)
	done    chan struct{}
}

// ackRequest routes the answers to a broadcast with acknowledgements.
type ackRequest struct {
	expect func(int)
	onAck  func(socketio.Response)
}

// factory creates the namespaces' adapters over one shared client, made
// with the first namespace and closed with the last, as in Node.
type factory struct {
	pool *pgxpool.Pool
	opts Options

	mu     sync.Mutex
	client *client
}

// New returns an adapter factory for socketio.Options.Adapter:
//
//	io := socketio.NewServer(&socketio.Options{Adapter: postgresadapter.New(pool, nil)})
//
// pool serves NOTIFY and the attachment table; each server also opens one
// dedicated connection, with pool's settings, to LISTEN. The attachment
// table must exist (see CreateTable). New panics if opts.TableName is not
// a valid SQL name, a programming error.
func New(pool *pgxpool.Pool, opts *Options) func(*socketio.Namespace) socketio.Adapter {
	o, err := opts.withDefaults()
	if err != nil {
		panic(err)
	}
	f := &factory{pool: pool, opts: o}
	return func(nsp *socketio.Namespace) socketio.Adapter { return f.newAdapter(nsp) }
}

func (f *factory) newAdapter(nsp *socketio.Namespace) *Adapter {
	ctx, cancel := context.WithCancel(context.Background())
	log := f.opts.Logger
	if log == nil {
		log = nsp.Server().Logger()
	}
	a := &Adapter{
		MemoryAdapter: socketio.NewMemoryAdapter(nsp),
		nsp:           nsp, f: f, opts: f.opts, uid: clusterwire.HexID(),
		ctx: ctx, cancel: cancel,
		published: make(chan struct{}, 1),
		nodes:     map[string]time.Time{},
		requests:  map[string]*request{},
		acks:      map[string]*ackRequest{},
	}
	a.log = log.With("adapter", "postgres", "nsp", nsp.Name(), "uid", a.uid)
	a.local = clusterwire.Local{
		Ctx: ctx, Memory: a.MemoryAdapter, Nsp: nsp, Log: a.log, Name: "postgresadapter",
		Spawn: a.spawn, WarnData: a.warnData,
	}
	if ch := pgnotify.Channel(f.opts.ChannelPrefix, nsp.Name()); len(ch) > maxChannel {
		// PostgreSQL truncates a longer LISTEN name and refuses it in
		// pg_notify: this namespace cannot reach the cluster (nor can
		// Node's adapter with it).
		a.log.Error("postgresadapter: channel name over 63 bytes; PostgreSQL refuses it", "channel", ch)
	}
	f.mu.Lock()
	if f.client == nil {
		f.client = newClient(f.pool, f.opts, log.With("adapter", "postgres"))
	}
	a.c = f.client
	a.c.add(a)
	f.mu.Unlock()

	// Announce ourselves once LISTENing, so that the others' answering
	// heartbeats reach us (bounded: the database may be down).
	t := time.NewTimer(a.opts.RequestsTimeout)
	select {
	case <-a.c.ready():
	case <-t.C:
		a.log.Warn("postgresadapter: not listening yet; the listener keeps trying")
	}
	t.Stop()
	a.wg.Add(1)
	go a.heartbeatLoop()
	a.publishAsync(clusterwire.MsgInitialHeartbeat, nil)
	return a
}

// maxChannel is PostgreSQL's longest identifier (NAMEDATALEN - 1), which
// a channel name is.
const maxChannel = 63

// UID returns the id this server uses on the wire.
func (a *Adapter) UID() string { return a.uid }

// RequestsTimeout returns how long requests wait for other servers.
func (a *Adapter) RequestsTimeout() time.Duration { return a.opts.RequestsTimeout }

// --- goroutines ---

// spawn runs f on a goroutine that Close waits for; false once closed.
func (a *Adapter) spawn(f func()) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.closed {
		return false
	}
	a.wg.Add(1)
	go func() {
		defer a.wg.Done()
		f()
	}()
	return true
}

// heartbeatLoop sends a heartbeat HeartbeatInterval after the last
// message, and drops, every second, the servers silent for longer than
// HeartbeatTimeout: ClusterAdapterWithHeartbeat's two timers.
func (a *Adapter) heartbeatLoop() {
	defer a.wg.Done()
	hb := time.NewTimer(a.opts.HeartbeatInterval)
	defer hb.Stop()
	sweep := time.NewTicker(time.Second)
	defer sweep.Stop()
	for {
		select {
		case <-a.ctx.Done():
			return
		case <-a.published:
			hb.Reset(a.opts.HeartbeatInterval)
		case <-hb.C:
			a.publishAsync(clusterwire.MsgHeartbeat, nil)
			hb.Reset(a.opts.HeartbeatInterval)
		case now := <-sweep.C:
			a.mu.Lock()
			var gone []string
			for uid, seen := range a.nodes {
				if now.Sub(seen) > a.opts.HeartbeatTimeout {
					gone = append(gone, uid)
				}
			}
			a.mu.Unlock()
			for _, uid := range gone {
				a.log.Info("postgresadapter: server seems down", "server", uid)
				a.removeNode(uid)
			}
		}
	}
}

// --- publishing ---

// publish sends a message {type, data, uid, nsp} to the cluster; data may
// be nil (heartbeats).
func (a *Adapter) publish(ctx context.Context, typ int, data msgpack.Map) error {
	m := msgpack.Object("type", typ)
	if data != nil {
		m = append(m, msgpack.KV{Key: "data", Value: data})
	}
	m = append(m, msgpack.KV{Key: "uid", Value: a.uid}, msgpack.KV{Key: "nsp", Value: a.nsp.Name()})
	if typ < clusterwire.MsgFetchSocketsResponse || typ == clusterwire.MsgServerSideEmit || typ == clusterwire.MsgAdapterClose {
		// Requests restart the heartbeat countdown; responses do not (as
		// in Node, where they bypass publish).
		select {
		case a.published <- struct{}{}:
		default:
		}
	}
	ctx, cancel := a.bounded(ctx)
	defer cancel()
	if err := a.c.publish(ctx, a.uid, a.nsp.Name(), typ, m); err != nil {
		a.log.Warn("postgresadapter: publish failed", "type", typ, "err", err)
		return err
	}
	return nil
}

func (a *Adapter) publishAsync(typ int, data msgpack.Map) {
	a.spawn(func() { _ = a.publish(a.ctx, typ, data) })
}

// bounded returns ctx limited to RequestsTimeout and to the adapter's
// life.
func (a *Adapter) bounded(ctx context.Context) (context.Context, context.CancelFunc) {
	if ctx == nil {
		ctx = context.Background()
	}
	ctx, cancel := context.WithTimeout(ctx, a.opts.RequestsTimeout)
	stop := context.AfterFunc(a.ctx, cancel)
	return ctx, func() { stop(); cancel() }
}

// --- server tracking ---

func (a *Adapter) removeNode(uid string) {
	var finished []*request
	a.mu.Lock()
	delete(a.nodes, uid)
	for id, r := range a.requests {
		if _, ok := r.missing[uid]; !ok {
			continue
		}
		delete(r.missing, uid)
		if len(r.missing) == 0 {
			delete(a.requests, id)
			finished = append(finished, r)
		}
	}
	a.mu.Unlock()
	for _, r := range finished {
		a.finish(r)
	}
}

// finish completes a request taken out of a.requests.
func (a *Adapter) finish(r *request) {
	if r.expect != nil {
		r.expect(r.answers)
	}
	close(r.done)
}

func (a *Adapter) otherServers() map[string]struct{} {
	a.mu.Lock()
	defer a.mu.Unlock()
	m := make(map[string]struct{}, len(a.nodes))
	for uid := range a.nodes {
		m[uid] = struct{}{}
	}
	return m
}

// ServerCount implements socketio.Adapter: this server and those heard
// from within HeartbeatTimeout.
func (a *Adapter) ServerCount(context.Context) (int, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	return 1 + len(a.nodes), nil
}

// --- sending: socketio.Adapter ---

func wireOpts(opts *socketio.BroadcastOptions, timeout time.Duration) msgpack.Map {
	return clusterwire.Opts(opts, true, timeout)
}

// Broadcast implements socketio.Adapter.
func (a *Adapter) Broadcast(ctx context.Context, pkt *parser.Packet, opts *socketio.BroadcastOptions) error {
	if err := a.MemoryAdapter.Broadcast(ctx, pkt, opts); err != nil {
		return err
	}
	if opts.Flags.Local {
		return nil
	}
	wp, err := clusterwire.BroadcastPacket(pkt, false)
	if err != nil {
		return fmt.Errorf("postgresadapter: encode: %w", err)
	}
	return a.publish(ctx, clusterwire.MsgBroadcast, msgpack.Object("packet", wp, "opts", wireOpts(opts, opts.Flags.Timeout)))
}

// BroadcastWithAck implements socketio.Adapter.
func (a *Adapter) BroadcastWithAck(ctx context.Context, pkt *parser.Packet, opts *socketio.BroadcastOptions,
	expect func(int), onAck func(socketio.Response)) error {
	if !opts.Flags.Local {
		wp, err := clusterwire.Packet(pkt, false)
		if err != nil {
			return fmt.Errorf("postgresadapter: encode: %w", err)
		}
		id := clusterwire.HexID()
		if err := a.registerAck(ctx, id, expect, onAck); err != nil {
			return err
		}
		err = a.publish(ctx, clusterwire.MsgBroadcast, msgpack.Object(
			"packet", wp, "requestId", id, "opts", wireOpts(opts, clusterwire.AckTimeout(ctx, opts))))
		if err != nil {
			a.dropAck(id)
			return err
		}
	}
	return a.MemoryAdapter.BroadcastWithAck(ctx, pkt, opts, expect, onAck)
}

// registerAck stores the callbacks of a broadcast with acks until ctx ends.
func (a *Adapter) registerAck(ctx context.Context, id string, expect func(int), onAck func(socketio.Response)) error {
	a.mu.Lock()
	if a.closed {
		a.mu.Unlock()
		return ErrClosed
	}
	a.acks[id] = &ackRequest{expect: expect, onAck: onAck}
	a.wg.Add(1)
	a.mu.Unlock()
	go func() {
		defer a.wg.Done()
		select {
		case <-ctx.Done():
		case <-a.ctx.Done():
		}
		a.dropAck(id)
	}()
	return nil
}

func (a *Adapter) dropAck(id string) {
	a.mu.Lock()
	delete(a.acks, id)
	a.mu.Unlock()
}

// AddSockets implements socketio.Adapter.
func (a *Adapter) AddSockets(ctx context.Context, opts *socketio.BroadcastOptions, rooms []string) error {
	_ = a.MemoryAdapter.AddSockets(ctx, opts, rooms)
	if opts.Flags.Local {
		return nil
	}
	return a.publish(ctx, clusterwire.MsgSocketsJoin, msgpack.Object("opts", wireOpts(opts, 0), "rooms", clusterwire.Strs(rooms)))
}

// DelSockets implements socketio.Adapter.
func (a *Adapter) DelSockets(ctx context.Context, opts *socketio.BroadcastOptions, rooms []string) error {
	_ = a.MemoryAdapter.DelSockets(ctx, opts, rooms)
	if opts.Flags.Local {
		return nil
	}
	return a.publish(ctx, clusterwire.MsgSocketsLeave, msgpack.Object("opts", wireOpts(opts, 0), "rooms", clusterwire.Strs(rooms)))
}

// DisconnectSockets implements socketio.Adapter.
func (a *Adapter) DisconnectSockets(ctx context.Context, opts *socketio.BroadcastOptions, close bool) error {
	_ = a.MemoryAdapter.DisconnectSockets(ctx, opts, close)
	if opts.Flags.Local {
		return nil
	}
	return a.publish(ctx, clusterwire.MsgDisconnectSockets, msgpack.Object("opts", wireOpts(opts, 0), "close", close))
}

// FetchSockets implements socketio.Adapter: the local sockets and those
// of every server counted now. A server that leaves or goes silent
// meanwhile is not waited for; on a timeout it returns what it has with
// an error wrapping ErrTimeout.
func (a *Adapter) FetchSockets(ctx context.Context, opts *socketio.BroadcastOptions) ([]*socketio.RemoteSocket, error) {
	local, _ := a.MemoryAdapter.FetchSockets(ctx, opts)
	if opts.Flags.Local {
		return local, nil
	}
	missing := a.otherServers()
	if len(missing) == 0 {
		return local, nil
	}
	id := clusterwire.HexID()
	r := &request{kind: clusterwire.MsgFetchSockets, missing: missing, sockets: local, done: make(chan struct{})}
	timing := a.nsp.StartAdapterRequest("fetchSockets")
	var err error
	defer func() { observed(timing, err) }()
	if err = a.register(id, r); err != nil {
		return local, err
	}
	if err = a.publish(ctx, clusterwire.MsgFetchSockets, msgpack.Object("opts", wireOpts(opts, 0), "requestId", id)); err != nil {
		a.unregister(id)
		return local, err
	}
	timeout := a.opts.RequestsTimeout
	if opts.Flags.Timeout > 0 {
		timeout = opts.Flags.Timeout
	}
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case <-r.done:
	case <-t.C:
		err = a.timeoutErr(id, r, "fetchSockets")
	case <-ctx.Done():
		a.unregister(id)
		err = ctx.Err()
	case <-a.ctx.Done():
		err = ErrClosed
	}
	a.mu.Lock()
	out := r.sockets
	a.mu.Unlock()
	return out, err
}

func (a *Adapter) register(id string, r *request) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.closed {
		return ErrClosed
	}
	a.requests[id] = r
	return nil
}

func (a *Adapter) unregister(id string) {
	a.mu.Lock()
	delete(a.requests, id)
	a.mu.Unlock()
}

func (a *Adapter) timeoutErr(id string, r *request, what string) error {
	a.mu.Lock()
	n := len(r.missing)
	delete(a.requests, id)
	a.mu.Unlock()
	err := fmt.Errorf("%w: missing %d responses to %s", ErrTimeout, n, what)
	a.log.Warn("postgresadapter: request timed out", "err", err)
	return err
}

// ServerSideEmit implements socketio.Adapter. With onAck, it expects an
// answer from each server counted now; one that leaves or goes silent is
// not waited for.
func (a *Adapter) ServerSideEmit(ctx context.Context, args []any, expect func(int), onAck func(socketio.Response)) error {
	packet, err := msgpack.Normalize(args)
	if err != nil {
		return fmt.Errorf("postgresadapter: encode: %w", err)
	}
	if onAck == nil {
		return a.publish(ctx, clusterwire.MsgServerSideEmit, msgpack.Object("packet", packet))
	}
	missing := a.otherServers()
	if len(missing) == 0 {
		expect(0)
		return nil
	}
	id := clusterwire.HexID()
	// expect is told the count when the request ends: the servers that
	// answered, once every other has answered or gone.
	r := &request{kind: clusterwire.MsgServerSideEmit, missing: missing, onAck: onAck, expect: expect, done: make(chan struct{})}
	timing := a.nsp.StartAdapterRequest("serverSideEmit")
	if err := a.register(id, r); err != nil {
		observed(timing, err)
		return err
	}
	if err := a.publish(ctx, clusterwire.MsgServerSideEmit, msgpack.Object("requestId", id, "packet", packet)); err != nil {
		a.unregister(id)
		observed(timing, err)
		return err
	}
	// Forget the request when the caller stops waiting: at its context's
	// deadline, used as it is, or after RequestsTimeout without one.
	_, hasDeadline := ctx.Deadline()
	if !a.spawn(func() {
		var limit <-chan time.Time // nil: never
		if !hasDeadline {
			t := time.NewTimer(a.opts.RequestsTimeout)
			defer t.Stop()
			limit = t.C
		}
		select {
		case <-r.done:
			timing.Done(nil)
		case <-ctx.Done():
			a.unregister(id)
			observed(timing, ctx.Err())
		case <-limit:
			a.unregister(id)
			timing.TimedOut()
		case <-a.ctx.Done():
			timing.Done(ErrClosed)
		}
	}) {
		observed(timing, ErrClosed)
		return ErrClosed
	}
	return nil
}

// Close implements socketio.Adapter: it tells the other servers that this
// one leaves, stops, and closes the shared listening connection with the
// last namespace.
func (a *Adapter) Close() error {
	a.mu.Lock()
	if a.closed {
		a.mu.Unlock()
		return nil
	}
	a.mu.Unlock()
	// Say goodbye while the adapter still runs, so that the others stop
	// waiting for us at once.
	err := a.publish(context.Background(), clusterwire.MsgAdapterClose, nil)
	a.mu.Lock()
	a.closed = true
	a.requests = map[string]*request{}
	a.acks = map[string]*ackRequest{}
	a.mu.Unlock()
	a.cancel()
	a.wg.Wait()

	a.f.mu.Lock()
	last := a.c.remove(a)
	if last && a.f.client == a.c {
		a.f.client = nil
	}
	a.f.mu.Unlock()
	if last {
		a.c.close()
	}
	return err
}

// observed ends a request's timing for the server's adapter request
// counters, with its outcome.
func observed(timing socketio.AdapterRequest, err error) {
	if errors.Is(err, ErrTimeout) {
		timing.TimedOut()
	} else {
		timing.Done(err)
	}
}
