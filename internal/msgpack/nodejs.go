package msgpack

import "slices"

// Node's adapter sends its requests and responses as JSON (JSON.stringify),
// where a Buffer becomes {"type":"Buffer","data":[bytes...]}; encoding/json
// would write a []byte as a base64 string instead, which a Node server would
// take for text. These two walks translate between the forms, so binary
// arguments of server-side emits and socket data survive both ways.

// ToNodeBuffers returns v with every []byte in its []any and map[string]any
// values replaced by Node's JSON form of a Buffer.
func ToNodeBuffers(v any) any {
	switch x := v.(type) {
	case []byte:
		data := make([]int, len(x))
		for i, c := range x {
			data[i] = int(c)
		}
		return Object("type", "Buffer", "data", data)
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = ToNodeBuffers(e)
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = ToNodeBuffers(e)
		}
		return out
	case Map:
		out := make(Map, len(x))
		for i, kv := range x {
			out[i] = KV{Key: kv.Key, Value: ToNodeBuffers(kv.Value)}
		}
		return out
	}
	return v
}

// FromNodeBuffers turns Node's JSON form of a Buffer back into []byte, in
// place, in values decoded by encoding/json.
func FromNodeBuffers(v any) any {
	switch x := v.(type) {
	case []any:
		for i, e := range x {
			x[i] = FromNodeBuffers(e)
		}
	case map[string]any:
		if b, ok := nodeBuffer(x); ok {
			return b
		}
		for k, e := range x {
			x[k] = FromNodeBuffers(e)
		}
	}
	return v
}

func nodeBuffer(m map[string]any) ([]byte, bool) {
	if len(m) != 2 || m["type"] != "Buffer" {
		return nil, false
	}
	data, ok := m["data"].([]any)
	if !ok {
		return nil, false
	}
	b := make([]byte, len(data))
	for i, e := range data {
		f, ok := e.(float64)
		if !ok || f < 0 || f > 255 || f != float64(int(f)) {
			return nil, false
		}
		b[i] = byte(f)
	}
	return b, true
}

// HasBinary reports whether a generic value holds []byte somewhere.
func HasBinary(v any) bool {
	switch x := v.(type) {
	case []byte:
		return true
	case []any:
		return slices.ContainsFunc(x, HasBinary)
	case map[string]any:
		for _, e := range x {
			if HasBinary(e) {
				return true
			}
		}
	case Map:
		return slices.ContainsFunc(x, func(kv KV) bool { return HasBinary(kv.Value) })
	}
	return false
}
