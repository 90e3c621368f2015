package socketio

import (
	"context"
	"errors"
	"fmt"

	"github.com/gosio/gosio/engineio"
)

// Errors returned by emitting and acknowledging.
var (
	// ErrReservedEvent is returned when emitting a name the client reserves
	// ("connect", "disconnect", ...).
	ErrReservedEvent = errors.New("socketio: reserved event name")
	// ErrNotConnected is returned when emitting on a disconnected socket.
	ErrNotConnected = errors.New("socketio: socket is not connected")
	// ErrAckTimeout is returned when an acknowledgement did not arrive in
	// time: a Timeout elapsed or the context's deadline passed (the error
	// then matches context.DeadlineExceeded too). A context cancelled
	// otherwise gives context.Canceled, not ErrAckTimeout.
	ErrAckTimeout = errors.New("socketio: operation has timed out")
	// ErrAlreadyAcked is returned by an [Ack] called a second time.
	ErrAlreadyAcked = errors.New("socketio: already acknowledged")
	// ErrQueueFull is returned by Emit when the client's outbound queue is
	// full (engineio.Options.MaxQueuedMessages, MaxQueuedBytes): the
	// client is too slow; the packet was not queued. It is
	// engineio.ErrQueueFull.
	ErrQueueFull = engineio.ErrQueueFull
	// ErrTooManyRooms is returned by Join beyond Limits.MaxRooms.
	ErrTooManyRooms = errors.New("socketio: too many rooms for one socket")
	// ErrTooManyPendingAcks is returned by EmitWithAck beyond
	// Limits.MaxPendingAcks.
	ErrTooManyPendingAcks = errors.New("socketio: too many acknowledgements pending")
	// ErrServerClosed is returned after Close or Shutdown.
	ErrServerClosed = errors.New("socketio: server closed")
)

// ShutdownError is returned by [Server.Shutdown] when its context ended
// while listeners were still running: Shutdown returned without waiting for
// them. It matches the context's error with errors.Is.
type ShutdownError struct {
	// Running is how many listeners were still running.
	Running int
	// Err is the context's error.
	Err error
}

func (e *ShutdownError) Error() string {
	return fmt.Sprintf("socketio: shutdown: %d listeners still running: %v", e.Running, e.Err)
}

func (e *ShutdownError) Unwrap() error { return e.Err }

// ConnectError rejects a connection from middleware: the client receives a
// connect_error whose message is Message and whose data is Data. It may be
// wrapped (fmt.Errorf("...: %w", ce)): it is found with errors.As. Any other
// error returned by middleware is logged, and the client gets the generic
// message "Internal server error", so that no internal detail (an address,
// a query) reaches it.
type ConnectError struct {
	Message string
	Data    any
}

func (e *ConnectError) Error() string { return e.Message }

// DecodeError reports event arguments that did not decode into the types a
// handler declared. The handler is not called; the socket stays connected and
// its "error" listeners receive the DecodeError.
type DecodeError struct {
	Event string
	Arg   int // index of the argument, 0-based
	Err   error
}

func (e *DecodeError) Error() string {
	return fmt.Sprintf("socketio: event %q: argument %d: %v", e.Event, e.Arg, e.Err)
}

func (e *DecodeError) Unwrap() error { return e.Err }

// ackWaitError is the error of an acknowledgement wait that ctx ended: a
// timeout if its deadline passed, else the context's own error.
func ackWaitError(ctx context.Context) error {
	if err := ctx.Err(); !errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	return ackTimeoutError{ctx.Err()}
}

// ackTimeoutError wraps the context's error so errors.Is works for both.
type ackTimeoutError struct{ cause error }

func (e ackTimeoutError) Error() string { return ErrAckTimeout.Error() }
func (e ackTimeoutError) Unwrap() []error {
	if e.cause == nil {
		return []error{ErrAckTimeout}
	}
	return []error{ErrAckTimeout, e.cause}
}
