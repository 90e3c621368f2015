package socketio

import (
	"bytes"
	"encoding/json"
	"reflect"

	"github.com/gosio/gosio/parser"
)

// RawArg is one event argument exactly as the client sent it, undecoded:
// its JSON text with the object keys in the client's order and its numbers
// as spelt (integers beyond 2⁵³ included), and its binary attachments as
// binary.
//
// Emitting a RawArg (Emit, Broadcast, an Ack, nested in maps, slices or
// struct fields) sends what a Node server relaying the same value sends,
// byte for byte: Node's JSON.stringify(JSON.parse(text)), so keys keep
// their order (integer keys first, as in JavaScript), numbers are
// JavaScript's (1.0 → 1, 12345678901234567890 → 12345678901234567000),
// and attachments travel as binary attachments again.
//
// A listener receives RawArgs as parameters of that type
// (func(a RawArg, ack Ack)), variadic ones (func(args ...RawArg)), or all
// at once with the Ack in a [RawEvent]. The zero RawArg stands for a
// missing argument and is sent as null.
type RawArg struct {
	v parser.RawValue
}

// NewRawArg wraps a value received from a parser.Decoder (a packet's Data
// or one of its Elems), for adapters and gateways that decode packets
// themselves.
func NewRawArg(v parser.RawValue) RawArg { return RawArg{v: v} }

// RawValue returns the value, or nil for the zero RawArg. The encoder uses
// it to write the value (parser.RawValuer).
func (a RawArg) RawValue() parser.RawValue { return a.v }

// Raw returns the argument's encoded bytes as received (JSON text for the
// default codec, with attachment placeholders as the client numbered them
// in its packet), or nil for the zero RawArg. The caller must not modify
// them.
func (a RawArg) Raw() []byte {
	if a.v == nil {
		return nil
	}
	return a.v.Raw()
}

// Unmarshal decodes the argument into v (a pointer), as a listener's typed
// parameter is decoded: []byte targets receive attachments. A
// *json.Number inside v keeps a big integer exact. The zero RawArg leaves
// v unchanged.
func (a RawArg) Unmarshal(v any) error {
	if a.v == nil {
		return nil
	}
	return a.v.Unmarshal(v)
}

// MarshalJSON returns the argument's JSON text as the client sent it,
// attachments as base64 strings (JSON has no binary); "null" for the zero
// RawArg. gosio's own encoder does not call it (see RawArg).
func (a RawArg) MarshalJSON() ([]byte, error) {
	if a.v == nil {
		return []byte("null"), nil
	}
	if m, ok := a.v.(json.Marshaler); ok {
		return m.MarshalJSON()
	}
	var x any
	if err := a.v.Unmarshal(&x); err != nil {
		return nil, err
	}
	return json.Marshal(x)
}

// UnmarshalJSON keeps a copy of the JSON text, so that a RawArg can be a
// field of a struct a listener decodes (func(m struct{ Room string; Data
// RawArg })). Binary attachments inside such a field arrive as the base64
// strings encoding/json is given (see parser.RawValue); a RawArg parameter
// or a RawEvent keeps them binary.
func (a *RawArg) UnmarshalJSON(b []byte) error {
	v, err := parser.NewJSONValue(bytes.Clone(b))
	if err != nil {
		return err
	}
	a.v = v
	return nil
}

// RawEvent is an incoming event with every argument as the client sent it
// and the acknowledgement, for listeners of unknown arity: relays,
// gateways, proxies. Register one with On (func(*RawEvent) or
// func(*RawEvent) error) or, for every event, with OnAnyRaw.
//
// Forward passes the arguments on to an Emit or an Ack. To carry the event
// elsewhere (another server, a queue), encode it with the parser:
// parser.JSON.Encode(nil, &parser.Packet{Type: parser.Event, Data:
// append([]any{ev.Name}, ev.Forward()...)}) gives the text frame Node
// would send and the attachments as binary frames.
type RawEvent struct {
	// Name is the event name.
	Name string
	// Args are the arguments, undecoded.
	Args []RawArg
	// Ack answers the client; nil when the client asked for no
	// acknowledgement (then there is nothing to answer, as in Node, where
	// no callback is passed).
	Ack Ack
}

// Decode decodes the arguments, in order, into ptrs. Extra arguments are
// ignored; missing ones leave their pointer untouched.
func (e *RawEvent) Decode(ptrs ...any) error {
	for i, p := range ptrs {
		if i >= len(e.Args) {
			break
		}
		if err := e.Args[i].Unmarshal(p); err != nil {
			return &DecodeError{Event: e.Name, Arg: i, Err: err}
		}
	}
	return nil
}

// Forward returns the arguments as the arguments of an Emit or an Ack
// that passes them on unchanged: Emit(ev.Name, ev.Forward()...).
func (e *RawEvent) Forward() []any {
	out := make([]any, len(e.Args))
	for i, a := range e.Args {
		out[i] = a
	}
	return out
}

// RawArgs returns the answer's arguments as RawArgs.
func (r Response) RawArgs() []RawArg { return rawArgs(r.Args) }

// Forward returns the answer's arguments as the arguments of an Ack or an
// Emit that passes them on unchanged: ack(resp.Forward()...).
func (r Response) Forward() []any {
	out := make([]any, len(r.Args))
	for i, a := range r.Args {
		out[i] = RawArg{v: a}
	}
	return out
}

func rawArgs(args []parser.RawValue) []RawArg {
	out := make([]RawArg, len(args))
	for i, a := range args {
		out[i] = RawArg{v: a}
	}
	return out
}

var (
	rawArgType   = reflect.TypeFor[RawArg]()
	rawEventType = reflect.TypeFor[*RawEvent]()
)

// newRawEvent builds the RawEvent of an incoming event. ack is the event's
// Ack, shared with its other listeners; it is left out when the client
// asked for none.
func newRawEvent(name string, args []parser.RawValue, ack Ack, requested bool) *RawEvent {
	ev := &RawEvent{Name: name, Args: rawArgs(args)}
	if requested {
		ev.Ack = ack
	}
	return ev
}

// OnAnyRaw registers a listener called for every incoming event, before
// the event's own listeners and after the OnAny ones, with the arguments
// undecoded and the acknowledgement: Node's socket.onAny with a callback.
// The Ack is shared with the event's listeners: the first answer is sent.
func (s *Socket) OnAnyRaw(fn func(ev *RawEvent)) {
	s.lmu.Lock()
	h := s.hooksLocked()
	h.anyRaw = append(h.anyRaw, fn)
	s.lmu.Unlock()
}

// OffAnyRaw removes the catch-all listener fn, or all of them when fn is nil.
func (s *Socket) OffAnyRaw(fn func(ev *RawEvent)) {
	s.lmu.Lock()
	if h := s.hooks; h != nil {
		h.anyRaw = removeFunc(h.anyRaw, fn)
	}
	s.lmu.Unlock()
}

// removeFunc returns ls without the funcs whose code is fn's (all of them
// when fn is nil), in a new slice: readers may hold the old one.
func removeFunc[F any](ls []F, fn F) []F {
	if reflect.ValueOf(fn).IsNil() {
		return nil
	}
	ptr := funcPointer(fn)
	kept := ls[:0:0]
	for _, l := range ls {
		if funcPointer(l) != ptr {
			kept = append(kept, l)
		}
	}
	return kept
}

// callRawEvent calls a listener of the form func(*RawEvent) [error].
func callRawEvent(fn any, ev *RawEvent) error {
	switch f := fn.(type) {
	case func(*RawEvent):
		f(ev)
	case func(*RawEvent) error:
		return f(ev)
	}
	return nil
}
