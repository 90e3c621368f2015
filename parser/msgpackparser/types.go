package msgpackparser

// ArrayBuffer is binary data that a Node.js client sent as an ArrayBuffer
// or typed array (notepack.io writes those as ext type 0), rather than as a
// Buffer (bin). Received into an `any` it keeps that type so that sending
// it back gives the client an ArrayBuffer again, as Node does; a []byte
// target receives either form. Sent, it arrives in a Node.js client as an
// ArrayBuffer, but in a browser as [0, ArrayBuffer]: notepack.io's browser
// build does not read ext type 0. Send []byte to browsers, where bin
// arrives as an ArrayBuffer (and as a Buffer in Node.js).
type ArrayBuffer []byte

// Undefined is JavaScript's undefined, which notepack.io writes as its own
// value (fixext 1 of type 0), distinct from null. Received into an `any` it
// keeps that type (so {a: undefined} echoes back as {a: undefined}, as in
// Node); typed targets treat it as null. Sending Undefined{} gives the client
// undefined.
type Undefined struct{}

// MarshalJSON writes undefined as JSON null, as JSON.stringify does inside
// arrays.
func (Undefined) MarshalJSON() ([]byte, error) { return []byte("null"), nil }
