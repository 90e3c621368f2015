package msgpack

import (
	"errors"
	"math"
	"time"

	"github.com/gosio/gosio/parser"
)

// normalizer turns arbitrary payloads into generic values. It uses the
// Socket.IO codec itself, so structs, json tags, json.Marshaler and
// parser.RawValue behave exactly as they do on a socket, and []byte values
// anywhere (the parser's attachments) come back as []byte.
var normalizer = parser.NewJSON(&parser.JSONOptions{MaxAttachments: math.MaxInt32})

// Normalize converts each value of args to a generic value (nil, bool,
// float64 or another number, string, []byte, []any, map[string]any,
// time.Time) that Append can encode. Values that already are generic are
// kept as they are; others go through the Socket.IO JSON codec.
func Normalize(args []any) ([]any, error) {
	generic := true
	for _, a := range args {
		if !isGeneric(a, 0) {
			generic = false
			break
		}
	}
	if generic {
		return args, nil
	}
	pkt := &parser.Packet{Type: parser.Event, Namespace: "/", Data: append([]any{""}, args...)}
	frames, err := normalizer.Encode(nil, pkt)
	if err != nil {
		return nil, err
	}
	dec := normalizer.NewDecoder()
	var out *parser.Packet
	for _, f := range frames {
		if out, err = dec.Add(f.Binary, f.Data); err != nil {
			return nil, err
		}
	}
	if out == nil {
		return nil, errors.New("msgpack: cannot represent arguments")
	}
	raw, ok := out.Data.(parser.RawValue)
	if !ok {
		return nil, errors.New("msgpack: cannot represent arguments")
	}
	var all []any
	if err := raw.Unmarshal(&all); err != nil {
		return nil, err
	}
	if len(all) == 0 {
		return nil, errors.New("msgpack: cannot represent arguments")
	}
	return all[1:], nil
}

// NormalizeValue is Normalize for one value.
func NormalizeValue(v any) (any, error) {
	out, err := Normalize([]any{v})
	if err != nil {
		return nil, err
	}
	return out[0], nil
}

func isGeneric(v any, depth int) bool {
	if depth > maxDepth {
		return false
	}
	switch x := v.(type) {
	case nil, bool, string, []byte, float64, float32, int, int8, int16, int32, int64,
		uint, uint8, uint16, uint32, uint64, time.Time:
		if f, ok := v.(float64); ok && (math.IsNaN(f) || math.IsInf(f, 0)) {
			return false // JSON turns these into null
		}
		return true
	case []any:
		for _, e := range x {
			if !isGeneric(e, depth+1) {
				return false
			}
		}
		return true
	case map[string]any:
		for _, e := range x {
			if !isGeneric(e, depth+1) {
				return false
			}
		}
		return true
	case []string, map[string]string:
		return true
	}
	return false
}
