package parser

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestDecodeErrors(t *testing.T) {
	tests := []struct {
		name string
		wire string
		kind error
	}{
		{"empty", "", ErrUnknownType},
		{"type 7", `7["x"]`, ErrUnknownType},
		{"type letter", `a["x"]`, ErrUnknownType},
		{"type below 0", `/["x"]`, ErrUnknownType},
		{"ack id overflow", `218446744073709551616["x"]`, ErrInvalidAckID},
		{"ack id way overflow", `299999999999999999999999["x"]`, ErrInvalidAckID},
		{"ack without id", `3["x"]`, ErrInvalidAckID},
		{"ack without payload", `312`, ErrInvalidPayload},
		{"binary ack without id", `61-[{"_placeholder":true,"num":0}]`, ErrInvalidAckID},
		{"ack object", `31{}`, ErrInvalidPayload},
		{"event without payload", `2`, ErrInvalidPayload},
		{"event ns without payload", `2/chat,`, ErrInvalidPayload},
		{"event empty array", `2[]`, ErrInvalidPayload},
		{"event name not string", `2[1,"x"]`, ErrInvalidPayload},
		{"event object", `2{"a":1}`, ErrInvalidPayload},
		{"event string", `2"x"`, ErrInvalidPayload},
		{"invalid json", `2["x"`, ErrInvalidPayload},
		{"trailing garbage", `2["x"]]`, ErrInvalidPayload},
		{"trailing garbage 2", `2["x"]abc`, ErrInvalidPayload},
		{"namespace without slash", `2chat,["x"]`, ErrInvalidPayload},
		{"garbage after id", `21a["x"]`, ErrInvalidPayload},
		{"whitespace only", `2  `, ErrInvalidPayload},
		{"disconnect payload", `1{}`, ErrInvalidPayload},
		{"connect array", `0["x"]`, ErrInvalidPayload},
		{"connect string", `0"x"`, ErrInvalidPayload},
		{"connect error number", `41`, ErrInvalidPayload}, // "1" is the ack id, no payload
		{"connect error array", `4["x"]`, ErrInvalidPayload},
		{"connect error empty", `4`, ErrInvalidPayload},
		{"binary without count", `5["x"]`, ErrInvalidAttachments},
		{"binary without dash", `51["x"]`, ErrInvalidAttachments},
		{"binary count then end", `51`, ErrInvalidAttachments},
		{"binary zero attachments", `50-["x"]`, ErrInvalidAttachments},
		{"binary over cap", `511-["x"]`, ErrTooManyAttachments},
		{"binary huge count", `599999999999999999999999999-["x"]`, ErrTooManyAttachments},
		{"placeholder num out of range", `51-["x",{"_placeholder":true,"num":1}]`, ErrInvalidAttachments},
		{"placeholder num negative", `51-["x",{"_placeholder":true,"num":-1}]`, ErrInvalidAttachments},
		{"placeholder num float", `51-["x",{"_placeholder":true,"num":0.5}]`, ErrInvalidAttachments},
		{"placeholder num string", `51-["x",{"_placeholder":true,"num":"0"}]`, ErrInvalidAttachments},
		{"placeholder without num", `51-["x",{"_placeholder":true}]`, ErrInvalidAttachments},
		{"count lies (no placeholder)", `51-["x"]`, ErrInvalidAttachments},
		{"count lies (unused attachment)", `52-["x",{"_placeholder":true,"num":0}]`, ErrInvalidAttachments},
		{"binary event invalid json", `51-["x",{"_placeholder":true,"num":0}`, ErrInvalidPayload},
		{"binary event no name", `51-[{"_placeholder":true,"num":0}]`, ErrInvalidPayload},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := JSON.NewDecoder()
			p, err := d.Add(false, []byte(tt.wire))
			require.Error(t, err)
			assert.Nil(t, p)
			assert.ErrorIs(t, err, tt.kind)
			assert.ErrorIs(t, err, ErrInvalidPacket)
			var de *DecodeError
			require.True(t, errors.As(err, &de))
			assert.NotEmpty(t, de.Reason)
			assert.Contains(t, err.Error(), de.Reason)

			// The decoder is usable after an error.
			p, err = d.Add(false, []byte(`2["ok"]`))
			require.NoError(t, err)
			require.NotNil(t, p)
			assert.Equal(t, Event, p.Type)
		})
	}
}

func TestDecodeMaxAttachments(t *testing.T) {
	// The default cap is 10.
	_, err := JSON.NewDecoder().Add(false, []byte(`511-["x"]`))
	assert.ErrorIs(t, err, ErrTooManyAttachments)

	// A custom cap.
	c := NewJSON(&JSONOptions{MaxAttachments: 2})
	_, err = c.NewDecoder().Add(false, []byte(`53-["x"]`))
	assert.ErrorIs(t, err, ErrTooManyAttachments)

	frames, err := c.Encode(nil, &Packet{Type: Event, Data: []any{"x", []byte{1}, []byte{2}}})
	require.NoError(t, err)
	p := decodeWith(t, c.NewDecoder(), frames)
	assert.Len(t, p.Attachments, 2)

	// Encoding is not capped: the cap protects the receiving side only.
	big := []any{"x"}
	for range 11 {
		big = append(big, []byte{0})
	}
	frames, err = JSON.Encode(nil, &Packet{Type: Event, Data: big})
	require.NoError(t, err)
	assert.Len(t, frames, 12)
	_, err = JSON.NewDecoder().Add(false, frames[0].Data)
	assert.ErrorIs(t, err, ErrTooManyAttachments)

	// Zero or negative options mean the default.
	assert.Equal(t, DefaultMaxAttachments, NewJSON(&JSONOptions{}).(*jsonCodec).maxAttachments)
	assert.Equal(t, DefaultMaxAttachments, NewJSON(&JSONOptions{MaxAttachments: -1}).(*jsonCodec).maxAttachments)
}

func TestDecoderSequenceErrors(t *testing.T) {
	d := JSON.NewDecoder()

	// Binary message when nothing is pending.
	p, err := d.Add(true, []byte{1, 2})
	assert.Nil(t, p)
	assert.ErrorIs(t, err, ErrUnexpectedBinary)
	assert.ErrorIs(t, err, ErrInvalidPacket)

	// Text while waiting for attachments.
	p, err = d.Add(false, []byte(`52-["x",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]`))
	require.NoError(t, err)
	require.Nil(t, p)
	p, err = d.Add(true, []byte{1})
	require.NoError(t, err)
	require.Nil(t, p)
	p, err = d.Add(false, []byte(`2["x"]`))
	assert.Nil(t, p)
	assert.ErrorIs(t, err, ErrUnexpectedText)
	assert.ErrorIs(t, err, ErrInvalidPacket)

	// Reset state: the next binary message is unexpected again.
	_, err = d.Add(true, []byte{1})
	assert.ErrorIs(t, err, ErrUnexpectedBinary)

	// Reset drops a pending packet.
	_, err = d.Add(false, []byte(`51-["x",{"_placeholder":true,"num":0}]`))
	require.NoError(t, err)
	d.Reset()
	_, err = d.Add(true, []byte{1})
	assert.ErrorIs(t, err, ErrUnexpectedBinary)

	// And it works normally afterwards.
	p, err = d.Add(false, []byte(`2["x"]`))
	require.NoError(t, err)
	assert.Equal(t, Event, p.Type)
}

func TestSentinelsWrapInvalidPacket(t *testing.T) {
	for _, err := range []error{ErrUnknownType, ErrInvalidNamespace, ErrInvalidAckID, ErrInvalidPayload,
		ErrInvalidAttachments, ErrTooManyAttachments, ErrUnexpectedBinary, ErrUnexpectedText} {
		assert.ErrorIs(t, err, ErrInvalidPacket, err.Error())
		assert.NotErrorIs(t, ErrInvalidPacket, err)
	}
	assert.NotErrorIs(t, ErrInvalidPayload, ErrUnknownType)
}
