// Package emitsel holds what gosio's emitters (redisemitter,
// redisstreamsemitter, postgresemitter) share: the selection a
// BroadcastOperator builds (rooms, excepted rooms, flags) and its encodings
// in the key orders Node's emitters and adapters write. It imports no
// Socket.IO server code, so the emitters stay free of it.
package emitsel

import (
	"slices"

	"github.com/gosio/gosio/internal/msgpack"
)

// reserved are the event names Socket.IO reserves.
var reserved = map[string]bool{
	"connect": true, "connect_error": true, "disconnect": true, "disconnecting": true,
	"newListener": true, "removeListener": true,
}

// Reserved reports whether event is a name Socket.IO reserves, which an
// emitter refuses to send.
func Reserved(event string) bool { return reserved[event] }

// Selection selects the sockets of a namespace by rooms and flags. It is a
// value: each method returns a new selection and leaves its receiver as it
// was. The zero value selects every socket.
type Selection struct {
	rooms      []string
	except     []string
	volatile   bool
	noCompress bool
}

// addUnique returns list (cloned, never changed in place) with the items it
// lacks appended, in order.
func addUnique(list []string, items []string) []string {
	list = slices.Clone(list)
	for _, it := range items {
		if !slices.Contains(list, it) {
			list = append(list, it)
		}
	}
	return list
}

// To adds rooms to target.
func (s Selection) To(rooms []string) Selection {
	s.rooms = addUnique(s.rooms, rooms)
	return s
}

// Except adds rooms to leave out.
func (s Selection) Except(rooms []string) Selection {
	s.except = addUnique(s.except, rooms)
	return s
}

// Volatile marks the event droppable.
func (s Selection) Volatile() Selection {
	s.volatile = true
	return s
}

// Compress sets whether the event may be compressed.
func (s Selection) Compress(compress bool) Selection {
	s.noCompress = !compress
	return s
}

// Rooms returns the targeted rooms, never nil.
func (s Selection) Rooms() []string { return List(s.rooms) }

// List returns s, or an empty list for nil: Node's arrays are never null.
func List(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// Flags is the selection's flags object: volatile, then compress, each
// only when set.
func (s Selection) Flags() msgpack.Map {
	f := msgpack.Map{}
	if s.volatile {
		f = append(f, msgpack.KV{Key: "volatile", Value: true})
	}
	if s.noCompress {
		f = append(f, msgpack.KV{Key: "compress", Value: false})
	}
	return f
}

// EmitterOpts is a broadcast's options as Node's emitters write them:
// flags before except.
func (s Selection) EmitterOpts() msgpack.Map {
	return msgpack.Object("rooms", List(s.rooms), "flags", s.Flags(), "except", List(s.except))
}

// ClusterOpts is a broadcast's options in the order of socket.io-adapter's
// ClusterAdapter: rooms, except, flags.
func (s Selection) ClusterOpts() msgpack.Map {
	return msgpack.Object("rooms", List(s.rooms), "except", List(s.except), "flags", s.Flags())
}

// RequestOpts is the options of a request (join, leave, disconnect) as
// Node's emitters write them: rooms and except, no flags.
func (s Selection) RequestOpts() msgpack.Map {
	return msgpack.Object("rooms", List(s.rooms), "except", List(s.except))
}
