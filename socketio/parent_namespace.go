package socketio

import (
	"context"
	"slices"
	"sync"
	"time"
)

// ParentNamespace is a dynamic namespace: it creates a child namespace for
// each name it accepts, gives each child its middlewares and connection
// handlers, and broadcasts to all its children at once.
//
// A namespace whose name a dynamic namespace accepts is its child however
// it comes to exist: made for a connecting client, made by [Server.Of]
// (for instance to emit to it before any client came), or made before the
// dynamic namespace was declared. The parent's middlewares then run for
// every client of the namespace (those the parent had when it adopted the
// namespace before the namespace's own, later ones after), so
// authentication in them cannot be bypassed. A regular expression decides by the name alone. A function
// is asked with an empty auth when a namespace is made or found by the
// app, and with the client's auth when a client connects to a namespace
// that has no parent yet: authenticate in middlewares, and let the
// function route. The main namespace "/" is never a child.
type ParentNamespace struct {
	srv   *Server
	match func(name string, auth map[string]any) bool

	mu          sync.RWMutex
	children    map[string]*Namespace
	middlewares []Middleware
	onConnect   []func(*Socket)
}

// Use adds a connect middleware to every child, present and future.
func (p *ParentNamespace) Use(mw Middleware) *ParentNamespace {
	p.mu.Lock()
	p.middlewares = append(p.middlewares, mw)
	kids := p.childList()
	p.mu.Unlock()
	for _, n := range kids {
		n.Use(mw)
	}
	return p
}

// OnConnection registers fn for sockets connecting to any child.
func (p *ParentNamespace) OnConnection(fn func(*Socket)) {
	p.mu.Lock()
	p.onConnect = append(p.onConnect, fn)
	kids := p.childList()
	p.mu.Unlock()
	for _, n := range kids {
		n.OnConnection(fn)
	}
}

// On registers "connection" (alias "connect") listeners, which take a
// func(*Socket). Anything else panics, as a programming error.
func (p *ParentNamespace) On(event string, fn any) {
	f, ok := fn.(func(*Socket))
	if (event != "connection" && event != "connect") || !ok {
		panic(`socketio: ParentNamespace.On wants "connection" and a func(*socketio.Socket)`)
	}
	p.OnConnection(f)
}

// Children returns the current child namespaces.
func (p *ParentNamespace) Children() []*Namespace {
	p.mu.RLock()
	defer p.mu.RUnlock()
	return p.childList()
}

func (p *ParentNamespace) childList() []*Namespace {
	out := make([]*Namespace, 0, len(p.children))
	for _, n := range p.children {
		out = append(out, n)
	}
	return out
}

// adopt makes n a child of p, unless n has a parent already: the parent's
// middlewares run before n's own, and its connection handlers before n's.
func (p *ParentNamespace) adopt(n *Namespace) {
	p.mu.Lock()
	defer p.mu.Unlock()
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.parent != nil {
		return
	}
	n.parent = p
	n.middlewares = append(slices.Clone(p.middlewares), n.middlewares...)
	n.onConnect = append(slices.Clone(p.onConnect), n.onConnect...)
	p.children[n.name] = n
}

func (p *ParentNamespace) forget(n *Namespace) {
	p.mu.Lock()
	if p.children[n.name] == n {
		delete(p.children, n.name)
	}
	p.mu.Unlock()
}

func (p *ParentNamespace) operator() *BroadcastOperator {
	return &BroadcastOperator{targets: p.Children()}
}

// Emit sends an event to every socket of every child.
func (p *ParentNamespace) Emit(event string, args ...any) error {
	return p.operator().Emit(event, args...)
}

// To targets the sockets in rooms, in every child.
func (p *ParentNamespace) To(rooms ...string) *BroadcastOperator { return p.operator().To(rooms...) }

// In is the same as To.
func (p *ParentNamespace) In(rooms ...string) *BroadcastOperator { return p.operator().To(rooms...) }

// Except leaves out the sockets in rooms, in every child.
func (p *ParentNamespace) Except(rooms ...string) *BroadcastOperator {
	return p.operator().Except(rooms...)
}

// Volatile marks packets droppable, in every child.
func (p *ParentNamespace) Volatile() *BroadcastOperator { return p.operator().Volatile() }

// Timeout sets how long EmitWithAck waits.
func (p *ParentNamespace) Timeout(d time.Duration) *BroadcastOperator {
	return p.operator().Timeout(d)
}

// FetchSockets returns the sockets of every child.
func (p *ParentNamespace) FetchSockets(ctx context.Context) ([]*RemoteSocket, error) {
	return p.operator().FetchSockets(ctx)
}
