package socketio

import (
	"testing"
	"time"

	"github.com/gosio/gosio/parser"
	"github.com/gosio/gosio/parser/msgpackparser"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// mpClient speaks the msgpack parser over a testClient.
type mpClient struct {
	*testClient
	codec *msgpackparser.Codec
}

func (c mpClient) sendPacket(p *parser.Packet) {
	c.t.Helper()
	frames, err := c.codec.Encode(nil, p)
	require.NoError(c.t, err)
	c.sendBinary(frames[0].Data)
}

func (c mpClient) nextPacket() *parser.Packet {
	c.t.Helper()
	select {
	case b := <-c.bin:
		p, err := c.codec.NewDecoder().Add(true, b)
		require.NoError(c.t, err)
		return p
	case <-time.After(5 * time.Second):
		c.t.Fatal("timed out waiting for a binary frame")
		return nil
	}
}

func TestMsgpackParserTypedListenersAndAcks(t *testing.T) {
	codec := msgpackparser.New(nil)
	io, hs := startServer(t, &Options{Parser: codec})
	type msg struct {
		Text string `json:"text"`
		N    uint64 `json:"n"`
	}
	io.OnConnection(func(s *Socket) {
		s.On("typed", func(m msg, i int8, b []byte, ack Ack) {
			_ = ack(m, i, b)
		})
		s.On("any", func(v any, ack Ack) { _ = ack(v) })
	})
	c := mpClient{dial(t, hs), codec}
	c.sendPacket(&parser.Packet{Type: parser.Connect, Namespace: "/"})
	p := c.nextPacket()
	require.Equal(t, parser.Connect, p.Type)
	var sid struct {
		SID string `json:"sid"`
	}
	require.NoError(t, p.Data.(parser.RawValue).Unmarshal(&sid))
	assert.NotEmpty(t, sid.SID)

	c.sendPacket(&parser.Packet{Type: parser.Event, Namespace: "/", ID: 9, HasID: true,
		Data: []any{"typed", map[string]any{"text": "hi", "n": uint64(1 << 63), "extra": 1}, -128, []byte{1, 2}}})
	p = c.nextPacket()
	require.Equal(t, parser.Ack, p.Type)
	assert.Equal(t, uint64(9), p.ID)
	var got []any
	require.NoError(t, p.Data.(parser.RawValue).Unmarshal(&got))
	assert.Equal(t, []any{map[string]any{"text": "hi", "n": uint64(1 << 63)}, int64(-128), []byte{1, 2}}, got)

	// A value decoded into `any` goes back in the form it came in.
	in := []any{"any", []any{msgpackparser.Undefined{}, msgpackparser.ArrayBuffer{7}, time.UnixMilli(5).UTC(), 1.5, int64(2)}}
	c.sendPacket(&parser.Packet{Type: parser.Event, Namespace: "/", ID: 10, HasID: true, Data: in})
	p = c.nextPacket()
	require.NoError(t, p.Data.(parser.RawValue).Unmarshal(&got))
	assert.Equal(t, in[1:], got)
}

func TestMsgpackParserClosesAJSONClientOnly(t *testing.T) {
	codec := msgpackparser.New(nil)
	io, hs := startServer(t, &Options{Parser: codec})
	io.OnConnection(func(s *Socket) {
		s.On("ping", func(ack Ack) { _ = ack("pong") })
	})
	good := mpClient{dial(t, hs), codec}
	good.sendPacket(&parser.Packet{Type: parser.Connect, Namespace: "/"})
	require.Equal(t, parser.Connect, good.nextPacket().Type)

	bad := dial(t, hs)
	bad.send("0")
	select {
	case <-bad.done: // the server closed the connection
	case <-time.After(5 * time.Second):
		t.Fatal("the JSON client was not disconnected")
	}

	good.sendPacket(&parser.Packet{Type: parser.Event, Namespace: "/", ID: 1, HasID: true, Data: []any{"ping"}})
	p := good.nextPacket()
	var got []string
	require.NoError(t, p.Data.(parser.RawValue).Unmarshal(&got))
	assert.Equal(t, []string{"pong"}, got)
}

// TestMsgpackBadInput sends each malformed packet on its own connection:
// the server closes that connection (its socket ends with "parse error"),
// and a client connected before still gets its answers.
func TestMsgpackBadInput(t *testing.T) {
	deep := []byte("\x83\xa4type\x02\xa3nsp\xa1/\xa4data")
	for range 70 {
		deep = append(deep, 0x91)
	}
	deep = append(deep, 0xc0)
	rows := []struct {
		name string
		text bool
		msg  []byte
	}{
		{"text message (JSON parser)", true, []byte(`2["ping"]`)},
		{"not a map", false, []byte{0x92, 0x02, 0xa1, '/'}},
		{"unknown prefix", false, []byte{0xc1}},
		{"truncated", false, []byte("\x83\xa4type\x02\xa3nsp\xa1/\xa4data\x92\xa4ping")},
		{"trailing bytes", false, []byte("\x82\xa4type\x01\xa3nsp\xa1/\x00")},
		{"id nil", false, []byte("\x84\xa4type\x02\xa3nsp\xa1/\xa4data\x91\xa4ping\xa2id\xc0")},
		{"DISCONNECT data nil", false, []byte("\x83\xa4type\x01\xa3nsp\xa1/\xa4data\xc0")},
		{"EVENT data a map", false, []byte("\x83\xa4type\x02\xa3nsp\xa1/\xa4data\x80")},
		{"EVENT name not a string", false, []byte("\x83\xa4type\x02\xa3nsp\xa1/\xa4data\x91\x01")},
		{"type 5", false, []byte("\x83\xa4type\x05\xa3nsp\xa1/\xa4data\x91\xa4ping")},
		{"array count beyond the message", false, []byte("\x83\xa4type\x02\xa3nsp\xa1/\xa4data\xdd\xff\xff\xff\xff")},
		{"nested 70 deep", false, deep},
	}
	codec := msgpackparser.New(nil)
	io, hs := startServer(t, &Options{Parser: codec})
	reasons := make(chan string, 1)
	io.OnConnection(func(s *Socket) {
		s.On("ping", func(ack Ack) { _ = ack("pong") })
		s.On("disconnect", func(reason string) { reasons <- reason })
	})
	good := mpClient{dial(t, hs), codec}
	good.sendPacket(&parser.Packet{Type: parser.Connect, Namespace: "/"})
	require.Equal(t, parser.Connect, good.nextPacket().Type)
	for i, row := range rows {
		t.Run(row.name, func(t *testing.T) {
			bad := mpClient{dial(t, hs), codec}
			bad.sendPacket(&parser.Packet{Type: parser.Connect, Namespace: "/"})
			require.Equal(t, parser.Connect, bad.nextPacket().Type)
			if row.text {
				bad.send(string(row.msg))
			} else {
				bad.sendBinary(row.msg)
			}
			assert.Equal(t, string(ReasonParseError), receive(t, reasons))
			select {
			case <-bad.done:
			case <-time.After(5 * time.Second):
				t.Fatal("the connection stayed open")
			}
			good.sendPacket(&parser.Packet{Type: parser.Event, Namespace: "/", ID: uint64(i), HasID: true, Data: []any{"ping"}})
			p := good.nextPacket()
			assert.Equal(t, parser.Ack, p.Type)
			assert.Equal(t, uint64(i), p.ID)
		})
	}
}

// A RawArg and a RawEvent relay a msgpack client's values as received.
func TestMsgpackParserRelaysRawArgs(t *testing.T) {
	codec := msgpackparser.New(nil)
	io, hs := startServer(t, &Options{Parser: codec})
	io.OnConnection(func(s *Socket) {
		s.On("raw", func(v RawArg, ack Ack) { _ = ack(v) })
		s.On("all", func(ev *RawEvent) { _ = ev.Ack(ev.Forward()...) })
	})
	c := mpClient{dial(t, hs), codec}
	c.sendPacket(&parser.Packet{Type: parser.Connect, Namespace: "/"})
	require.Equal(t, parser.Connect, c.nextPacket().Type)

	arg := map[string]any{"z": uint64(1 << 63), "a": []byte{1, 2}, "m": msgpackparser.Undefined{}}
	for i, ev := range []string{"raw", "all"} {
		c.sendPacket(&parser.Packet{Type: parser.Event, Namespace: "/", ID: uint64(i), HasID: true,
			Data: []any{ev, arg, 1.5}})
		p := c.nextPacket()
		require.Equal(t, parser.Ack, p.Type, ev)
		var got []any
		require.NoError(t, p.Data.(parser.RawValue).Unmarshal(&got))
		want := []any{arg}
		if ev == "all" {
			want = append(want, 1.5)
		}
		assert.Equal(t, want, got, ev)
	}
}
