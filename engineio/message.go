package engineio

import (
	"sync/atomic"

	"github.com/gosio/gosio/engineio/internal/wsconn"
)

// Message is an outbound message. It is immutable once created, so one Message
// may be sent to any number of sessions: the WebSocket frame bytes are built
// the first time a session needs them and then shared by every other session
// of the same protocol, which makes a broadcast cost one encoding.
type Message struct {
	binary     bool
	noCompress bool
	data       []byte

	// frames caches WebSocket frame bytes per wire variant.
	frames [numFrameVariants]atomic.Pointer[[]byte]
}

// frameVariant names the distinct WebSocket encodings of a message.
type frameVariant int

const (
	frameV4           frameVariant = iota // text "4"+data, or binary data
	frameV3                               // text "4"+data, or binary 0x04+data
	frameV4Compressed                     // frameV4 deflated
	frameV3Compressed                     // frameV3 deflated
	numFrameVariants
)

// TextMessage returns a text message. data must be valid UTF-8 and must not be
// modified after the call.
func TextMessage(data []byte) *Message { return &Message{data: data} }

// BinaryMessage returns a binary message. data must not be modified after the
// call.
func BinaryMessage(data []byte) *Message { return &Message{binary: true, data: data} }

// DisableCompression marks m to be sent uncompressed even when the
// connection negotiated permessage-deflate. Call it before the first Send.
func (m *Message) DisableCompression() *Message {
	m.noCompress = true
	return m
}

// Binary reports whether m is a binary message.
func (m *Message) Binary() bool { return m.binary }

// Data returns the message payload. It must not be modified.
func (m *Message) Data() []byte { return m.data }

// wsFrame returns the complete WebSocket frame carrying m for a session of the
// given protocol revision, building it once.
func (m *Message) wsFrame(protocol int, compress bool) []byte {
	v := frameV4
	if protocol == 3 && m.binary {
		v = frameV3
	}
	if compress {
		v += frameV4Compressed
	}
	if p := m.frames[v].Load(); p != nil {
		return *p
	}
	frame := m.buildFrame(protocol, compress)
	// Concurrent builders produce identical bytes; keep whichever lands first.
	m.frames[v].CompareAndSwap(nil, &frame)
	return *m.frames[v].Load()
}

// buildFrame returns a new WebSocket frame carrying m; wsFrame caches it,
// a message for one session (SendNow) needs no cache.
func (m *Message) buildFrame(protocol int, compress bool) []byte {
	if compress {
		payload := m.wirePayload(protocol)
		frame, err := wsconn.AppendCompressedFrame(nil, !m.binary, payload)
		if err != nil { // deflate into memory cannot fail; stay correct anyway
			frame = wsconn.AppendFrame(nil, !m.binary, payload)
		}
		return frame
	}
	// Header, type digit and data in one allocation.
	prefixed := !m.binary || protocol == 3
	n := len(m.data)
	if prefixed {
		n++
	}
	frame := make([]byte, 0, wsconn.MaxHeaderLen+n)
	frame = wsconn.AppendFrameHeader(frame, !m.binary, n)
	switch {
	case !m.binary:
		frame = append(frame, '4')
	case protocol == 3:
		frame = append(frame, 4)
	}
	return append(frame, m.data...)
}

// wirePayload is the WebSocket message payload of m: text messages carry the
// packet type digit, binary ones carry it only in protocol 3.
func (m *Message) wirePayload(protocol int) []byte {
	switch {
	case !m.binary:
		b := make([]byte, 0, len(m.data)+1)
		return append(append(b, '4'), m.data...)
	case protocol == 3:
		b := make([]byte, 0, len(m.data)+1)
		return append(append(b, 4), m.data...)
	default:
		return m.data
	}
}
