package socketio

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// relayInput is an event whose arguments Node would rewrite when relaying:
// key order with integer keys, number spellings, escapes, a big integer.
const (
	relayInput = `["relay",{"b":1.0,"a":-0,"2":1e21,"1":12345678901234567890},"\u00e9\ud83d\ude00\/",[1.50,0.0000001]]`
	relayNode  = `["relay",{"1":12345678901234567000,"2":1e+21,"b":1,"a":0},"é😀/",[1.5,1e-7]]`
)

// TestRawEventRelaysAsNode: a func(*RawEvent) listener gets every argument
// and the Ack; a broadcast of its arguments and its ack carry Node's bytes.
func TestRawEventRelaysAsNode(t *testing.T) {
	io, hs := startServer(t, nil)
	got := make(chan *RawEvent, 1)
	io.On("connection", func(s *Socket) {
		s.On("relay", func(ev *RawEvent) {
			got <- ev
			_ = s.Broadcast().Emit(ev.Name, ev.Forward()...)
			_ = ev.Ack(ev.Forward()...)
		})
	})
	a, b := dial(t, hs), dial(t, hs)
	a.connect("/", "")
	b.connect("/", "")
	a.send("27" + relayInput)
	ev := receive(t, got)
	assert.Equal(t, "relay", ev.Name)
	require.Len(t, ev.Args, 3)
	assert.Equal(t, `{"b":1.0,"a":-0,"2":1e21,"1":12345678901234567890}`, string(ev.Args[0].Raw()))
	var n struct {
		One json.Number `json:"1"`
	}
	require.NoError(t, ev.Args[0].Unmarshal(&n))
	assert.Equal(t, "12345678901234567890", n.One.String(), "a big integer decodes exactly")
	assert.Equal(t, "2"+relayNode, b.next())
	assert.Equal(t, "37["+relayNode[len(`["relay",`):], a.next())
}

// TestOnAnyRawGetsAckAndBinary: the catch-all gets events of any name and
// arity with their Ack (nil when none was asked for), and relays binary
// arguments as attachments, renumbered as Node numbers them.
func TestOnAnyRawGetsAckAndBinary(t *testing.T) {
	io, hs := startServer(t, nil)
	got := make(chan *RawEvent, 2)
	io.On("connection", func(s *Socket) {
		s.OnAnyRaw(func(ev *RawEvent) {
			got <- ev
			_ = s.Broadcast().Emit(ev.Name, ev.Forward()...)
			if ev.Ack != nil {
				_ = ev.Ack("ok")
			}
		})
		s.On("bin", func(a RawArg, ack Ack) { _ = ack("late") }) // the first answer wins
	})
	a, b := dial(t, hs), dial(t, hs)
	a.connect("/", "")
	b.connect("/", "")
	a.send(`2["plain",1]`)
	assert.Nil(t, receive(t, got).Ack)
	assert.Equal(t, `2["plain",1]`, b.next())

	a.send(`52-3["bin",{"z":{"_placeholder":true,"num":1}},{"_placeholder":true,"num":0},1.0]`)
	a.sendBinary([]byte("first"))
	a.sendBinary([]byte("second"))
	ev := receive(t, got)
	require.NotNil(t, ev.Ack)
	assert.Equal(t, `52-["bin",{"z":{"_placeholder":true,"num":0}},{"_placeholder":true,"num":1},1]`, b.next())
	assert.Equal(t, "second", string(<-b.bin))
	assert.Equal(t, "first", string(<-b.bin))
	assert.Equal(t, `33["ok"]`, a.next())
	var bin []byte
	require.NoError(t, ev.Args[1].Unmarshal(&bin))
	assert.Equal(t, "first", string(bin))
}

// TestRawArgVariadic: RawArg parameters, variadic ones included.
func TestRawArgVariadic(t *testing.T) {
	io, hs := startServer(t, nil)
	io.On("connection", func(s *Socket) {
		s.On("v", func(first string, rest ...RawArg) {
			_ = s.Emit(first, anys(rest)...)
		})
	})
	c := dial(t, hs)
	c.connect("/", "")
	c.send(`2["v","back",{"y":1,"x":2.0},null]`)
	assert.Equal(t, `2["back",{"y":1,"x":2},null]`, c.next())
}

// TestHandshakeAuthRaw: the auth payload keeps its text.
func TestHandshakeAuthRaw(t *testing.T) {
	io, hs := startServer(t, nil)
	got := make(chan *Handshake, 1)
	io.On("connection", func(s *Socket) { got <- s.Handshake() })
	c := dial(t, hs)
	c.connect("/", `{"z":1,"a":12345678901234567890,"f":1.0}`)
	h := receive(t, got)
	assert.Equal(t, `{"z":1,"a":12345678901234567890,"f":1.0}`, string(h.AuthRaw))
	assert.Equal(t, 1.0, h.Auth["z"])

	c2 := dial(t, hs)
	c2.connect("/", "")
	assert.Nil(t, receive(t, got).AuthRaw)
}

func anys(args []RawArg) []any {
	out := make([]any, len(args))
	for i, a := range args {
		out[i] = a
	}
	return out
}

// TestRawArgStructField: a RawArg field of a decoded struct keeps its text
// and relays as Node would.
func TestRawArgStructField(t *testing.T) {
	io, hs := startServer(t, nil)
	io.On("connection", func(s *Socket) {
		s.On("room", func(m struct {
			Room string `json:"room"`
			Data RawArg `json:"data"`
		}) {
			_ = s.Emit(m.Room, m.Data)
		})
	})
	c := dial(t, hs)
	c.connect("/", "")
	c.send(`2["room",{"room":"r1","data":{"z":1.0,"a":[12345678901234567890]}}]`)
	assert.Equal(t, `2["r1",{"z":1,"a":[12345678901234567000]}]`, c.next())
}

// TestOffAnyRawAndLocalRawEvent: OffAnyRaw removes a catch-all; a
// func(*RawEvent) listener of a reserved event gets its Go arguments.
func TestOffAnyRawAndLocalRawEvent(t *testing.T) {
	io, hs := startServer(t, nil)
	reasons := make(chan string, 1)
	seen := make(chan string, 4)
	io.On("connection", func(s *Socket) {
		removed := func(ev *RawEvent) { seen <- "removed:" + ev.Name }
		s.OnAnyRaw(removed)
		s.OnAnyRaw(func(ev *RawEvent) { seen <- "kept:" + ev.Name })
		s.OffAnyRaw(removed)
		s.On("disconnect", func(ev *RawEvent) {
			var reason string
			if err := ev.Decode(&reason); err != nil {
				reason = err.Error()
			}
			reasons <- reason
		})
	})
	c := dial(t, hs)
	c.connect("/", "")
	c.send(`2["ping"]`)
	assert.Equal(t, "kept:ping", receive(t, seen))
	c.send("1")
	assert.Equal(t, string(ReasonClientDisconnect), receive(t, reasons))
	assert.Empty(t, seen)
}
