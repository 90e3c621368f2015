package socketio

import (
	"bufio"
	"encoding/json"
	stdio "io"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gobwas/ws"
	"github.com/gobwas/ws/wsutil"
)

// echoMsg is the echo argument as a typical listener declares it.
type echoMsg struct {
	Seq     int    `json:"seq"`
	Sent    int64  `json:"sent"`
	Payload string `json:"payload"`
}

// echoListeners are the listeners BenchmarkEchoAck compares: the raw
// pass-through, and the forms most applications write (issue 20, item 7).
var echoListeners = []struct {
	name string
	fn   any
}{
	{"raw", func(v json.RawMessage, ack Ack) { _ = ack(v) }},
	{"rawarg", func(v RawArg, ack Ack) { _ = ack(v) }},
	{"any", func(v any, ack Ack) { _ = ack(v) }},
	{"struct", func(v echoMsg, ack Ack) { _ = ack(v) }},
}

// BenchmarkEchoAck measures one emit with an ack round trip over a real
// WebSocket: the client sends 42<id>["echo",{...}], the listener acks the
// argument, the client reads 43<id>[...]. The client side is written to
// allocate nothing, so allocs/op is the server's.
func BenchmarkEchoAck(b *testing.B) {
	for _, l := range echoListeners {
		b.Run("listener="+l.name, func(b *testing.B) { benchEchoAck(b, l.fn) })
	}
}

func benchEchoAck(b *testing.B, fn any) {
	io := NewServer(nil)
	defer func() { _ = io.Close() }()
	benchInstrument(b, io)
	io.On("connection", func(s *Socket) {
		s.On("echo", fn)
	})
	hs := httptest.NewServer(io)
	defer func() { hs.CloseClientConnections(); hs.Close() }()
	url := "ws" + strings.TrimPrefix(hs.URL, "http") + "/socket.io/?EIO=4&transport=websocket"
	c, r := dialEngine(b, url)
	defer func() { _ = c.Close() }()
	in := bufio.NewReaderSize(r, 4096)
	if err := wsutil.WriteClientText(c, []byte("40")); err != nil {
		b.Fatal(err)
	}
	expectFrame(b, c, in, "40{")

	const arg = `{"seq":12345,"sent":1764121234567,"payload":"abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrstuvwxyz"}`
	out := make([]byte, 0, 256)
	read := make([]byte, 256)
	mask := [4]byte{1, 2, 3, 4}
	_ = c.SetDeadline(time.Now().Add(time.Hour))
	id := 0
	b.ReportAllocs()
	for b.Loop() {
		id++
		payload := out[14:14]
		payload = append(payload, "42"...)
		payload = strconv.AppendInt(payload, int64(id), 10)
		payload = append(payload, `["echo",`+arg+`]`...)
		n := len(payload)
		frame := out[:0]
		frame = append(frame, 0x81)
		if n <= 125 {
			frame = append(frame, 0x80|byte(n))
		} else {
			frame = append(frame, 0x80|126, byte(n>>8), byte(n))
		}
		frame = append(frame, mask[:]...)
		frame = append(frame, payload...) // payload was built past any header
		ws.Cipher(frame[len(frame)-n:], mask, 0)
		if _, err := c.Write(frame); err != nil {
			b.Fatal(err)
		}
		// An unmasked text frame of under 64 KiB, read without ws.ReadHeader,
		// which allocates.
		hdr, err := in.Peek(2)
		if err != nil {
			b.Fatal(err)
		}
		size, skip := int(hdr[1]&0x7f), 2
		if size == 126 {
			if hdr, err = in.Peek(4); err != nil {
				b.Fatal(err)
			}
			size, skip = int(hdr[2])<<8|int(hdr[3]), 4
		}
		if _, err := in.Discard(skip); err != nil {
			b.Fatal(err)
		}
		if _, err := stdio.ReadFull(in, read[:size]); err != nil {
			b.Fatal(err)
		}
		if got := read[:size]; len(got) < 3 || string(got[:2]) != "43" {
			b.Fatalf("got %q", got)
		}
	}
}
