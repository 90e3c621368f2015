package socketio

import (
	"bufio"
	"encoding/binary"
	stdio "io"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gobwas/ws"
	"github.com/gobwas/ws/wsutil"

	"github.com/gosio/gosio/parser"
	"github.com/gosio/gosio/parser/msgpackparser"
)

// BenchmarkEchoAckParsers is BenchmarkEchoAck with listeners as most users
// write them (an `any`, a struct), with the JSON parser and the msgpack
// one: the client sends the same event in each format, the listener acks
// its decoded argument. allocs/op is the server's.
func BenchmarkEchoAckParsers(b *testing.B) {
	for _, codec := range []string{"json", "msgpack"} {
		for _, listener := range []string{"any", "struct"} {
			b.Run(codec+"/"+listener, func(b *testing.B) { benchEchoParser(b, codec, listener) })
		}
	}
}

func benchEchoParser(b *testing.B, codec, listener string) {
	var opts *Options
	mp := codec == "msgpack"
	if mp {
		opts = &Options{Parser: msgpackparser.New(nil)}
	}
	io := NewServer(opts)
	defer func() { _ = io.Close() }()
	io.On("connection", func(s *Socket) {
		if listener == "any" {
			s.On("echo", func(v any, ack Ack) { _ = ack(v) })
		} else {
			s.On("echo", func(v echoMsg, ack Ack) { _ = ack(v) })
		}
	})
	hs := httptest.NewServer(io)
	defer func() { hs.CloseClientConnections(); hs.Close() }()
	url := "ws" + strings.TrimPrefix(hs.URL, "http") + "/socket.io/?EIO=4&transport=websocket"
	c, r := dialEngine(b, url)
	defer func() { _ = c.Close() }()
	in := bufio.NewReaderSize(r, 4096)
	arg := echoMsg{Seq: 12345, Sent: 1764121234567, Payload: "abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrstuvwxyz"}
	var prefix []byte // the event up to its ack id
	var suffix []byte
	var opcode byte = 0x81
	if mp {
		opcode = 0x82
		if err := wsutil.WriteClientBinary(c, []byte("\x82\xa4type\x00\xa3nsp\xa1/")); err != nil {
			b.Fatal(err)
		}
		_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
		if _, _, err := wsutil.ReadServerData(rw{in, c}); err != nil {
			b.Fatal(err)
		}
		f, err := msgpackparser.New(nil).Encode(nil, &parser.Packet{Type: parser.Event, Namespace: "/", Data: []any{"echo", arg}})
		if err != nil {
			b.Fatal(err)
		}
		// {type, data, nsp} becomes {type, data, id: uint 32, nsp}.
		ev := f[0].Data
		nsp := len(ev) - len("\xa3nsp\xa1/")
		prefix = append(append([]byte{0x84}, ev[1:nsp]...), "\xa2id\xce"...)
		suffix = ev[nsp:]
	} else {
		if err := wsutil.WriteClientText(c, []byte("40")); err != nil {
			b.Fatal(err)
		}
		expectFrame(b, c, in, "40{")
		prefix = []byte("42")
		suffix = []byte(`["echo",{"seq":12345,"sent":1764121234567,"payload":"` + arg.Payload + `"}]`)
	}
	out := make([]byte, 0, 256)
	read := make([]byte, 256)
	mask := [4]byte{1, 2, 3, 4}
	_ = c.SetDeadline(time.Now().Add(time.Hour))
	id := 0
	b.ReportAllocs()
	for b.Loop() {
		id++
		payload := append(out[14:14], prefix...)
		if mp {
			payload = binary.BigEndian.AppendUint32(payload, uint32(id))
		} else {
			payload = strconv.AppendInt(payload, int64(id), 10)
		}
		payload = append(payload, suffix...)
		n := len(payload)
		frame := append(out[:0], opcode)
		if n <= 125 {
			frame = append(frame, 0x80|byte(n))
		} else {
			frame = append(frame, 0x80|126, byte(n>>8), byte(n))
		}
		frame = append(frame, mask[:]...)
		frame = append(frame, payload...)
		ws.Cipher(frame[len(frame)-n:], mask, 0)
		if _, err := c.Write(frame); err != nil {
			b.Fatal(err)
		}
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
		got := read[:size]
		if mp && (len(got) < 5 || string(got[:4]) != "\x84\xa2id") || !mp && (len(got) < 3 || string(got[:2]) != "43") {
			b.Fatalf("got %q", got)
		}
	}
}
