package redisadapter

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/gosio/gosio/internal/msgpack"
	"github.com/gosio/gosio/parser"
	"github.com/gosio/gosio/socketio"
)

// This file holds what the classic and the sharded adapters share: ids,
// option and packet layouts, and the socket descriptions of fetchSockets
// answers, all in the shapes Node's adapters use.

const uidAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

// newUID returns an n-character id from the alphabet of Node's uid2.
func newUID(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = uidAlphabet[int(b[i])%len(uidAlphabet)]
	}
	return string(b)
}

// newHexID returns 8 random bytes in hex, as socket.io-adapter's randomId.
func newHexID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// unique returns rooms without duplicates, in order.
func unique(rooms []string) []string {
	if len(rooms) < 2 {
		return rooms
	}
	out := make([]string, 0, len(rooms))
	for _, r := range rooms {
		if !slices.Contains(out, r) {
			out = append(out, r)
		}
	}
	return out
}

func strs(rooms []string) []string {
	if rooms == nil {
		return []string{}
	}
	return unique(rooms)
}

// wireFlags renders flags as Node's BroadcastFlags object.
func wireFlags(f socketio.BroadcastFlags, timeout time.Duration) msgpack.Map {
	m := msgpack.Map{}
	if f.Volatile {
		m = append(m, msgpack.KV{Key: "volatile", Value: true})
	}
	if f.NoCompress {
		m = append(m, msgpack.KV{Key: "compress", Value: false})
	}
	if timeout > 0 {
		m = append(m, msgpack.KV{Key: "timeout", Value: timeout.Milliseconds()})
	}
	return m
}

// wireOpts renders opts as {rooms, except, flags}.
func wireOpts(opts *socketio.BroadcastOptions, withFlags bool, timeout time.Duration) msgpack.Map {
	m := msgpack.Object("rooms", strs(opts.Rooms), "except", strs(opts.Except))
	if withFlags {
		m = append(m, msgpack.KV{Key: "flags", Value: wireFlags(opts.Flags, timeout)})
	}
	return m
}

// readOpts reads Node's {rooms, except, flags}; a missing value selects
// every socket.
func readOpts(v any) *socketio.BroadcastOptions {
	m, _ := v.(map[string]any)
	opts := &socketio.BroadcastOptions{Rooms: stringList(m["rooms"]), Except: stringList(m["except"])}
	if f, ok := m["flags"].(map[string]any); ok {
		opts.Flags.Volatile = truthy(f["volatile"])
		if c, ok := f["compress"].(bool); ok && !c {
			opts.Flags.NoCompress = true
		}
	}
	return opts
}

func truthy(v any) bool {
	switch x := v.(type) {
	case bool:
		return x
	case nil:
		return false
	case string:
		return x != ""
	case float64:
		return x != 0 && !math.IsNaN(x)
	case int64:
		return x != 0
	}
	return true
}

// stringList reads an array of rooms (Node allows numbers too).
func stringList(v any) []string {
	arr, _ := v.([]any)
	out := make([]string, 0, len(arr))
	for _, e := range arr {
		switch x := e.(type) {
		case string:
			out = append(out, x)
		case nil:
		default:
			out = append(out, numberString(x))
		}
	}
	return out
}

func numberString(v any) string {
	if f, ok := v.(float64); ok {
		if f == math.Trunc(f) && math.Abs(f) < 1e21 {
			return fmt.Sprintf("%.0f", f)
		}
	}
	return fmt.Sprint(v)
}

// toInt reads a number from JSON (float64) or msgpack (int64/uint64).
func toInt(v any) (int, bool) {
	switch x := v.(type) {
	case float64:
		return int(x), x == math.Trunc(x)
	case int64:
		return int(x), true
	case uint64:
		return int(x), true
	}
	return 0, false
}

// wirePacket renders an EVENT packet as socket.io-parser's object. The
// arguments are normalized so that []byte values become msgpack bin (a
// Buffer in Node) wherever they are.
//
// The classic adapter names the namespace in the packet, as Node's does;
// the sharded one names it in the message around it, and Node's packet
// there has no nsp.
func wirePacket(pkt *parser.Packet, withNsp bool) (msgpack.Map, error) {
	data, _ := pkt.Data.([]any)
	norm, err := msgpack.Normalize(data)
	if err != nil {
		return nil, err
	}
	if !withNsp {
		return msgpack.Object("type", int(parser.Event), "data", norm), nil
	}
	return msgpack.Object("type", int(parser.Event), "data", norm, "nsp", pkt.Namespace), nil
}

// readPacket turns a received packet object into an EVENT packet for nsp,
// or nil when it is not one.
func readPacket(v any, nsp string) *parser.Packet {
	m, _ := v.(map[string]any)
	if m == nil {
		return nil
	}
	name, ok := m["nsp"].(string)
	if !ok {
		name = nsp // the sharded adapter's packets name it around them
	}
	if name != nsp {
		return nil
	}
	t, _ := toInt(m["type"])
	if t != int(parser.Event) && t != int(parser.BinaryEvent) {
		return nil
	}
	data, ok := m["data"].([]any)
	if !ok || len(data) == 0 {
		return nil
	}
	return &parser.Packet{Type: parser.Event, Namespace: nsp, Data: data}
}

// hasBinary reports whether a generic value holds []byte somewhere.
func hasBinary(v any) bool {
	switch x := v.(type) {
	case []byte:
		return true
	case []any:
		return slices.ContainsFunc(x, hasBinary)
	case map[string]any:
		for _, e := range x {
			if hasBinary(e) {
				return true
			}
		}
	case msgpack.Map:
		return slices.ContainsFunc(x, func(kv msgpack.KV) bool { return hasBinary(kv.Value) })
	}
	return false
}

// nodeTime formats t as JavaScript's String(new Date()).
func nodeTime(t time.Time) string {
	return t.Format("Mon Jan 02 2006 15:04:05 GMT-0700 (MST)")
}

// handshakeMap renders h as Node's socket.handshake object, keys in
// Node's order. Header names come sorted: Go does not keep the order the
// client sent them in, which Node's object has.
func handshakeMap(h *socketio.Handshake) msgpack.Map {
	if h == nil {
		return nil
	}
	names := make([]string, 0, len(h.Headers))
	for k := range h.Headers {
		names = append(names, k)
	}
	slices.Sort(names)
	headers := make(msgpack.Map, 0, len(names))
	for _, k := range names {
		// Node lowercases header names and joins repeated values.
		headers = append(headers, msgpack.KV{Key: strings.ToLower(k), Value: strings.Join(h.Headers[k], ", ")})
	}
	query := map[string]any{}
	for k, vs := range h.Query {
		if len(vs) == 1 {
			query[k] = vs[0]
		} else {
			query[k] = slices.Clone(vs)
		}
	}
	auth := map[string]any{}
	for k, v := range h.Auth {
		auth[k] = v
	}
	return msgpack.Object(
		"headers", headers, "time", nodeTime(h.Time), "address", h.Address,
		"xdomain", h.XDomain, "secure", h.Secure, "issued", h.Issued(), "url", h.URL,
		"query", query, "auth", auth,
	)
}

func fromWireHandshake(v any) *socketio.Handshake {
	m, _ := v.(map[string]any)
	if m == nil {
		return nil
	}
	h := &socketio.Handshake{Headers: http.Header{}, Query: url.Values{}}
	if hs, ok := m["headers"].(map[string]any); ok {
		for k, v := range hs {
			switch x := v.(type) {
			case string:
				h.Headers.Add(k, x)
			case []any:
				for _, e := range x {
					h.Headers.Add(k, fmt.Sprint(e))
				}
			}
		}
	}
	if qs, ok := m["query"].(map[string]any); ok {
		for k, v := range qs {
			switch x := v.(type) {
			case string:
				h.Query.Add(k, x)
			case []any:
				for _, e := range x {
					h.Query.Add(k, fmt.Sprint(e))
				}
			case nil:
			default:
				h.Query.Add(k, fmt.Sprint(x))
			}
		}
	}
	h.Auth, _ = m["auth"].(map[string]any)
	h.Address, _ = m["address"].(string)
	h.Secure, _ = m["secure"].(bool)
	h.XDomain, _ = m["xdomain"].(bool)
	h.URL, _ = m["url"].(string)
	if ms, ok := toInt(m["issued"]); ok {
		h.Time = time.UnixMilli(int64(ms))
	}
	return h
}

// wireSockets describes local sockets for a fetchSockets answer, as Node
// does: {id, handshake, rooms, data}. Data is normalized (so []byte stays
// binary); data that cannot be encoded is left out and reported to warn.
func wireSockets(sockets []*socketio.RemoteSocket, warn func(id string, err error)) []any {
	out := make([]any, 0, len(sockets))
	for _, s := range sockets {
		hs := handshakeMap(s.Handshake)
		if n := len(hs); n > 0 { // auth comes last
			if auth, err := msgpack.NormalizeValue(hs[n-1].Value); err == nil {
				hs[n-1].Value = auth
			} else {
				hs[n-1].Value = map[string]any{}
			}
		}
		data, err := msgpack.NormalizeValue(s.WireData())
		if err != nil {
			warn(s.ID, err)
			data = nil
		}
		if data == nil {
			// Node's socket.data starts as {}: Node code reads
			// socket.data.x, which throws on null.
			data = map[string]any{}
		}
		out = append(out, msgpack.Object(
			"id", s.ID, "handshake", hs, "rooms", strs(s.Rooms), "data", data,
		))
	}
	return out
}

// readSockets turns a fetchSockets answer into remote sockets of nsp.
func readSockets(nsp *socketio.Namespace, v any) []*socketio.RemoteSocket {
	arr, _ := v.([]any)
	out := make([]*socketio.RemoteSocket, 0, len(arr))
	for _, e := range arr {
		m, _ := e.(map[string]any)
		id, _ := m["id"].(string)
		if id == "" {
			continue
		}
		out = append(out, socketio.NewRemoteSocket(nsp, id, fromWireHandshake(m["handshake"]),
			stringList(m["rooms"]), m["data"]))
	}
	return out
}

// decodeMessage reads a JSON (first byte '{') or msgpack message.
func decodeMessage(payload []byte) (map[string]any, error) {
	if len(payload) > 0 && payload[0] == '{' {
		var m map[string]any
		if err := json.Unmarshal(payload, &m); err != nil {
			return nil, err
		}
		fromNodeBuffers(m)
		return m, nil
	}
	v, err := msgpack.Unmarshal(payload)
	if err != nil {
		return nil, err
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("redisadapter: message is a %T, not an object", v)
	}
	return m, nil
}

// firstArg is the one value an acknowledgement carries between servers
// (Node passes only the first argument on).
func firstArg(args []any) any {
	if len(args) == 0 {
		return nil
	}
	return args[0]
}

// responseValue decodes the first answer argument of a client.
func responseValue(r socketio.Response) any {
	if len(r.Args) == 0 {
		return nil
	}
	var v any
	if err := r.Args[0].Unmarshal(&v); err != nil {
		return nil
	}
	return v
}
