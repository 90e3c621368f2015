package msgpack

import (
	"bytes"
	"encoding/json"
	"slices"
)

// Map is an object whose keys keep their order, as a JavaScript object's
// do. Node's adapters write their messages' keys in the order the code
// lists them, in msgpack and in JSON alike; building a message as a Map
// gives the same bytes for the same call.
type Map []KV

// KV is one key of a [Map] and its value.
type KV struct {
	Key   string
	Value any
}

// MarshalJSON writes the object with its keys in order and, like
// JavaScript's JSON.stringify, without escaping <, > and &.
func (m Map) MarshalJSON() ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteByte('{')
	for i, kv := range m {
		if i > 0 {
			buf.WriteByte(',')
		}
		if err := encodeJSON(&buf, kv.Key); err != nil {
			return nil, err
		}
		buf.WriteByte(':')
		if err := encodeJSON(&buf, kv.Value); err != nil {
			return nil, err
		}
	}
	buf.WriteByte('}')
	return buf.Bytes(), nil
}

// MarshalJSON encodes v as JSON the way JavaScript's JSON.stringify spells
// it where Go's json.Marshal differs: <, > and & are not escaped. Map
// values keep their key order; other maps are written with sorted keys.
func MarshalJSON(v any) ([]byte, error) {
	var buf bytes.Buffer
	if err := encodeJSON(&buf, v); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func encodeJSON(buf *bytes.Buffer, v any) error {
	enc := json.NewEncoder(buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return err
	}
	buf.Truncate(buf.Len() - 1) // Encode ends with a newline
	return nil
}

// sortedKeys returns m's keys in order, so that a Go map (which has none)
// is encoded the same way every time.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// Object builds a Map from alternating keys and values, in order:
// Object("uid", uid, "type", 3). It panics on a key that is not a string,
// a programming error.
func Object(keyValues ...any) Map {
	if len(keyValues)%2 != 0 {
		panic("msgpack: Object needs keys and values in pairs")
	}
	m := make(Map, 0, len(keyValues)/2)
	for i := 0; i < len(keyValues); i += 2 {
		m = append(m, KV{Key: keyValues[i].(string), Value: keyValues[i+1]})
	}
	return m
}
