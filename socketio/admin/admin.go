// Package admin lets the Socket.IO Admin UI (the npm package
// @socket.io/admin-ui, 0.5.x) watch and drive a gosio server, as Node's
// instrument(io, options) does: one call to [Instrument] and the UI,
// pointed at the server, shows its servers, namespaces, clients, sockets,
// rooms and events, and can make sockets join or leave rooms, disconnect
// them, or emit to them.
//
//	io := socketio.NewServer(nil)
//	hash, _ := bcrypt.GenerateFromPassword([]byte("secret"), 10)
//	a, err := admin.Instrument(io, admin.Options{
//		Auth: &admin.BasicAuth{Username: "admin", PasswordHash: string(hash)},
//	})
//	defer a.Close()
//
// The UI itself is a static web application: use the hosted one
// (https://admin.socket.io) or serve the files of the npm package's ui/dist
// directory with [net/http.FileServer].
//
// As Node's, the UI hears of a socket's new data at once: Node watches
// socket.data through a proxy, so it sees every property set; in Go a
// socket's data changes only through [socketio.Socket.SetData], which is
// what the UI hears of (a map changed in place after SetData is not seen
// until the next SetData or a reload of the list). In a cluster with Node
// servers, the sockets of this server show with their client id and
// transport in the Node servers' UIs too ([socketio.Server.ShareAdminInfo]).
//
// Cost: the server's counters ([socketio.Server.Stats],
// [engineio.Server.Stats]) are turned on, an atomic add per message; the
// stats timer runs once a second. In development mode each socket also
// gets listeners for its events and rooms, which emit to the admin
// namespace only while a UI is connected to this server or the namespace's
// adapter spans a cluster.
package admin

import (
	"context"
	"errors"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gosio/gosio/socketio"
)

// processStart approximates the process's start, for the uptime the UI
// shows (Node's process.uptime()): packages are initialised at start-up.
var processStart = time.Now()

// Mode is the amount of detail sent to the UI.
type Mode string

// Modes, with Node's names.
const (
	// Development sends the sockets, their rooms and events as they change
	// (the UI's Sockets, Rooms, Clients and Events pages).
	Development Mode = "development"
	// Production sends the server stats only (the dashboard).
	Production Mode = "production"
)

// Options configures [Instrument].
type Options struct {
	// Namespace is the admin namespace the UI connects to. Default
	// "/admin".
	Namespace string
	// Auth, when set, requires the UI to log in. nil means no
	// authentication: anyone who reaches the server can use the UI, so
	// NoAuth must then be true, as Node requires `auth: false` to be said.
	Auth *BasicAuth
	// NoAuth confirms that the admin namespace is open to anyone.
	NoAuth bool
	// ReadOnly hides the UI's actions (join, leave, disconnect, emit) and
	// refuses them.
	ReadOnly bool
	// Mode is Development (the default, as Node's without NODE_ENV) or
	// Production.
	Mode Mode
	// ServerID names this server in the UI. Default: the host name.
	ServerID string
	// Sessions keeps the UI's login sessions, so that a reload of the UI
	// does not ask for the password again. Default: in memory, for 24
	// hours. A cluster whose UI may reach any server shares one.
	Sessions SessionStore
}

// Admin is an instrumented server's admin side. Close it to stop.
type Admin struct {
	io       *socketio.Server
	nsp      *socketio.Namespace
	opts     Options
	features []string
	hostname string

	stats *statsCollector
	live  *liveSockets // nil in production mode

	pending pendingSessions
	uis     atomic.Int64 // UIs connected to this server

	fetchMu  sync.Mutex      // orders fetches.Add before Close's Wait
	fetches  sync.WaitGroup  // socket lists being fetched for new UIs
	closing  context.Context // cancelled by Close
	cancel   context.CancelFunc
	stopOnce sync.Once
	stops    []func()
	done     chan struct{}
	exited   chan struct{}
}

// Instrument sets up the admin namespace of io for the Admin UI and starts
// the stats timer. It returns an error for invalid options.
func Instrument(io *socketio.Server, opts Options) (*Admin, error) {
	if opts.Namespace == "" {
		opts.Namespace = "/admin"
	}
	if opts.Namespace[0] != '/' {
		opts.Namespace = "/" + opts.Namespace
	}
	if opts.Mode == "" {
		opts.Mode = Development
	}
	if opts.Mode != Development && opts.Mode != Production {
		return nil, errors.New("admin: Mode must be Development or Production")
	}
	if opts.Auth == nil && !opts.NoAuth {
		return nil, errors.New("admin: set Auth, or NoAuth to open the admin namespace to anyone")
	}
	if opts.Auth != nil {
		if err := opts.Auth.check(); err != nil {
			return nil, err
		}
	}
	if opts.Sessions == nil {
		opts.Sessions = NewMemorySessions(24 * time.Hour)
	}
	hostname, _ := os.Hostname()
	if opts.ServerID == "" {
		opts.ServerID = hostname
	}
	a := &Admin{
		io:       io,
		nsp:      io.Of(opts.Namespace),
		opts:     opts,
		hostname: hostname,
		done:     make(chan struct{}),
		exited:   make(chan struct{}),
	}
	a.closing, a.cancel = context.WithCancel(context.Background())
	a.features = a.supportedFeatures()
	a.stats = newStatsCollector(io)
	a.stops = append(a.stops, io.Engine().Observe(a.stats))
	if opts.Mode == Development {
		a.live = newLiveSockets(a)
		a.stops = append(a.stops, a.live.start()...)
		// Node's instrument keeps the client id and transport in
		// socket.data._admin in development mode, where its UI reads them
		// for the sockets of other servers: this server's answers carry it.
		a.stops = append(a.stops, io.ShareAdminInfo())
	}
	if opts.Auth != nil {
		a.nsp.Use(a.authenticate)
	}
	a.nsp.OnConnection(a.onAdminConnection)
	go a.run()
	return a, nil
}

// Namespace returns the admin namespace.
func (a *Admin) Namespace() *socketio.Namespace { return a.nsp }

// Close stops the stats timer and the listeners Instrument set up. The
// admin namespace stays, with its sockets; the UI stops hearing news.
func (a *Admin) Close() error {
	a.stopOnce.Do(func() {
		close(a.done)
		<-a.exited
		a.fetchMu.Lock()
		a.cancel()
		a.fetchMu.Unlock()
		a.fetches.Wait()
		for _, stop := range a.stops {
			stop()
		}
	})
	return nil
}

func (a *Admin) supportedFeatures() []string {
	var f []string
	if !a.opts.ReadOnly {
		f = append(f, "EMIT", "JOIN", "LEAVE", "DISCONNECT", "MJOIN", "MLEAVE", "MDISCONNECT")
	}
	f = append(f, "AGGREGATED_EVENTS")
	if a.opts.Mode == Development {
		f = append(f, "ALL_EVENTS")
	}
	return f
}

// onAdminConnection runs for each UI that connects. What it emits reaches
// the UI right after the namespace's CONNECT, once the UI listens: the UI
// registers its listeners in its connect handler, so anything sent before
// CONNECT (Node sends the login session there) would be lost.
func (a *Admin) onAdminConnection(s *socketio.Socket) {
	if a.uis.Add(1) == 1 && a.live != nil {
		a.live.hookAll()
	}
	s.On("disconnect", func(socketio.DisconnectReason) {
		if a.uis.Add(-1) == 0 && a.live != nil {
			a.live.unhookAll()
		}
	})
	if id := a.pending.take(s); id != "" {
		_ = s.Emit("session", id)
	}
	if !a.opts.ReadOnly {
		a.registerActions(s)
	}
	_ = s.Emit("config", map[string]any{"supportedFeatures": a.features})
	if a.live != nil {
		// Cluster-wide, as Node's: it waits for the other servers, so it
		// runs after the handler, which would otherwise hold up CONNECT.
		a.fetchMu.Lock()
		defer a.fetchMu.Unlock()
		if a.closing.Err() != nil {
			return // closed: the UI hears nothing more
		}
		a.fetches.Add(1)
		go func() {
			defer a.fetches.Done()
			ctx, cancel := context.WithCancel(s.Context())
			defer cancel()
			stop := context.AfterFunc(a.closing, cancel)
			defer stop()
			_ = s.Emit("all_sockets", a.live.all(ctx))
		}()
	}
}

// run is the stats timer: it samples the counters every second, so that
// the UI's per-second aggregates are right, and emits every two seconds,
// as Node's.
func (a *Admin) run() {
	defer close(a.exited)
	a.stats.sample(time.Now())
	a.emitStats()
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for odd := true; ; odd = !odd {
		select {
		case <-a.done:
			return
		case now := <-t.C:
			a.stats.sample(now)
			if !odd {
				a.emitStats()
			}
		}
	}
}

// listened reports whether anything emitted to the admin namespace can
// reach a UI: one connected here, or the namespace's adapter is a
// cluster's, whose other servers may have one.
func (a *Admin) listened() bool {
	if a.uis.Load() > 0 {
		return true
	}
	_, local := a.nsp.Adapter().(*socketio.MemoryAdapter)
	return !local
}

func (a *Admin) emitStats() {
	if !a.listened() {
		a.stats.drain() // nobody to tell: the aggregates are dropped, as Node's would be unheard
		return
	}
	type nspStats struct {
		Name         string `json:"name"`
		SocketsCount int    `json:"socketsCount"`
	}
	nsps := a.io.Namespaces()
	list := make([]nspStats, 0, len(nsps))
	for _, n := range nsps {
		list = append(list, nspStats{Name: n.Name(), SocketsCount: len(n.Sockets())})
	}
	clients, polling := a.stats.clients()
	_ = a.nsp.Emit("server_stats", map[string]any{
		"serverId":            a.opts.ServerID,
		"hostname":            a.hostname,
		"pid":                 os.Getpid(),
		"uptime":              time.Since(processStart).Seconds(),
		"clientsCount":        clients,
		"pollingClientsCount": polling,
		"aggregatedEvents":    a.stats.drain(),
		"namespaces":          list,
	})
}
