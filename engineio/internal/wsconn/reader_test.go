package wsconn

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"math/rand/v2"
	"runtime"
	"strings"
	"testing"

	"github.com/gobwas/ws"
	"github.com/gobwas/ws/wsflate"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type message struct {
	text    bool
	payload string
}

// readAll reads messages until the first error.
func readAll(input []byte, opts ReaderOptions) (msgs []message, pings []string, err error) {
	opts.OnPing = PingFunc(func(p []byte) { pings = append(pings, string(p)) })
	r := NewReader(bytes.NewReader(input), opts)
	for {
		text, p, err := r.ReadMessage()
		if err != nil {
			return msgs, pings, err
		}
		msgs = append(msgs, message{text: text, payload: string(p)})
	}
}

func closePayload(code uint16, reason string) []byte {
	return append(binary.BigEndian.AppendUint16(nil, code), reason...)
}

// wantStatus checks a *ProtocolError (or other closing error) by close code.
func wantStatus(code uint16) func(t *testing.T, err error) {
	return func(t *testing.T, err error) {
		t.Helper()
		got, ok := CloseStatus(err)
		require.True(t, ok, "no close status for %v", err)
		assert.Equal(t, code, got, "error %v", err)
	}
}

func wantErr(target error) func(t *testing.T, err error) {
	return func(t *testing.T, err error) {
		t.Helper()
		assert.ErrorIs(t, err, target)
	}
}

func wantClose(code ws.StatusCode, reason string) func(t *testing.T, err error) {
	return func(t *testing.T, err error) {
		t.Helper()
		var ce *CloseError
		require.ErrorAs(t, err, &ce)
		assert.Equal(t, code, ce.Code)
		assert.Equal(t, reason, ce.Reason)
	}
}

func TestReadMessage(t *testing.T) {
	big := func(n int) string { return strings.Repeat("z", n) }
	euro := []byte("a€b") // € is e2 82 ac
	for _, tc := range []struct {
		name    string
		input   []byte
		opts    ReaderOptions
		want    []message
		pings   []string
		checkEr func(t *testing.T, err error)
	}{
		{
			name:    "masked text",
			input:   clientFrame(ws.OpText, true, []byte("hello")),
			want:    []message{{text: true, payload: "hello"}},
			checkEr: wantErr(io.EOF),
		},
		{
			name:    "masked binary",
			input:   clientFrame(ws.OpBinary, true, []byte{0, 0xff, 1}),
			want:    []message{{text: false, payload: "\x00\xff\x01"}},
			checkEr: wantErr(io.EOF),
		},
		{
			name:    "empty text",
			input:   clientFrame(ws.OpText, true, nil),
			want:    []message{{text: true, payload: ""}},
			checkEr: wantErr(io.EOF),
		},
		{
			name: "two messages",
			input: concat(
				clientFrame(ws.OpText, true, []byte("one")),
				clientFrame(ws.OpBinary, true, []byte("two")),
			),
			want:    []message{{text: true, payload: "one"}, {text: false, payload: "two"}},
			checkEr: wantErr(io.EOF),
		},
		{
			name: "fragmented with ping and pong in the middle",
			input: concat(
				clientFrame(ws.OpText, false, []byte("Hel")),
				clientFrame(ws.OpPing, true, []byte("p1")),
				clientFrame(ws.OpContinuation, false, []byte("lo ")),
				clientFrame(ws.OpPong, true, []byte("ignored")),
				clientFrame(ws.OpContinuation, true, []byte("world")),
			),
			want:    []message{{text: true, payload: "Hello world"}},
			pings:   []string{"p1"},
			checkEr: wantErr(io.EOF),
		},
		{
			name:    "length 125",
			input:   clientFrame(ws.OpBinary, true, []byte(big(125))),
			want:    []message{{payload: big(125)}},
			checkEr: wantErr(io.EOF),
		},
		{
			name:    "length 126 (16-bit)",
			input:   clientFrame(ws.OpBinary, true, []byte(big(126))),
			want:    []message{{payload: big(126)}},
			checkEr: wantErr(io.EOF),
		},
		{
			name:    "length 65535 (16-bit)",
			input:   clientFrame(ws.OpBinary, true, []byte(big(65535))),
			want:    []message{{payload: big(65535)}},
			checkEr: wantErr(io.EOF),
		},
		{
			name:    "length 65536 (64-bit)",
			input:   clientFrame(ws.OpBinary, true, []byte(big(65536))),
			want:    []message{{payload: big(65536)}},
			checkEr: wantErr(io.EOF),
		},
		{
			name:    "length 200000 (64-bit, several read chunks)",
			input:   clientFrame(ws.OpText, true, []byte(big(200000))),
			want:    []message{{text: true, payload: big(200000)}},
			checkEr: wantErr(io.EOF),
		},
		{
			name:    "unmasked client frame",
			input:   rawFrame(ws.Header{Fin: true, OpCode: ws.OpText}, false, []byte("hi")),
			checkEr: wantStatus(1002),
		},
		{
			name:    "rsv1 without compression",
			input:   rawFrame(ws.Header{Fin: true, OpCode: ws.OpText, Rsv: ws.Rsv(true, false, false)}, true, []byte("hi")),
			checkEr: wantStatus(1002),
		},
		{
			name:    "rsv2 with compression",
			input:   rawFrame(ws.Header{Fin: true, OpCode: ws.OpText, Rsv: ws.Rsv(false, true, false)}, true, []byte("hi")),
			opts:    ReaderOptions{Compression: true},
			checkEr: wantStatus(1002),
		},
		{
			name:    "rsv1 on control frame with compression",
			input:   rawFrame(ws.Header{Fin: true, OpCode: ws.OpPing, Rsv: ws.Rsv(true, false, false)}, true, nil),
			opts:    ReaderOptions{Compression: true},
			checkEr: wantStatus(1002),
		},
		{
			name: "rsv1 on continuation with compression",
			input: concat(
				clientFrame(ws.OpText, false, []byte("a")),
				rawFrame(ws.Header{Fin: true, OpCode: ws.OpContinuation, Rsv: ws.Rsv(true, false, false)}, true, []byte("b")),
			),
			opts:    ReaderOptions{Compression: true},
			checkEr: wantStatus(1002),
		},
		{
			name:    "control frame too long",
			input:   clientFrame(ws.OpPing, true, []byte(big(126))),
			checkEr: wantStatus(1002),
		},
		{
			name:    "fragmented control frame",
			input:   clientFrame(ws.OpPing, false, []byte("p")),
			checkEr: wantStatus(1002),
		},
		{
			name:    "continuation without start",
			input:   clientFrame(ws.OpContinuation, true, []byte("x")),
			checkEr: wantStatus(1002),
		},
		{
			name: "new data frame during fragmented message",
			input: concat(
				clientFrame(ws.OpText, false, []byte("a")),
				clientFrame(ws.OpText, true, []byte("b")),
			),
			checkEr: wantStatus(1002),
		},
		{
			name:    "reserved data opcode",
			input:   clientFrame(ws.OpCode(0x3), true, nil),
			checkEr: wantStatus(1002),
		},
		{
			name:    "reserved control opcode",
			input:   clientFrame(ws.OpCode(0xb), true, nil),
			checkEr: wantStatus(1002),
		},
		{
			name:    "64-bit length with most significant bit",
			input:   append([]byte{0x82, 0xff, 0x80, 0, 0, 0, 0, 0, 0, 1}, testMask[:]...),
			checkEr: wantStatus(1002),
		},
		{
			name:    "invalid utf8 text",
			input:   clientFrame(ws.OpText, true, []byte("a\xffb")),
			checkEr: wantStatus(1007),
		},
		{
			name:    "invalid utf8 is fine in binary",
			input:   clientFrame(ws.OpBinary, true, []byte("a\xffb")),
			want:    []message{{payload: "a\xffb"}},
			checkEr: wantErr(io.EOF),
		},
		{
			name: "rune split across fragments is valid",
			input: concat(
				clientFrame(ws.OpText, false, euro[:2]), // a e2
				clientFrame(ws.OpContinuation, false, euro[2:3]),
				clientFrame(ws.OpContinuation, true, euro[3:]), // ac b
			),
			want:    []message{{text: true, payload: "a€b"}},
			checkEr: wantErr(io.EOF),
		},
		{
			name: "invalid continuation of split rune",
			input: concat(
				clientFrame(ws.OpText, false, []byte("a\xe2")),
				clientFrame(ws.OpContinuation, true, []byte("(b")),
			),
			checkEr: wantStatus(1007),
		},
		{
			name:    "incomplete rune at message end",
			input:   clientFrame(ws.OpText, true, []byte("a\xe2\x82")),
			checkEr: wantStatus(1007),
		},
		{
			// The first fragment is already invalid: fail before the
			// rest of the message arrives (here it never does).
			name:    "fail fast on invalid fragment",
			input:   clientFrame(ws.OpText, false, []byte("\xc0\xaf")),
			checkEr: wantStatus(1007),
		},
		{
			name:    "too big single frame",
			input:   clientFrame(ws.OpText, true, []byte(big(11))),
			opts:    ReaderOptions{MaxMessageSize: 10},
			checkEr: wantStatus(1009),
		},
		{
			name:    "exactly max size",
			input:   clientFrame(ws.OpText, true, []byte(big(10))),
			opts:    ReaderOptions{MaxMessageSize: 10},
			want:    []message{{text: true, payload: big(10)}},
			checkEr: wantErr(io.EOF),
		},
		{
			name: "too big across fragments",
			input: concat(
				clientFrame(ws.OpText, false, []byte(big(6))),
				clientFrame(ws.OpContinuation, true, []byte(big(6))),
			),
			opts:    ReaderOptions{MaxMessageSize: 10},
			checkEr: wantErr(ErrMessageTooBig),
		},
		{
			name:    "close with code and reason",
			input:   clientFrame(ws.OpClose, true, closePayload(1000, "bye")),
			checkEr: wantClose(1000, "bye"),
		},
		{
			name:    "close with application code",
			input:   clientFrame(ws.OpClose, true, closePayload(4000, "")),
			checkEr: wantClose(4000, ""),
		},
		{
			name:    "close without payload",
			input:   clientFrame(ws.OpClose, true, nil),
			checkEr: wantClose(ws.StatusNoStatusRcvd, ""),
		},
		{
			name: "close in the middle of a fragmented message",
			input: concat(
				clientFrame(ws.OpText, false, []byte("a")),
				clientFrame(ws.OpClose, true, closePayload(1001, "")),
			),
			checkEr: wantClose(1001, ""),
		},
		{
			name:    "close with 1-byte payload",
			input:   clientFrame(ws.OpClose, true, []byte{3}),
			checkEr: wantStatus(1002),
		},
		{
			name:    "close with code 999",
			input:   clientFrame(ws.OpClose, true, closePayload(999, "")),
			checkEr: wantStatus(1002),
		},
		{
			name:    "close with reserved code 1005",
			input:   clientFrame(ws.OpClose, true, closePayload(1005, "")),
			checkEr: wantStatus(1002),
		},
		{
			name:    "close with code 5000",
			input:   clientFrame(ws.OpClose, true, closePayload(5000, "")),
			checkEr: wantStatus(1002),
		},
		{
			name:    "close with invalid utf8 reason",
			input:   clientFrame(ws.OpClose, true, closePayload(1000, "\xff")),
			checkEr: wantStatus(1007),
		},
		{
			name:    "truncated payload",
			input:   clientFrame(ws.OpText, true, []byte("hello"))[:8],
			checkEr: wantErr(io.ErrUnexpectedEOF),
		},
		{
			name:    "truncated header",
			input:   []byte{0x81},
			checkEr: wantErr(io.ErrUnexpectedEOF),
		},
		{
			name:    "eof inside fragmented message",
			input:   clientFrame(ws.OpText, false, []byte("a")),
			checkEr: wantErr(io.ErrUnexpectedEOF),
		},
		{
			name:    "empty input",
			input:   nil,
			checkEr: wantErr(io.EOF),
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			msgs, pings, err := readAll(tc.input, tc.opts)
			assert.Equal(t, tc.want, msgs)
			assert.Equal(t, tc.pings, pings)
			tc.checkEr(t, err)
		})
	}
}

func TestReadMessageStickyError(t *testing.T) {
	input := concat(
		rawFrame(ws.Header{Fin: true, OpCode: ws.OpText}, false, []byte("x")),
		clientFrame(ws.OpText, true, []byte("valid")),
	)
	r := NewReader(bytes.NewReader(input), ReaderOptions{})
	_, _, err1 := r.ReadMessage()
	require.Error(t, err1)
	_, _, err2 := r.ReadMessage()
	assert.Equal(t, err1, err2, "no reading past a protocol error")
}

func TestReadMessagePayloadIsOwned(t *testing.T) {
	input := concat(
		clientFrame(ws.OpText, true, []byte("first")),
		clientFrame(ws.OpText, true, []byte("second")),
	)
	r := NewReader(bytes.NewReader(input), ReaderOptions{})
	_, p1, err := r.ReadMessage()
	require.NoError(t, err)
	_, p2, err := r.ReadMessage()
	require.NoError(t, err)
	assert.Equal(t, "first", string(p1))
	assert.Equal(t, "second", string(p2))
}

// A peer that declares a huge frame but sends little must not make us
// allocate the declared size.
func TestReadMessageDoesNotTrustDeclaredLength(t *testing.T) {
	hdr := []byte{0x82, 0xff}
	hdr = binary.BigEndian.AppendUint64(hdr, 1<<29)
	hdr = append(hdr, testMask[:]...)
	input := append(hdr, make([]byte, 100)...)

	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	r := NewReader(bytes.NewReader(input), ReaderOptions{MaxMessageSize: 1 << 30})
	_, _, err := r.ReadMessage()
	runtime.ReadMemStats(&after)
	require.ErrorIs(t, err, io.ErrUnexpectedEOF)
	assert.Less(t, after.TotalAlloc-before.TotalAlloc, uint64(1<<20))
}

func TestCompressedRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	random := make([]byte, 70000)
	for i := range random {
		random[i] = byte(rng.Uint32())
	}
	for _, tc := range []struct {
		name    string
		text    bool
		payload []byte
	}{
		{
			name:    "small text",
			text:    true,
			payload: []byte(`42["message","hello"]`),
		},
		{
			name:    "empty",
			text:    true,
			payload: nil,
		},
		{
			name:    "repetitive text",
			text:    true,
			payload: bytes.Repeat([]byte("socket.io €"), 20000),
		},
		{
			name:    "incompressible binary",
			text:    false,
			payload: random,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			frame, err := AppendCompressedFrame([]byte("keep"), tc.text, tc.payload)
			require.NoError(t, err)
			require.Equal(t, "keep", string(frame[:4]))
			frame = frame[4:]

			h, err := ws.ReadHeader(bytes.NewReader(frame))
			require.NoError(t, err)
			assert.True(t, h.Rsv1(), "RSV1 marks a compressed message")
			assert.True(t, h.Fin)
			assert.False(t, h.Masked)
			assert.Equal(t, int64(len(frame)-ws.HeaderSize(h)), h.Length)

			// gobwas (an independent implementation) decompresses it.
			//lint:ignore SA1019 a test reading frames from the server under test, whose sizes it controls
			f, err := ws.ReadFrame(bytes.NewReader(frame))
			require.NoError(t, err)
			f, err = wsflate.DecompressFrame(f)
			require.NoError(t, err)
			assert.Equal(t, len(tc.payload), len(f.Payload))
			assert.True(t, bytes.Equal(tc.payload, f.Payload))

			// Our Reader reads it back as a client would send it.
			input := clientCopy(t, frame)
			r := NewReader(bytes.NewReader(input), ReaderOptions{Compression: true})
			text, p, err := r.ReadMessage()
			require.NoError(t, err)
			assert.Equal(t, tc.text, text)
			assert.True(t, bytes.Equal(tc.payload, p))
			assert.LessOrEqual(t, cap(p), DefaultMaxMessageSize)
		})
	}
}

func TestCompressedFromGobwasClient(t *testing.T) {
	payload := bytes.Repeat([]byte("gobwas client "), 500)
	f, err := wsflate.CompressFrame(ws.NewTextFrame(payload))
	require.NoError(t, err)
	f = ws.MaskFrameWith(f, testMask)
	var b bytes.Buffer
	require.NoError(t, ws.WriteFrame(&b, f))

	r := NewReader(&b, ReaderOptions{Compression: true})
	text, p, err := r.ReadMessage()
	require.NoError(t, err)
	assert.True(t, text)
	assert.Equal(t, payload, p)
}

func TestCompressedFragmented(t *testing.T) {
	payload := []byte(strings.Repeat("fragmented compressed ", 100))
	frame, err := AppendCompressedFrame(nil, true, payload)
	require.NoError(t, err)
	h, err := ws.ReadHeader(bytes.NewReader(frame))
	require.NoError(t, err)
	body := frame[ws.HeaderSize(h):]
	half := len(body) / 2

	input := concat(
		rawFrame(ws.Header{OpCode: ws.OpText, Rsv: ws.Rsv(true, false, false)}, true, body[:half]),
		clientFrame(ws.OpPing, true, []byte("x")),
		clientFrame(ws.OpContinuation, true, body[half:]),
		clientFrame(ws.OpText, true, []byte("plain after compressed")),
	)
	msgs, pings, err := readAll(input, ReaderOptions{Compression: true})
	require.ErrorIs(t, err, io.EOF)
	assert.Equal(t, []message{
		{text: true, payload: string(payload)},
		{text: true, payload: "plain after compressed"},
	}, msgs)
	assert.Equal(t, []string{"x"}, pings)
}

func TestCompressedErrors(t *testing.T) {
	compress := func(p []byte) []byte {
		frame, err := AppendCompressedFrame(nil, true, p)
		require.NoError(t, err)
		return clientCopy(t, frame)
	}
	// 10 MB of zeros compresses to ~10 KB: a deflate bomb against a 1000
	// byte limit.
	bomb := compress(make([]byte, 10<<20))
	require.Less(t, len(bomb), 64<<10)

	for _, tc := range []struct {
		name    string
		input   []byte
		max     int64
		checkEr func(t *testing.T, err error)
	}{
		{
			name:    "over limit after inflation",
			input:   bomb,
			max:     1000,
			checkEr: wantStatus(1009),
		},
		{
			name:    "just over limit after inflation",
			input:   compress(bytes.Repeat([]byte("a"), 1001)),
			max:     1000,
			checkEr: wantErr(ErrMessageTooBig),
		},
		{
			name:    "invalid utf8 after inflation",
			input:   compress([]byte("ok \xff not ok")),
			checkEr: wantStatus(1007),
		},
		{
			name: "corrupt deflate data",
			input: rawFrame(ws.Header{Fin: true, OpCode: ws.OpBinary, Rsv: ws.Rsv(true, false, false)},
				true, []byte{0xff, 0xff, 0xff, 0xff}),
			checkEr: wantStatus(1007),
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			_, _, err := readAll(tc.input, ReaderOptions{Compression: true, MaxMessageSize: tc.max})
			runtime.ReadMemStats(&after)
			tc.checkEr(t, err)
			// Pool state aside (~50 KiB flate window and tables), nothing
			// near the 10 MB the bomb would inflate to is allocated.
			assert.Less(t, after.TotalAlloc-before.TotalAlloc, uint64(1<<20))
		})
	}
}

func TestCompressedExactlyAtLimit(t *testing.T) {
	payload := bytes.Repeat([]byte("b"), 1000)
	frame, err := AppendCompressedFrame(nil, false, payload)
	require.NoError(t, err)
	r := NewReader(bytes.NewReader(clientCopy(t, frame)), ReaderOptions{Compression: true, MaxMessageSize: 1000})
	_, p, err := r.ReadMessage()
	require.NoError(t, err)
	assert.Equal(t, payload, p)
}

func TestValidUTF8Prefix(t *testing.T) {
	for _, tc := range []struct {
		in    string
		final bool
		n     int
		ok    bool
	}{
		{in: "abc", n: 3, ok: true},
		{in: "a\xe2\x82", n: 1, ok: true},
		{in: "a\xe2\x82", final: true, n: 3, ok: false},
		{in: "a\xf0\x9f\x98", n: 1, ok: true},
		{in: "a\xf0\x9f\x98\x80", n: 5, ok: true},
		{in: "a\xe2\x28", ok: false, n: 3},
		{in: "\xff", ok: false, n: 1},
		{in: "", n: 0, ok: true},
	} {
		n, ok := validUTF8Prefix([]byte(tc.in), tc.final)
		assert.Equal(t, tc.ok, ok, "%q", tc.in)
		if ok {
			assert.Equal(t, tc.n, n, "%q", tc.in)
		}
	}
}

func TestErrorsUnwrap(t *testing.T) {
	var pe *ProtocolError
	err := errors.Join(errors.New("ctx"), protocolErr("boom"))
	require.ErrorAs(t, err, &pe)
	code, ok := CloseStatus(err)
	assert.True(t, ok)
	assert.Equal(t, uint16(1002), code)
	assert.Contains(t, pe.Error(), "boom")
}
