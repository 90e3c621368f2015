package wsconn

import (
	"encoding/binary"
	"unicode/utf8"

	"github.com/gobwas/ws"
)

// AppendHeader appends an unmasked server frame header (2, 4 or 10 bytes)
// with FIN set for a payload of length bytes. rsv1 marks a compressed message
// (permessage-deflate). It lets a writer send a large payload by reference in
// net.Buffers instead of copying it behind the header.
func AppendHeader(dst []byte, op ws.OpCode, rsv1 bool, length int) []byte {
	b0 := byte(0x80) | byte(op)&0x0f // FIN: we never fragment our own messages.
	if rsv1 {
		b0 |= 0x40
	}
	switch {
	case length <= 125:
		return append(dst, b0, byte(length))
	case length <= 0xffff:
		return binary.BigEndian.AppendUint16(append(dst, b0, 126), uint16(length))
	default:
		return binary.BigEndian.AppendUint64(append(dst, b0, 127), uint64(length))
	}
}

// headerLen is the size of the header AppendHeader writes for length bytes.
func headerLen(length int) int {
	switch {
	case length <= 125:
		return 2
	case length <= 0xffff:
		return 4
	default:
		return 10
	}
}

// dataOp returns the opcode of a text or binary message.
func dataOp(text bool) ws.OpCode {
	if text {
		return ws.OpText
	}
	return ws.OpBinary
}

// MaxHeaderLen is the longest header of a server frame (no mask).
const MaxHeaderLen = 10

// AppendFrameHeader appends the header of a final, unmasked data frame of
// length payload bytes; the caller appends the payload.
func AppendFrameHeader(dst []byte, text bool, length int) []byte {
	return AppendHeader(dst, dataOp(text), false, length)
}

// AppendFrame appends a complete, unfragmented, unmasked data frame (text or
// binary) carrying payload to dst and returns the extended slice. The result
// does not depend on the connection, so a frame built once can be sent to many
// connections.
func AppendFrame(dst []byte, text bool, payload []byte) []byte {
	dst = AppendHeader(dst, dataOp(text), false, len(payload))
	return append(dst, payload...)
}

// AppendControlFrame appends a ping, pong or close frame carrying payload.
// Control frame payloads are limited to 125 bytes by RFC 6455, so a longer
// payload is truncated (a close payload should be built with CloseFrame,
// which truncates on a rune boundary).
func AppendControlFrame(dst []byte, op ws.OpCode, payload []byte) []byte {
	if len(payload) > ws.MaxControlFramePayloadSize {
		payload = payload[:ws.MaxControlFramePayloadSize]
	}
	dst = AppendHeader(dst, op, false, len(payload))
	return append(dst, payload...)
}

// CloseFrame returns a complete close frame with the given status code and
// reason. Code 0 and 1005 (ws.StatusNoStatusRcvd, which must not be sent on
// the wire) produce a close frame with an empty body, which is the right
// answer to an empty close frame from the client. The reason is truncated on
// a rune boundary to fit the 125-byte control frame limit, so it stays valid
// UTF-8.
func CloseFrame(code uint16, reason string) []byte {
	if code == 0 || code == uint16(ws.StatusNoStatusRcvd) {
		return AppendHeader(make([]byte, 0, 2), ws.OpClose, false, 0)
	}
	const maxReason = ws.MaxControlFramePayloadSize - 2
	if len(reason) > maxReason {
		n := maxReason
		for n > 0 && !utf8.RuneStart(reason[n]) {
			n-- // do not cut a multi-byte rune in half
		}
		reason = reason[:n]
	}
	n := 2 + len(reason)
	dst := AppendHeader(make([]byte, 0, 2+n), ws.OpClose, false, n)
	dst = binary.BigEndian.AppendUint16(dst, code)
	return append(dst, reason...)
}
