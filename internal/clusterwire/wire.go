// Package clusterwire holds what gosio's cluster adapters and emitters share
// on the wire: ids, option and packet layouts, and the socket descriptions
// of fetchSockets answers, all in the shapes Node's adapters use (Redis
// Pub/Sub, sharded Pub/Sub, Redis Streams).
package clusterwire

import (
	"context"
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

const uidAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

// UID returns an n-character id from the alphabet of Node's uid2.
func UID(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = uidAlphabet[int(b[i])%len(uidAlphabet)]
	}
	return string(b)
}

// HexID returns 8 random bytes in hex, as socket.io-adapter's randomId.
func HexID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// Unique returns rooms without duplicates, in order.
func Unique(rooms []string) []string {
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

// Strs is Unique that never returns nil: Node's arrays are never null.
func Strs(rooms []string) []string {
	if rooms == nil {
		return []string{}
	}
	return Unique(rooms)
}

// Flags renders flags as Node's BroadcastFlags object.
func Flags(f socketio.BroadcastFlags, timeout time.Duration) msgpack.Map {
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

// Opts renders opts as {rooms, except, flags}.
func Opts(opts *socketio.BroadcastOptions, withFlags bool, timeout time.Duration) msgpack.Map {
	m := msgpack.Object("rooms", Strs(opts.Rooms), "except", Strs(opts.Except))
	if withFlags {
		m = append(m, msgpack.KV{Key: "flags", Value: Flags(opts.Flags, timeout)})
	}
	return m
}

// AckTimeout is the timeout a broadcast with acknowledgements gives the
// other servers: its own, else what is left of ctx's deadline (0: none).
func AckTimeout(ctx context.Context, opts *socketio.BroadcastOptions) time.Duration {
	timeout := opts.Flags.Timeout
	if d, ok := ctx.Deadline(); ok && timeout <= 0 {
		timeout = time.Until(d)
	}
	return timeout
}

// ReadOpts reads Node's {rooms, except, flags}; a missing value selects
// every socket.
func ReadOpts(v any) *socketio.BroadcastOptions {
	m, _ := v.(map[string]any)
	opts := &socketio.BroadcastOptions{Rooms: StringList(m["rooms"]), Except: StringList(m["except"])}
	if f, ok := m["flags"].(map[string]any); ok {
		opts.Flags.Volatile = Truthy(f["volatile"])
		if c, ok := f["compress"].(bool); ok && !c {
			opts.Flags.NoCompress = true
		}
	}
	return opts
}

// Truthy is JavaScript's truthiness of a decoded value.
func Truthy(v any) bool {
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

// StringList reads an array of rooms (Node allows numbers too).
func StringList(v any) []string {
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

// ToInt reads a number from JSON (float64) or msgpack (int64/uint64).
func ToInt(v any) (int, bool) {
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

// Packet renders an EVENT packet as socket.io-parser's object. The
// arguments are normalized so that []byte values become msgpack bin (a
// Buffer in Node) wherever they are.
//
// The classic adapter names the namespace in the packet, as Node's does;
// the sharded one names it in the message around it, and Node's packet
// there has no nsp.
func Packet(pkt *parser.Packet, withNsp bool) (msgpack.Map, error) {
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

// BroadcastPacket is Packet for a plain broadcast, whose packet keeps its
// ack id, if any, as Node's adapters publish it: a socket's own emit with
// an ack callback is such a broadcast when connection state recovery is on
// (a broadcast with acknowledgements has none: each server numbers its
// own).
func BroadcastPacket(pkt *parser.Packet, withNsp bool) (msgpack.Map, error) {
	m, err := Packet(pkt, withNsp)
	if err != nil || !pkt.HasID {
		return m, err
	}
	return append(m, msgpack.KV{Key: "id", Value: pkt.ID}), nil
}

// ReadPacket turns a received packet object into an EVENT packet for nsp,
// or nil when it is not one. An ack id it carries (see BroadcastPacket) is
// kept: Node's servers deliver such a packet with it.
func ReadPacket(v any, nsp string) *parser.Packet {
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
	t, _ := ToInt(m["type"])
	if t != int(parser.Event) && t != int(parser.BinaryEvent) {
		return nil
	}
	data, ok := m["data"].([]any)
	if !ok || len(data) == 0 {
		return nil
	}
	pkt := &parser.Packet{Type: parser.Event, Namespace: nsp, Data: data}
	if id, ok := m["id"]; ok {
		if n, ok := ToInt(id); ok && n >= 0 {
			pkt.ID, pkt.HasID = uint64(n), true
		}
	}
	return pkt
}

// nodeTime formats t as JavaScript's String(new Date()).
func nodeTime(t time.Time) string {
	return t.Format("Mon Jan 02 2006 15:04:05 GMT-0700 (MST)")
}

// Handshake renders h as Node's socket.handshake object, keys in
// Node's order. Header names come sorted: Go does not keep the order the
// client sent them in, which Node's object has.
func Handshake(h *socketio.Handshake) msgpack.Map {
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

// ReadHandshake reads Node's socket.handshake object (nil when v is not
// an object).
func ReadHandshake(v any) *socketio.Handshake {
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
	if ms, ok := ToInt(m["issued"]); ok {
		h.Time = time.UnixMilli(int64(ms))
	}
	return h
}

// Sockets describes local sockets for a fetchSockets answer, as Node
// does: {id, handshake, rooms, data}. Data is normalized (so []byte stays
// binary); data that cannot be encoded is left out and reported to warn.
func Sockets(sockets []*socketio.RemoteSocket, warn func(id string, err error)) []any {
	out := make([]any, 0, len(sockets))
	for _, s := range sockets {
		hs := Handshake(s.Handshake)
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
			"id", s.ID, "handshake", hs, "rooms", Strs(s.Rooms), "data", data,
		))
	}
	return out
}

// ReadSockets turns a fetchSockets answer into remote sockets of nsp.
func ReadSockets(nsp *socketio.Namespace, v any) []*socketio.RemoteSocket {
	arr, _ := v.([]any)
	out := make([]*socketio.RemoteSocket, 0, len(arr))
	for _, e := range arr {
		m, _ := e.(map[string]any)
		id, _ := m["id"].(string)
		if id == "" {
			continue
		}
		out = append(out, socketio.NewRemoteSocket(nsp, id, ReadHandshake(m["handshake"]),
			StringList(m["rooms"]), m["data"]))
	}
	return out
}

// DecodeMessage reads a JSON (first byte '{') or msgpack message.
func DecodeMessage(payload []byte) (map[string]any, error) {
	if len(payload) > 0 && payload[0] == '{' {
		var m map[string]any
		if err := json.Unmarshal(payload, &m); err != nil {
			return nil, err
		}
		msgpack.FromNodeBuffers(m)
		return m, nil
	}
	v, err := msgpack.Unmarshal(payload)
	if err != nil {
		return nil, err
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("clusterwire: message is a %T, not an object", v)
	}
	return m, nil
}

// FirstArg is the one value an acknowledgement carries between servers
// (Node passes only the first argument on).
func FirstArg(args []any) any {
	if len(args) == 0 {
		return nil
	}
	return args[0]
}

// ResponseValue decodes the first answer argument of a client.
func ResponseValue(r socketio.Response) any {
	if len(r.Args) == 0 {
		return nil
	}
	var v any
	if err := r.Args[0].Unmarshal(&v); err != nil {
		return nil
	}
	return v
}
