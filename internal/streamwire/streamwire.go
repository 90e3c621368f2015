// Package streamwire is the wire format of Node's
// @socket.io/redis-streams-adapter 0.3.x, shared by gosio's Streams adapter
// and emitter: socket.io-adapter's cluster messages as stream entries and as
// Pub/Sub payloads, and the stream a namespace uses.
package streamwire

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf16"

	"github.com/gosio/gosio/internal/msgpack"
)

// Message types of socket.io-adapter's ClusterAdapter, numbered as in Node.
const (
	InitialHeartbeat       = 1
	Heartbeat              = 2
	Broadcast              = 3
	SocketsJoin            = 4
	SocketsLeave           = 5
	DisconnectSockets      = 6
	FetchSockets           = 7
	FetchSocketsResponse   = 8
	ServerSideEmit         = 9
	ServerSideEmitResponse = 10
	BroadcastClientCount   = 11
	BroadcastAck           = 12
	AdapterClose           = 13
)

// EmitterUID is the sender id of emitters, as Node's emitters write it.
const EmitterUID = "emitter"

// Message is a ClusterMessage or ClusterResponse of socket.io-adapter:
// where it travels (a stream entry or a Pub/Sub payload) only changes its
// encoding.
type Message struct {
	UID  string
	Nsp  string
	Type int
	// Data is the decoded data object (nil when the message has none).
	Data map[string]any
}

// ErrNoNsp marks stream entries without a namespace, which Node's reader
// skips.
var ErrNoNsp = errors.New("streamwire: entry without nsp")

// mayContainBinary lists the types whose data Node checks for binary
// values; the others are always JSON in the stream.
func mayContainBinary(typ int) bool {
	switch typ {
	case Broadcast, FetchSocketsResponse, ServerSideEmit, ServerSideEmitResponse, BroadcastAck:
		return true
	}
	return false
}

// EntryValues renders a message as the fields of a stream entry, in Node's
// order: uid, nsp, type (decimal text) and, when data is not nil, data:
// JSON text, or base64 of its msgpack encoding when it holds binary values
// (unless onlyPlaintext, where a []byte becomes Node's JSON form of a
// Buffer, as JSON.stringify writes it).
func EntryValues(uid, nsp string, typ int, data msgpack.Map, onlyPlaintext bool) ([]any, error) {
	vals := []any{"uid", uid, "nsp", nsp, "type", strconv.Itoa(typ)}
	if data == nil {
		return vals, nil
	}
	var text string
	if !onlyPlaintext && mayContainBinary(typ) && msgpack.HasBinary(data) {
		b, err := msgpack.Marshal(data)
		if err != nil {
			return nil, err
		}
		text = base64.StdEncoding.EncodeToString(b)
	} else {
		b, err := msgpack.MarshalJSON(msgpack.ToNodeBuffers(data))
		if err != nil {
			return nil, err
		}
		text = string(b)
	}
	return append(vals, "data", text), nil
}

// DecodeEntry reads a stream entry's fields (Node's RawClusterMessage). An
// entry without nsp gives ErrNoNsp.
func DecodeEntry(fields map[string]any) (*Message, error) {
	str := func(k string) string { s, _ := fields[k].(string); return s }
	nsp := str("nsp")
	if nsp == "" {
		return nil, ErrNoNsp
	}
	typ, err := strconv.Atoi(strings.TrimSpace(str("type")))
	if err != nil {
		return nil, fmt.Errorf("streamwire: bad type %q", str("type"))
	}
	m := &Message{UID: str("uid"), Nsp: nsp, Type: typ}
	raw := str("data")
	if raw == "" {
		return m, nil
	}
	var v any
	if strings.HasPrefix(raw, "{") {
		if err := json.Unmarshal([]byte(raw), &v); err != nil {
			return nil, fmt.Errorf("streamwire: data: %w", err)
		}
		v = msgpack.FromNodeBuffers(v)
	} else {
		b, err := base64.StdEncoding.DecodeString(raw)
		if err != nil {
			return nil, fmt.Errorf("streamwire: data: %w", err)
		}
		if v, err = msgpack.Unmarshal(b); err != nil {
			return nil, fmt.Errorf("streamwire: data: %w", err)
		}
	}
	data, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("streamwire: data is a %T, not an object", v)
	}
	m.Data = data
	return m, nil
}

// EncodePubSub renders a message sent over Pub/Sub: the whole message in
// msgpack, keys in Node's order (type and data first, then uid and nsp,
// which ClusterAdapter adds before publishing).
func EncodePubSub(uid, nsp string, typ int, data msgpack.Map) ([]byte, error) {
	m := msgpack.Object("type", typ)
	if data != nil {
		m = append(m, msgpack.KV{Key: "data", Value: data})
	}
	m = append(m, msgpack.KV{Key: "uid", Value: uid}, msgpack.KV{Key: "nsp", Value: nsp})
	return msgpack.Marshal(m)
}

// DecodePubSub reads a message received over Pub/Sub.
func DecodePubSub(payload []byte) (*Message, error) {
	v, err := msgpack.Unmarshal(payload)
	if err != nil {
		return nil, err
	}
	obj, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("streamwire: message is a %T, not an object", v)
	}
	m := &Message{}
	switch t := obj["type"].(type) {
	case int64:
		m.Type = int(t)
	case uint64:
		m.Type = int(min(t, 1<<31))
	case float64:
		m.Type = int(t)
	default:
		return nil, errors.New("streamwire: message without type")
	}
	m.UID, _ = obj["uid"].(string)
	m.Nsp, _ = obj["nsp"].(string)
	if d := obj["data"]; d != nil {
		if m.Data, ok = d.(map[string]any); !ok {
			return nil, fmt.Errorf("streamwire: data is a %T, not an object", d)
		}
	}
	return m, nil
}

// StreamFor is the stream of namespace nsp: name itself with one stream,
// else the one Node picks with its hashCode, so that Node and Go servers
// write a namespace's messages to the same stream.
func StreamFor(name string, count int, nsp string) string {
	if count <= 1 {
		return name
	}
	// JavaScript's % keeps the dividend's sign: Node names the stream
	// "<name>--1" for a negative hash, and so must this.
	return name + "-" + strconv.Itoa(int(hashCode(nsp))%count)
}

// hashCode is Java's String.hashCode over UTF-16 code units, as Node's
// adapter computes it (32-bit wrap-around).
func hashCode(s string) int32 {
	var h int32
	for _, u := range utf16.Encode([]rune(s)) {
		h = h*31 + int32(u)
	}
	return h
}

// Channels returns the Pub/Sub channels of namespace nsp: the public one,
// where requests go and whose subscribers are the servers, and the private
// one of the server uid, where its answers go.
func Channels(prefix, nsp, uid string) (public, private string) {
	public = prefix + "#" + nsp + "#"
	return public, public + uid + "#"
}
