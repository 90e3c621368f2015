package wsconn

import (
	"errors"
	"fmt"

	"github.com/gobwas/ws"
)

// ErrMessageTooBig is returned by Reader.ReadMessage when a message (all its
// fragments, after decompression) exceeds ReaderOptions.MaxMessageSize.
// The server should answer with close status 1009.
var ErrMessageTooBig = errors.New("wsconn: message too big")

// ProtocolError reports a violation of RFC 6455 / RFC 7692 by the client.
// Status is the close status the server should send: 1002 (protocol error)
// or 1007 (invalid payload data, e.g. invalid UTF-8 in a text message).
type ProtocolError struct {
	Status uint16
	Reason string
}

// Error implements error.
func (e *ProtocolError) Error() string {
	return fmt.Sprintf("wsconn: protocol error (%d): %s", e.Status, e.Reason)
}

// protocolErr builds a 1002 protocol error.
func protocolErr(reason string) error {
	return &ProtocolError{Status: uint16(ws.StatusProtocolError), Reason: reason}
}

// invalidDataErr builds a 1007 invalid payload data error.
func invalidDataErr(reason string) error {
	return &ProtocolError{Status: uint16(ws.StatusInvalidFramePayloadData), Reason: reason}
}

// CloseError is returned by Reader.ReadMessage when the client sent a valid
// close frame. Code is ws.StatusNoStatusRcvd (1005) when the close frame had
// no payload. The server should answer with CloseFrame(uint16(Code), "").
type CloseError struct {
	Code   ws.StatusCode
	Reason string
}

// Error implements error.
func (e *CloseError) Error() string {
	return fmt.Sprintf("wsconn: peer closed: %d %q", e.Code, e.Reason)
}

// CloseStatus returns the close status the server should send in answer to
// an error returned by Reader.ReadMessage: 1002 or 1007 for a *ProtocolError,
// 1009 for ErrMessageTooBig and the client's own code for a *CloseError
// (1005 for an empty close frame, which CloseFrame encodes as an empty close
// body). ok is false for other errors (io errors): there is no peer to answer.
func CloseStatus(err error) (code uint16, ok bool) {
	var pe *ProtocolError
	var ce *CloseError
	switch {
	case err == nil:
		return 0, false
	case errors.Is(err, ErrMessageTooBig):
		return uint16(ws.StatusMessageTooBig), true
	case errors.As(err, &pe):
		return pe.Status, true
	case errors.As(err, &ce):
		return uint16(ce.Code), true
	}
	return 0, false
}
