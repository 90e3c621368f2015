package postgresadapter

import (
	"errors"
	"fmt"
	"strconv"

	"github.com/gosio/gosio/internal/clusterwire"
)

// emitterUID is the uid Node's emitters (and ours) send: a publisher that
// is not a server, so it is not counted.
const emitterUID = "emitter"

// maxNotification bounds a notification we parse: PostgreSQL's own limit
// is under 8000 bytes; the margin allows a server configured otherwise.
const maxNotification = 64 << 10

var errNoObject = errors.New("postgresadapter: notification is not a JSON object")

// decodeNotification parses a NOTIFY payload: a whole message, or a header
// whose attachment id it returns (0 and false when there is none).
func decodeNotification(payload string) (m map[string]any, attachment int64, hasAttachment bool, err error) {
	if len(payload) > maxNotification {
		return nil, 0, false, fmt.Errorf("postgresadapter: notification of %d bytes", len(payload))
	}
	if len(payload) == 0 || payload[0] != '{' {
		return nil, 0, false, errNoObject
	}
	m, err = clusterwire.DecodeMessage([]byte(payload))
	if err != nil {
		return nil, 0, false, err
	}
	v, ok := m["attachmentId"]
	if !ok || v == nil {
		return m, 0, false, nil
	}
	id, err := attachmentID(v)
	if err != nil {
		return nil, 0, false, err
	}
	return m, id, true, nil
}

// attachmentID reads an id sent as a string (Node) or a number.
func attachmentID(v any) (int64, error) {
	switch x := v.(type) {
	case string:
		id, err := strconv.ParseInt(x, 10, 64)
		if err != nil {
			return 0, fmt.Errorf("postgresadapter: attachment id %q: %w", x, err)
		}
		return id, nil
	default:
		if n, ok := clusterwire.ToInt(v); ok {
			return int64(n), nil
		}
	}
	return 0, fmt.Errorf("postgresadapter: attachment id of type %T", v)
}

// decodeAttachment parses an attachment's msgpack body.
func decodeAttachment(b []byte) (map[string]any, error) {
	if len(b) > 0 && b[0] == '{' {
		// A JSON object is not what an attachment holds; refuse rather
		// than let DecodeMessage read it as JSON.
		return nil, errors.New("postgresadapter: attachment is not msgpack")
	}
	return clusterwire.DecodeMessage(b)
}
