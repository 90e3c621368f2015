// Package codec encodes and decodes Engine.IO packets and payloads for
// protocol revisions 3 (engine.io-client 3.x, socket.io-client 2.x) and
// 4 (engine.io-client 4+/6.x).
//
// The package is pure byte shuffling: it knows nothing about sessions,
// transports or HTTP. Encoders append to a caller-supplied slice so hot
// paths can reuse buffers; decoders hand each packet to a callback so a
// payload never has to be materialised as a []Packet.
//
// Ownership: decoded Packet.Data usually aliases the input (text packets
// and raw binary frames); base64 payload packets are the exception and get
// a fresh slice. The caller owns the input body, so aliasing is safe as long
// as the body is not reused while the packets are alive. Copy Data if it
// must outlive the body.
//
// Framing summary:
//
//	packet (both)        <type digit><data>                  e.g. "4hello"
//	v4 ws binary         raw frame, always a message
//	v4 polling payload   packets joined by 0x1E; binary as "b"+base64
//	v3 ws binary         <type byte><data>
//	v3 polling (string)  <len>:<packet>... len in UTF-16 code units;
//	                     binary as "b"<type digit><base64>
//	v3 polling (binary)  per packet: 0|1, length as digit bytes 0-9, 0xFF,
//	                     then the packet (length in bytes)
//	JSONP                ___eio[<j>]("<payload as JS string>");
package codec
