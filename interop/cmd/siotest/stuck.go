package main

import (
	"context"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/gosio/gosio/socketio"
)

// Stuck listeners and sockets that end while they connect (issue 15). Every
// socket's end is recorded in a lifecycle log, by "nsp id":
//
//	"context-done"              its Context ended
//	"released"                  its "wait-context" listener returned
//	"unstuck"                   its "stuck" listener returned
//	"disconnecting <rooms>"     its "disconnecting" listener ran (Rooms, sorted, comma-separated)
//	"disconnect <reason>"       its "disconnect" listener ran
//
// Events:
//
//	"wait-context" ack              → ack("waiting"), then blocks until the socket's
//	                                  Context ends (the documented way to learn of a
//	                                  disconnection)
//	"stuck" ms ack                  → ack("stuck"), then blocks for ms whatever happens
//	"join-stuck" room ack           → joins room; ack(sorted rooms)
//	"noop"                          → nothing (fills a stuck socket's queue)
//	"wait-lifecycle" {nsp, id, entry, timeoutMs} ack → ack(log) once the socket's log
//	                                  has an entry starting with entry, or ack(null)
//	                                  after timeoutMs
//	"stuck-stats" ack               → ack({nsp: {sockets, rooms, connections,
//	                                  disconnections}}) for every namespace

type lifecycles struct {
	mu      sync.Mutex
	logs    map[string][]string
	changed chan struct{} // closed and replaced on every entry
	counts  map[string]*[2]int
}

var lifecycle = &lifecycles{logs: map[string][]string{}, changed: make(chan struct{}), counts: map[string]*[2]int{}}

func (l *lifecycles) add(key, entry string) {
	l.mu.Lock()
	l.logs[key] = append(l.logs[key], entry)
	close(l.changed)
	l.changed = make(chan struct{})
	l.mu.Unlock()
}

// count adds one to the namespace's connections (i 0) or disconnections (1).
func (l *lifecycles) count(nsp string, i int) {
	l.mu.Lock()
	c := l.counts[nsp]
	if c == nil {
		c = new([2]int)
		l.counts[nsp] = c
	}
	c[i]++
	l.mu.Unlock()
}

func (l *lifecycles) wait(ctx context.Context, key, prefix string) ([]string, bool) {
	for {
		l.mu.Lock()
		log := append([]string(nil), l.logs[key]...)
		changed := l.changed
		l.mu.Unlock()
		for _, e := range log {
			if strings.HasPrefix(e, prefix) {
				return log, true
			}
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return nil, false
		}
	}
}

func (a *app) setupStuck(s *socketio.Socket) {
	nsp := s.Namespace()
	key := nsp.Name() + " " + s.ID()
	lifecycle.count(nsp.Name(), 0)
	ctx := s.Context()
	go func() {
		<-ctx.Done()
		lifecycle.add(key, "context-done")
	}()
	s.On("disconnecting", func() {
		lifecycle.add(key, "disconnecting "+strings.Join(sortedRooms(s), ","))
	})
	s.On("disconnect", func(reason string) {
		lifecycle.add(key, "disconnect "+reason)
		lifecycle.count(nsp.Name(), 1)
	})
	s.On("wait-context", func(ack socketio.Ack) {
		_ = ack("waiting")
		<-s.Context().Done()
		lifecycle.add(key, "released")
	})
	s.On("stuck", func(ms int, ack socketio.Ack) {
		_ = ack("stuck")
		time.Sleep(time.Duration(ms) * time.Millisecond)
		lifecycle.add(key, "unstuck")
	})
	s.On("join-stuck", func(room string, ack socketio.Ack) {
		_ = s.Join(room)
		_ = ack(sortedRooms(s))
	})
	s.On("noop", func() {})
	s.On("wait-lifecycle", func(req struct {
		Nsp       string `json:"nsp"`
		ID        string `json:"id"`
		Entry     string `json:"entry"`
		TimeoutMs int    `json:"timeoutMs"`
	}, ack socketio.Ack) {
		go func() { // not on the socket's listeners: others may wait meanwhile
			ctx, cancel := context.WithTimeout(context.Background(), time.Duration(req.TimeoutMs)*time.Millisecond)
			defer cancel()
			if log, ok := lifecycle.wait(ctx, req.Nsp+" "+req.ID, req.Entry); ok {
				_ = ack(log)
				return
			}
			_ = ack(nil)
		}()
	})
	s.On("stuck-stats", func(ack socketio.Ack) {
		out := map[string]any{}
		a.nmu.Lock()
		nsps := make([]*socketio.Namespace, 0, len(a.nsps))
		for _, n := range a.nsps {
			nsps = append(nsps, n)
		}
		a.nmu.Unlock()
		sort.Slice(nsps, func(i, j int) bool { return nsps[i].Name() < nsps[j].Name() })
		for _, n := range nsps {
			rooms, _ := n.Adapter().AllRooms(context.Background())
			lifecycle.mu.Lock()
			c := lifecycle.counts[n.Name()]
			if c == nil {
				c = new([2]int)
			}
			out[n.Name()] = map[string]int{
				"sockets": len(n.Sockets()), "rooms": len(rooms), "connections": c[0], "disconnections": c[1],
			}
			lifecycle.mu.Unlock()
		}
		_ = ack(out)
	})
}
