// Package parser encodes and decodes Socket.IO packets.
//
// It is a pure codec: no I/O, no goroutines. The engine layer hands it the
// messages it receives (Decoder.Add) and sends the Frames it produces
// (Codec.Encode). It speaks protocol v5 (socket.io 3.x/4.x) and v4
// (socket.io-client 2.x).
//
// # Wire format
//
// A packet is one text message:
//
//	packet      = type [attachments "-"] [namespace ","] [ack-id] [payload]
//	type        = "0".."6"   ; CONNECT, DISCONNECT, EVENT, ACK, CONNECT_ERROR, BINARY_EVENT, BINARY_ACK
//	attachments = 1*DIGIT    ; only for BINARY_EVENT / BINARY_ACK, mandatory there
//	namespace   = "/" *(any but ",")   ; omitted for the main namespace "/"
//	ack-id      = 1*DIGIT    ; fits in uint64
//	payload     = JSON text
//
// Examples:
//
//	0{"token":"123"}                 CONNECT to "/" with auth (v5)
//	0/admin,{"sid":"oSO0OpakMV_3jnilAAAA"}   CONNECT reply for "/admin"
//	2["hello",1]                     EVENT "hello" with argument 1
//	2/chat,12["msg","hi"]            EVENT on "/chat" expecting ack 12
//	3/chat,12["ok"]                  ACK 12
//	4{"message":"Not authorized"}    CONNECT_ERROR (v5)
//	1/chat,                          DISCONNECT from "/chat"
//
// The payload must match the type: CONNECT carries nothing or an object,
// DISCONNECT nothing, EVENT a non-empty array starting with the event name,
// ACK an array (and an ack id is mandatory), CONNECT_ERROR an object (v5) or
// a string (v4). Anything else is rejected with an error wrapping
// ErrInvalidPacket.
//
// # Binary attachments
//
// Binary data cannot live in JSON, so each []byte is replaced by a placeholder
// object and sent as its own binary message right after the text packet:
//
//	51-["upload",{"_placeholder":true,"num":0}]   then one binary message
//
// num indexes the attachments in order; the count before "-" says how many
// binary messages follow. The encoder finds []byte values anywhere in the
// payload and switches the type to BINARY_EVENT / BINARY_ACK itself. The
// decoder keeps the packet pending until all attachments arrived; it rejects
// a count above JSONOptions.MaxAttachments (10 by default), a zero count,
// placeholders pointing outside the attachments or attachments no
// placeholder refers to. RawValue.Unmarshal puts the attachments back.
//
// # Protocol v4 vs v5
//
//   - v5 CONNECT may carry an auth object; the server answers CONNECT with
//     {"sid": ...}. v4 clients send no payload, and the server answers a bare
//     CONNECT.
//   - v4 clients put the connection query in the CONNECT namespace
//     ("0/admin?token=abc,"); the decoder splits it into Packet.Namespace
//     and Packet.Query.
//   - type 4 is ERROR in v4 with a string payload, CONNECT_ERROR in v5 with
//     {"message": ..., "data": ...}; both decode to ConnectError.
//
// The codec is pluggable (Codec, Decoder, RawValue): one package per other
// codec under parser/, such as parser/msgpackparser (the format of the npm
// package socket.io-msgpack-parser), compiled only into programs that
// import it.
package parser
