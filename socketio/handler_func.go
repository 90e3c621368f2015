package socketio

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"

	"github.com/gosio/gosio/parser"
)

// Ack answers a client's acknowledgement request. Call it at most once, from
// any goroutine; later calls return an error.
type Ack func(args ...any) error

var (
	ackType   = reflect.TypeFor[Ack]()
	errorType = reflect.TypeFor[error]()
)

// handlerFunc is an event listener whose signature was inspected once, at
// registration, so a call only decodes arguments.
//
// Accepted forms: func(A, B, ...) with any JSON-decodable parameter types,
// optionally variadic (func(A, ...B)), optionally with a trailing Ack
// parameter, returning nothing or an error.
type handlerFunc struct {
	fn       reflect.Value
	params   []reflect.Type // fixed parameters, Ack excluded
	variadic reflect.Type   // element type of a variadic parameter, or nil
	hasAck   bool
	retErr   bool
	ptr      uintptr // identifies the function for Off

	// fast paths that skip reflect.Call for the commonest signatures.
	fast func(args []parser.RawValue, ack Ack) (handled bool, err error)
}

func newHandlerFunc(fn any) (*handlerFunc, error) {
	if fn == nil {
		return nil, errors.New("handler is nil")
	}
	v := reflect.ValueOf(fn)
	t := v.Type()
	if t.Kind() != reflect.Func {
		return nil, fmt.Errorf("handler must be a func, got %s", t)
	}
	h := &handlerFunc{fn: v, ptr: v.Pointer()}
	switch t.NumOut() {
	case 0:
	case 1:
		if t.Out(0) != errorType {
			return nil, fmt.Errorf("handler %s may only return error", t)
		}
		h.retErr = true
	default:
		return nil, fmt.Errorf("handler %s may only return error", t)
	}
	n := t.NumIn()
	if n > 0 && t.In(n-1) == ackType {
		if t.IsVariadic() {
			return nil, fmt.Errorf("handler %s: Ack must be the last parameter", t)
		}
		h.hasAck = true
		n--
	}
	for i := 0; i < n; i++ {
		p := t.In(i)
		if p == ackType {
			return nil, fmt.Errorf("handler %s: Ack must be the last parameter", t)
		}
		if t.IsVariadic() && i == n-1 {
			h.variadic = p.Elem()
			break
		}
		if p.Kind() == reflect.Func || p.Kind() == reflect.Chan {
			return nil, fmt.Errorf("handler %s: parameter %d of type %s cannot be decoded", t, i, p)
		}
		h.params = append(h.params, p)
	}
	h.fast = fastPath(fn)
	return h, nil
}

// fastPath returns a direct caller for common signatures.
func fastPath(fn any) func([]parser.RawValue, Ack) (bool, error) {
	switch f := fn.(type) {
	case func():
		return func([]parser.RawValue, Ack) (bool, error) { f(); return true, nil }
	case func(Ack):
		return func(_ []parser.RawValue, ack Ack) (bool, error) { f(ack); return true, nil }
	case func(any):
		return func(args []parser.RawValue, _ Ack) (bool, error) {
			v, err := argAny(args, 0)
			if err != nil {
				return false, err
			}
			f(v)
			return true, nil
		}
	case func(any, Ack):
		return func(args []parser.RawValue, ack Ack) (bool, error) {
			v, err := argAny(args, 0)
			if err != nil {
				return false, err
			}
			f(v, ack)
			return true, nil
		}
	case func(json.RawMessage, Ack):
		return func(args []parser.RawValue, ack Ack) (bool, error) {
			var v json.RawMessage
			if len(args) > 0 {
				if err := args[0].Unmarshal(&v); err != nil {
					return false, &DecodeError{Arg: 0, Err: err}
				}
			}
			f(v, ack)
			return true, nil
		}
	case func(string):
		return func(args []parser.RawValue, _ Ack) (bool, error) {
			var v string
			if len(args) > 0 {
				if err := args[0].Unmarshal(&v); err != nil {
					return false, &DecodeError{Arg: 0, Err: err}
				}
			}
			f(v)
			return true, nil
		}
	}
	return nil
}

func argAny(args []parser.RawValue, i int) (any, error) {
	if i >= len(args) {
		return nil, nil
	}
	var v any
	if err := args[i].Unmarshal(&v); err != nil {
		return nil, &DecodeError{Arg: i, Err: err}
	}
	return v, nil
}

// callRemote calls the handler with arguments received from a client. An
// argument that does not decode returns a *DecodeError and the handler is
// not called. Missing arguments are zero values; extra ones are ignored, as a
// JavaScript function would.
func (h *handlerFunc) callRemote(args []parser.RawValue, ack Ack) error {
	if h.fast != nil {
		_, err := h.fast(args, ack)
		return err
	}
	in := make([]reflect.Value, 0, len(h.params)+2)
	for i, p := range h.params {
		v := reflect.New(p)
		if i < len(args) {
			if err := args[i].Unmarshal(v.Interface()); err != nil {
				return &DecodeError{Arg: i, Err: err}
			}
		}
		in = append(in, v.Elem())
	}
	if h.variadic != nil {
		for i := len(h.params); i < len(args); i++ {
			v := reflect.New(h.variadic)
			if err := args[i].Unmarshal(v.Interface()); err != nil {
				return &DecodeError{Arg: i, Err: err}
			}
			in = append(in, v.Elem())
		}
	}
	if h.hasAck {
		in = append(in, reflect.ValueOf(ack))
	}
	return h.result(h.fn.Call(in))
}

// callLocal calls the handler with Go values (reserved events such as
// "disconnect"). Values that do not fit a parameter become its zero value.
func (h *handlerFunc) callLocal(args ...any) error {
	in := make([]reflect.Value, 0, len(h.params)+1)
	for i, p := range h.params {
		in = append(in, localArg(args, i, p))
	}
	if h.variadic != nil {
		for i := len(h.params); i < len(args); i++ {
			in = append(in, localArg(args, i, h.variadic))
		}
	}
	if h.hasAck {
		in = append(in, reflect.ValueOf(Ack(func(...any) error { return nil })))
	}
	return h.result(h.fn.Call(in))
}

func localArg(args []any, i int, t reflect.Type) reflect.Value {
	if i < len(args) && args[i] != nil {
		v := reflect.ValueOf(args[i])
		switch {
		case v.Type().AssignableTo(t):
			return v
		case v.Type().ConvertibleTo(t):
			return v.Convert(t)
		}
	}
	return reflect.Zero(t)
}

func (h *handlerFunc) result(out []reflect.Value) error {
	if h.retErr && !out[0].IsNil() {
		return out[0].Interface().(error)
	}
	return nil
}

// mustHandler inspects fn for registration, panicking with a clear message on
// a signature that cannot work, as net/http does for a bad pattern: it is a
// programming error, found on the first run.
func mustHandler(event string, fn any) *handlerFunc {
	h, err := newHandlerFunc(fn)
	if err != nil {
		panic(fmt.Sprintf("socketio: On(%q): %v", event, err))
	}
	return h
}
