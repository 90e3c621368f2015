package parser

import "errors"

// ErrInvalidPacket is the root of every decoding (and packet validation) error
// returned by this package: errors.Is(err, ErrInvalidPacket) reports whether
// the peer (or the caller, when encoding) produced a malformed packet.
var ErrInvalidPacket = errors.New("socket.io parser: invalid packet")

// Specific causes. Each one wraps ErrInvalidPacket.
var (
	// ErrUnknownType: the packet type digit is not 0-6.
	ErrUnknownType = wrapInvalid("unknown packet type")
	// ErrInvalidNamespace: the namespace does not start with '/' or contains ','.
	ErrInvalidNamespace = wrapInvalid("invalid namespace")
	// ErrInvalidAckID: the ack id is malformed, overflows uint64, or is missing on an ACK.
	ErrInvalidAckID = wrapInvalid("invalid ack id")
	// ErrInvalidPayload: the payload is not valid JSON or has the wrong shape for the packet type.
	ErrInvalidPayload = wrapInvalid("invalid payload")
	// ErrInvalidAttachments: a malformed attachment count, or placeholders that
	// do not match the announced attachments.
	ErrInvalidAttachments = wrapInvalid("invalid attachments")
	// ErrTooManyAttachments: the packet announces more attachments than allowed.
	ErrTooManyAttachments = wrapInvalid("too many attachments")
	// ErrUnexpectedBinary: a binary message arrived while no attachment was expected.
	ErrUnexpectedBinary = wrapInvalid("unexpected binary message")
	// ErrUnexpectedText: a text message arrived while attachments were still expected.
	ErrUnexpectedText = wrapInvalid("unexpected text message while waiting for attachments")
)

// kindError is a sentinel that unwraps to ErrInvalidPacket.
type kindError struct{ msg string }

func wrapInvalid(msg string) error { return &kindError{msg: msg} }
func (e *kindError) Error() string { return "socket.io parser: " + e.msg }
func (e *kindError) Unwrap() error { return ErrInvalidPacket }

// DecodeError describes why a packet was rejected by a Decoder (or refused
// by Codec.Encode). Its Kind is one of the Err* sentinels above, so both
// errors.Is(err, ErrInvalidPayload) and errors.Is(err, ErrInvalidPacket)
// hold. Use errors.As to get the Reason.
type DecodeError struct {
	Kind   error  // one of the Err* sentinels
	Reason string // human readable detail
	Err    error  // underlying error (e.g. from encoding/json), may be nil
}

// Error implements error.
func (e *DecodeError) Error() string {
	s := e.Kind.Error() + ": " + e.Reason
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// Unwrap exposes both the sentinel kind and the underlying cause.
func (e *DecodeError) Unwrap() []error {
	if e.Err != nil {
		return []error{e.Kind, e.Err}
	}
	return []error{e.Kind}
}

func newErr(kind error, reason string) error {
	return &DecodeError{Kind: kind, Reason: reason}
}

func wrapErr(kind error, reason string, err error) error {
	return &DecodeError{Kind: kind, Reason: reason, Err: err}
}
