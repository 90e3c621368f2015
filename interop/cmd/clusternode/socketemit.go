package main

import (
	"context"
	"sync"
	"time"

	"github.com/gosio/gosio/socketio"
)

// socketHooks run on each socket of "/" as it connects; files of this
// command that add control events register one.
var socketHooks []func(*socketio.Socket)

// seen holds the last socket of each id this server connected, kept after
// it disconnects, as a Node app keeps the socket its handler was given:
// "socket-emit" reaches it through the Socket itself, so that with
// -recovery an emit to a socket that lost its connection goes where
// socket.io sends it (the stream, for its recovery). A test server: the
// map is never pruned.
var seen sync.Map // id → *socketio.Socket

func init() {
	socketHooks = append(socketHooks, func(s *socketio.Socket) {
		seen.Store(s.ID(), s)
		s.On("socket-emit", socketEmit)
	})
}

// socketEmit is the "socket-emit" control event: {id, event, data} is
// Emit on socket id; with ack true, Timeout(timeout ms, default 5000)
// and EmitWithAck, answered with the first argument of the reply.
func socketEmit(m map[string]any, ack socketio.Ack) {
	id, _ := m["id"].(string)
	event, _ := m["event"].(string)
	v, ok := seen.Load(id)
	if !ok {
		_ = ack(map[string]any{"ok": false, "error": "not found"})
		return
	}
	s := v.(*socketio.Socket)
	if withAck, _ := m["ack"].(bool); !withAck {
		if err := s.Emit(event, m["data"]); err != nil {
			_ = ack(map[string]any{"ok": false, "error": err.Error()})
			return
		}
		_ = ack(map[string]any{"ok": true})
		return
	}
	timeout := 5 * time.Second
	if ms, ok := m["timeout"].(float64); ok && ms > 0 {
		timeout = time.Duration(ms) * time.Millisecond
	}
	r, err := s.Timeout(timeout).EmitWithAck(context.Background(), event, m["data"])
	if err != nil {
		_ = ack(map[string]any{"ok": false, "error": err.Error()})
		return
	}
	var first any
	if vals, err := r.Values(); err == nil && len(vals) > 0 {
		first = vals[0]
	}
	_ = ack(map[string]any{"ok": true, "response": first})
}
