package socketio

import (
	"encoding"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"sync"

	"github.com/gosio/gosio/parser"
)

// Ack answers a client's acknowledgement request. Call it at most once, from
// any goroutine; later calls return an error.
type Ack func(args ...any) error

var (
	ackType        = reflect.TypeFor[Ack]()
	errorType      = reflect.TypeFor[error]()
	rawMessageType = reflect.TypeFor[json.RawMessage]()
)

// handlerFunc is an event listener with the analysis of its signature, so a
// call only decodes arguments. It is a small value: the analysis depends on
// the func's type alone and is shared by every listener of that type (a
// connection handler registers the same closures on every socket).
type handlerFunc struct {
	fn  any // the func, called directly on the fast paths
	sig *handlerSig
}

// handlerSig is what registration learns from a listener's type.
//
// Accepted forms: func(A, B, ...) with any JSON-decodable parameter types,
// optionally variadic (func(A, ...B)), optionally with a trailing Ack
// parameter, returning nothing or an error; and func(*RawEvent), which
// gets every argument and the Ack.
type handlerSig struct {
	params   []reflect.Type // fixed parameters, Ack excluded
	variadic reflect.Type   // element type of a variadic parameter, or nil
	hasAck   bool
	retErr   bool
	// undecodable says why a parameter cannot receive a client's argument:
	// such a func can listen to the events the server raises itself
	// ("error", "disconnect") only.
	undecodable error
	rawEvent    bool // func(*RawEvent) [error]: see RawEvent
}

// sigCache maps a func type to its *handlerSig, so registering a listener
// allocates nothing once its type has been seen.
var sigCache sync.Map

func newHandlerFunc(fn any) (handlerFunc, error) {
	if fn == nil {
		return handlerFunc{}, errors.New("handler is nil")
	}
	if f, ok := fn.(rawListener); ok && f != nil {
		return handlerFunc{fn: fn, sig: rawSig}, nil
	}
	t := reflect.TypeOf(fn)
	if v := reflect.ValueOf(fn); v.Kind() == reflect.Func && v.IsNil() {
		return handlerFunc{}, fmt.Errorf("handler is a nil %s", t)
	}
	if sig, ok := sigCache.Load(t); ok {
		return handlerFunc{fn: fn, sig: sig.(*handlerSig)}, nil
	}
	sig, err := analyze(t)
	if err != nil {
		return handlerFunc{}, err
	}
	cached, _ := sigCache.LoadOrStore(t, sig)
	return handlerFunc{fn: fn, sig: cached.(*handlerSig)}, nil
}

// analyze checks that a func of type t can be a listener and records how to
// call it.
func analyze(t reflect.Type) (*handlerSig, error) {
	if t.Kind() != reflect.Func {
		return nil, fmt.Errorf("handler must be a func, got %s", t)
	}
	h := &handlerSig{}
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
	if n == 1 && t.In(0) == rawEventType {
		h.rawEvent = true
		return h, nil
	}
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
		if err := decodable(p); err != nil && h.undecodable == nil {
			h.undecodable = fmt.Errorf("handler %s: parameter %d: %v", t, i, err)
		}
		h.params = append(h.params, p)
	}
	return h, nil
}

var (
	socketType          = reflect.TypeFor[*Socket]()
	textUnmarshalerType = reflect.TypeFor[encoding.TextUnmarshaler]()
	jsonUnmarshalerType = reflect.TypeFor[json.Unmarshaler]()
)

// decodable reports why an argument received from a client can never be
// decoded into a parameter of type p, or nil. It is checked at registration,
// so that such a listener fails where it is registered rather than on each
// event.
func decodable(p reflect.Type) error {
	if p == socketType || p == socketType.Elem() {
		return fmt.Errorf("type %s: the socket is the one On was called on, not an argument", p)
	}
	if p.Implements(jsonUnmarshalerType) || reflect.PointerTo(p).Implements(jsonUnmarshalerType) {
		return nil
	}
	for p.Kind() == reflect.Pointer {
		p = p.Elem()
	}
	switch p.Kind() {
	case reflect.Func, reflect.Chan, reflect.UnsafePointer, reflect.Complex64, reflect.Complex128:
		return fmt.Errorf("type %s cannot be decoded from JSON", p)
	case reflect.Interface:
		if p.NumMethod() > 0 {
			return fmt.Errorf("interface type %s cannot be decoded from JSON (use any or a concrete type)", p)
		}
	case reflect.Map:
		k := p.Key()
		switch k.Kind() {
		case reflect.String, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
			reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		default:
			if !reflect.PointerTo(k).Implements(textUnmarshalerType) {
				return fmt.Errorf("map key type %s cannot be decoded from JSON", k)
			}
		}
	}
	return nil
}

// callFast calls fn directly, without reflect.Call, when it has one of the
// commonest signatures; handled is false for the others.
func callFast(fn any, args []parser.RawValue, ack Ack) (handled bool, err error) {
	switch f := fn.(type) {
	case rawListener:
		return true, f(args, ack)
	case func():
		f()
	case func(Ack):
		f(ack)
	case func(any):
		v, err := argAny(args, 0)
		if err != nil {
			return true, err
		}
		f(v)
	case func(any, Ack):
		v, err := argAny(args, 0)
		if err != nil {
			return true, err
		}
		f(v, ack)
	case func(json.RawMessage, Ack):
		v, err := rawMessageArg(args, 0)
		if err != nil {
			return true, err
		}
		f(v, ack)
	case func(RawArg, Ack):
		var v RawArg
		if len(args) > 0 {
			v.v = args[0]
		}
		f(v, ack)
	case func(string):
		var v string
		if len(args) > 0 {
			if err := args[0].Unmarshal(&v); err != nil {
				return true, &DecodeError{Arg: 0, Err: err}
			}
		}
		f(v)
	default:
		return false, nil
	}
	return true, nil
}

// rawMessageArg returns argument i for a json.RawMessage parameter.
//
// A value that is a json.Marshaler (the JSON codec's values are) gives its
// JSON text without a copy, and without the allocation of the RawMessage a
// call to Unmarshal would need. Those bytes are the message's own, which
// stay valid after the event: engineio hands each message's data to its
// handler for good (Handler.OnMessage: "data belongs to the handler"; it
// reads every message into a new buffer, over WebSocket and polling), the
// parser's values point into it and never modify it, and rawValues decodes
// a fresh encoding. Binary values come back re-encoded, in new memory.
// Capacity is clipped so that a listener appending to its argument cannot
// write over the bytes that follow it.
func rawMessageArg(args []parser.RawValue, i int) (json.RawMessage, error) {
	if i >= len(args) {
		return nil, nil
	}
	if m, ok := args[i].(json.Marshaler); ok {
		b, err := m.MarshalJSON()
		if err != nil {
			return nil, &DecodeError{Arg: i, Err: err}
		}
		return json.RawMessage(slices.Clip(b)), nil
	}
	var v json.RawMessage
	if err := args[i].Unmarshal(&v); err != nil {
		return nil, &DecodeError{Arg: i, Err: err}
	}
	return v, nil
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
func (h handlerFunc) callRemote(args []parser.RawValue, ack Ack) error {
	if handled, err := callFast(h.fn, args, ack); handled {
		return err
	}
	sig := h.sig
	in := make([]reflect.Value, 0, len(sig.params)+2)
	for i, p := range sig.params {
		v, err := remoteArg(args, i, p)
		if err != nil {
			return err
		}
		in = append(in, v)
	}
	if sig.variadic != nil {
		for i := len(sig.params); i < len(args); i++ {
			v, err := remoteArg(args, i, sig.variadic)
			if err != nil {
				return err
			}
			in = append(in, v)
		}
	}
	if sig.hasAck {
		in = append(in, reflect.ValueOf(ack))
	}
	return sig.result(reflect.ValueOf(h.fn).Call(in))
}

// remoteArg decodes argument i into a value of type t (its zero value when
// the argument is missing).
func remoteArg(args []parser.RawValue, i int, t reflect.Type) (reflect.Value, error) {
	if t == rawMessageType { // shared, not copied, as on the fast path
		v, err := rawMessageArg(args, i)
		return reflect.ValueOf(v), err
	}
	if t == rawArgType {
		var v RawArg
		if i < len(args) {
			v.v = args[i]
		}
		return reflect.ValueOf(v), nil
	}
	v := reflect.New(t)
	if i < len(args) {
		if err := args[i].Unmarshal(v.Interface()); err != nil {
			return reflect.Value{}, &DecodeError{Arg: i, Err: err}
		}
	}
	return v.Elem(), nil
}

// callLocal calls the handler with Go values (reserved events such as
// "disconnect"). Values that do not fit a parameter become its zero value.
func (h handlerFunc) callLocal(args ...any) error {
	sig := h.sig
	if sig.rawEvent {
		raw, _ := rawValues(args) // what cannot be represented is left out
		return callRawEvent(h.fn, &RawEvent{Args: rawArgs(raw)})
	}
	in := make([]reflect.Value, 0, len(sig.params)+1)
	for i, p := range sig.params {
		in = append(in, localArg(args, i, p))
	}
	if sig.variadic != nil {
		for i := len(sig.params); i < len(args); i++ {
			in = append(in, localArg(args, i, sig.variadic))
		}
	}
	if sig.hasAck {
		in = append(in, reflect.ValueOf(Ack(func(...any) error { return nil })))
	}
	return sig.result(reflect.ValueOf(h.fn).Call(in))
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

func (h *handlerSig) result(out []reflect.Value) error {
	if h.retErr && !out[0].IsNil() {
		return out[0].Interface().(error)
	}
	return nil
}

// ListenerError is the panic value of a listener registration (On, Once)
// whose func cannot work. It is a programming error, as a bad pattern given
// to http.HandleFunc: the panic is not recovered as a listener's would be,
// even when On is called from a connection handler, so the program stops at
// the first registration rather than disconnecting every client.
type ListenerError struct {
	// Event is the event the listener was registered for.
	Event string
	// Err says what is wrong with the func.
	Err error
}

func (e *ListenerError) Error() string {
	return fmt.Sprintf("socketio: On(%q): %v", e.Event, e.Err)
}

func (e *ListenerError) Unwrap() error { return e.Err }

// mustHandler inspects fn for registration, panicking with a *ListenerError
// on a signature that cannot work.
func mustHandler(event string, fn any) handlerFunc {
	h, err := newHandlerFunc(fn)
	if err == nil && !localEvents[event] {
		err = h.sig.undecodable
	}
	if err != nil {
		panic(&ListenerError{Event: event, Err: err})
	}
	return h
}

// localEvents are the events the server raises itself, with Go values.
var localEvents = map[string]bool{"error": true, "disconnecting": true, "disconnect": true}
