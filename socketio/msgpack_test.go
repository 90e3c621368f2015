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
