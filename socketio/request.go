package socketio

import (
	"errors"
	"fmt"
	"reflect"

	"github.com/gosio/gosio/parser"
)

// RequestError is the error a request listener (see [OnRequest]) answers
// with, and the error shape its client receives:
//
//	{"error": {"code": "...", "message": "...", "data": ...}}
//
// A listener returns one (possibly wrapped) to choose what the client sees.
type RequestError struct {
	// Code is a short machine-readable reason. The server uses
	// "bad_request" for a request that does not decode and "internal" for
	// a listener error that is not a RequestError, or a panic.
	Code string `json:"code"`
	// Message is for humans.
	Message string `json:"message"`
	// Data is optional detail for the client.
	Data any `json:"data,omitempty"`
}

func (e *RequestError) Error() string {
	return fmt.Sprintf("socketio: request error %s: %s", e.Code, e.Message)
}

// Request error codes the server itself answers with.
const (
	CodeBadRequest = "bad_request"
	CodeInternal   = "internal"
)

// answerData and answerError make the one value a request listener's ack
// carries.
func answerData(v any) map[string]any { return map[string]any{"data": v} }

func answerError(e *RequestError) map[string]any { return map[string]any{"error": e} }

// rawSig is the signature of every rawListener.
var rawSig = &handlerSig{hasAck: true, retErr: true}

// rawListener is a listener that takes the event's arguments undecoded;
// callFast calls it directly.
type rawListener func(args []parser.RawValue, ack Ack) error

// OnRequest registers fn as a request/response listener for event on s:
// the client's first argument is decoded into a Req, and fn's return
// answers the acknowledgement the client asked for, always with one value:
//
//	{"data": <Resp>}                                  on success
//	{"error": {"code": ..., "message": ..., "data": ...}}  on failure
//
// so that a client awaiting socket.emitWithAck(event, req) gets an answer
// whatever happens, never its own timeout:
//
//   - a request that does not decode into Req is answered with code
//     "bad_request" (and reported to the socket's "error" listeners as a
//     [*DecodeError]); fn is not called;
//   - an error fn returns that is (or wraps) a [*RequestError] is sent as
//     it is; any other error is answered with code "internal" and the
//     message "Internal server error", and the error itself goes to the
//     socket's "error" listeners (or the log), as it may hold details the
//     client must not see;
//   - a panic in fn is answered with code "internal" before the socket is
//     disconnected as for any listener's panic.
//
// fn runs like any listener (see the package documentation). OnRequest
// panics, as On does, on a reserved event name.
func OnRequest[Req, Resp any](s *Socket, event string, fn func(s *Socket, req Req) (Resp, error)) {
	if fn == nil {
		panic(&ListenerError{Event: event, Err: errors.New("request listener is nil")})
	}
	if localEvents[event] {
		panic(&ListenerError{Event: event, Err: errors.New("a request listener cannot listen to a reserved event")})
	}
	if err := decodable(reflect.TypeFor[Req]()); err != nil {
		panic(&ListenerError{Event: event, Err: fmt.Errorf("request type: %v", err)})
	}
	s.On(event, rawListener(func(args []parser.RawValue, ack Ack) (err error) {
		var req Req
		if len(args) > 0 {
			if derr := args[0].Unmarshal(&req); derr != nil {
				_ = ack(answerError(&RequestError{Code: CodeBadRequest, Message: "the request does not decode: " + derr.Error()}))
				return &DecodeError{Arg: 0, Err: derr}
			}
		}
		answered := false
		defer func() {
			if r := recover(); r != nil {
				if !answered {
					_ = ack(answerError(&RequestError{Code: CodeInternal, Message: "Internal server error"}))
				}
				panic(r) // the socket's guard logs it and disconnects
			}
		}()
		resp, ferr := fn(s, req)
		answered = true
		if ferr == nil {
			_ = ack(answerData(resp))
			return nil
		}
		var re *RequestError
		if errors.As(ferr, &re) {
			_ = ack(answerError(re))
			return nil // an answer, not a failure
		}
		_ = ack(answerError(&RequestError{Code: CodeInternal, Message: "Internal server error"}))
		return ferr
	}))
}
