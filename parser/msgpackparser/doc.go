// Package msgpackparser is the Socket.IO msgpack parser: it speaks the wire
// format of the npm package socket.io-msgpack-parser (3.x, built on
// notepack.io), so that clients created with
//
//	io(url, { parser: require("socket.io-msgpack-parser") })
//
// talk to a gosio server unchanged. Select it with
//
//	socketio.NewServer(&socketio.Options{Parser: msgpackparser.New(nil)})
//
// All clients of a server use its parser: a client using the default JSON
// parser is disconnected when it sends its first packet (a text message),
// and the other clients are unaffected.
//
// # Wire format
//
// Each packet is one binary message: a MessagePack map with the keys type
// (0 to 4), nsp, data and id. There are no attachment packets: binary data
// travels inside the payload. Received keys other than these four are
// ignored (socket.io-client adds options), and a key holding undefined is
// taken as absent. Sent packets leave out a key with nothing to carry: the
// client rejects an id, or the data of a DISCONNECT, that is nil.
//
// # Values
//
// JavaScript values travel as notepack.io writes them, and arguments
// decoded into an `any` keep what tells them apart, so that sending them
// back gives the client what it sent, as a Node server would:
//
//	JavaScript            MessagePack               Go (any)            Go, sent
//	null                  nil                       nil                 nil
//	undefined             fixext 1, type 0          Undefined{}         Undefined{}
//	true, false           bool                      bool                bool
//	integral number       int / uint formats        int64 (uint64 above  any integer type, and
//	                                                MaxInt64)           integral floats
//	other number          float 64                  float64             float32, float64
//	string                str                       string              string
//	Buffer (Node)         bin                       []byte              []byte
//	ArrayBuffer (browser)
//	ArrayBuffer, typed    ext 8/16/32, type 0       ArrayBuffer         ArrayBuffer
//	array (Node)
//	Date                  fixext 8, type 0 (ms)     time.Time (UTC)     time.Time
//	array                 array                     []any               slices, arrays
//	object                map                       map[string]any      maps, structs
//	[type, Buffer]        other extensions          []any{int64, []byte}
//
// Numbers follow JavaScript: an integral number is sent in the smallest
// integer format, even from a float64 (2.0 arrives as 2, as a Node server
// sends it), and any other number as float 64. Integers keep all 64 bits
// on the Go side (12345678901234567890 is sent exactly, where JavaScript
// rounds it). The browser build of notepack.io (what bundlers pick) writes
// an ArrayBuffer as bin and reads bin as an ArrayBuffer, so browsers' binary
// arrives as []byte and []byte reaches them as an ArrayBuffer; it does not
// read ext type 0, so do not send ArrayBuffer values to browsers.
//
// Typed targets decode as encoding/json would from the equivalent JSON:
// structs by their json tags (omitempty, "-", embedded structs), maps,
// slices, integers of every width (a value that does not fit is a
// *TypeError), floats, strings; a []byte receives bin and ArrayBuffer
// alike; a time.Time receives a Date; nil and undefined leave a target as
// it is. A json.Unmarshaler, json.RawMessage included, receives the value
// as JSON text: binary as base64 strings, undefined as null, a Date as
// JavaScript's toJSON writes it. A json.Marshaler that is sent is converted
// from its JSON, keys in its order, integers exact.
//
// # Raw pass-through
//
// A received argument forwarded as it is (a parser.RawValue, such as an
// element of the socketio raw listener's arguments) is written back byte
// for byte: nothing is decoded. Its Raw method returns its MessagePack
// bytes.
package msgpackparser
