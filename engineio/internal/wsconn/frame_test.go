package wsconn

import (
	"bytes"
	"fmt"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"

	"github.com/gobwas/ws"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestAppendFrameLengths(t *testing.T) {
	for _, n := range []int{0, 1, 125, 126, 127, 65535, 65536, 100000} {
		for _, text := range []bool{true, false} {
			payload := bytes.Repeat([]byte{'x'}, n)
			prefix := []byte("prefix")
			b := AppendFrame(append([]byte(nil), prefix...), text, payload)
			require.Equal(t, prefix, b[:len(prefix)], "dst prefix kept")

			r := bytes.NewReader(b[len(prefix):])
			h, err := ws.ReadHeader(r)
			require.NoError(t, err)
			assert.True(t, h.Fin)
			assert.False(t, h.Masked, "server frames are never masked")
			assert.Zero(t, h.Rsv)
			assert.Equal(t, int64(n), h.Length)
			assert.Equal(t, dataOp(text), h.OpCode)
			assert.Equal(t, ws.HeaderSize(h), headerLen(n))
			assert.Equal(t, n, r.Len(), "payload follows the header")
		}
	}
}

func TestAppendControlFrame(t *testing.T) {
	b := AppendControlFrame(nil, ws.OpPong, []byte("abc"))
	assert.Equal(t, []byte{0x8a, 3, 'a', 'b', 'c'}, b)

	long := bytes.Repeat([]byte{'p'}, 300)
	b = AppendControlFrame(nil, ws.OpPing, long)
	h, err := ws.ReadHeader(bytes.NewReader(b))
	require.NoError(t, err)
	assert.Equal(t, ws.OpPing, h.OpCode)
	assert.Equal(t, int64(125), h.Length, "truncated to the control frame limit")
	assert.Len(t, b, 2+125)
}

func TestCloseFrame(t *testing.T) {
	assert.Equal(t, []byte{0x88, 0x00}, CloseFrame(uint16(ws.StatusNoStatusRcvd), "ignored"))
	assert.Equal(t, []byte{0x88, 0x00}, CloseFrame(0, ""))
	assert.Equal(t, []byte{0x88, 0x05, 0x03, 0xe8, 'b', 'y', 'e'}, CloseFrame(1000, "bye"))

	// 200 bytes of 3-byte runes: truncation must not split a rune.
	reason := strings.Repeat("€", 200)
	b := CloseFrame(1001, reason)
	h, err := ws.ReadHeader(bytes.NewReader(b))
	require.NoError(t, err)
	require.LessOrEqual(t, h.Length, int64(125))
	code, got := ws.ParseCloseFrameData(b[2:])
	assert.Equal(t, ws.StatusGoingAway, code)
	assert.True(t, utf8.ValidString(got))
	assert.Equal(t, strings.Repeat("€", 41), got) // 123 / 3
}

func TestCloseStatus(t *testing.T) {
	for _, tc := range []struct {
		name string
		err  error
		code uint16
		ok   bool
	}{
		{
			name: "nil",
			err:  nil,
		},
		{
			name: "io",
			err:  bytes.ErrTooLarge,
		},
		{
			name: "too big",
			err:  ErrMessageTooBig,
			code: 1009,
			ok:   true,
		},
		{
			name: "protocol",
			err:  protocolErr("x"),
			code: 1002,
			ok:   true,
		},
		{
			name: "utf8",
			err:  invalidDataErr("x"),
			code: 1007,
			ok:   true,
		},
		{
			name: "close echo",
			err:  &CloseError{Code: 4001, Reason: "bye"},
			code: 4001,
			ok:   true,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, ok := CloseStatus(tc.err)
			assert.Equal(t, tc.code, code)
			assert.Equal(t, tc.ok, ok)
		})
	}
}

func TestAppendCompressedFrameConcurrent(t *testing.T) {
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 50 {
				payload := bytes.Repeat([]byte(fmt.Sprintf("g%d-i%d ", g, i)), 10+i)
				frame, err := AppendCompressedFrame(nil, true, payload)
				if !assert.NoError(t, err) {
					return
				}
				h, err := ws.ReadHeader(bytes.NewReader(frame))
				if !assert.NoError(t, err) {
					return
				}
				got, err := inflate(frame[ws.HeaderSize(h):], DefaultMaxMessageSize)
				if !assert.NoError(t, err) || !assert.Equal(t, payload, got) {
					return
				}
			}
		})
	}
	wg.Wait()
}
