package codec

import "errors"

// ErrInvalidPacket reports a single packet that cannot be decoded (empty,
// unknown type, bad base64). Returned errors wrap it with detail, so test
// with errors.Is.
var ErrInvalidPacket = errors.New("engineio: invalid packet")

// ErrInvalidPayload reports a polling payload whose framing is broken
// (empty body, bad length prefix, truncated data) or that contains an
// invalid packet. When the cause is a bad packet the error wraps both
// ErrInvalidPayload and ErrInvalidPacket.
var ErrInvalidPayload = errors.New("engineio: invalid payload")
