package socketio

import (
	"encoding/json"
	"testing"

	"github.com/gosio/gosio/parser"
)

// decodeArgs turns a Socket.IO event text into its argument values.
func decodeArgs(b *testing.B, text string) []parser.RawValue {
	b.Helper()
	pkt, err := parser.JSON.NewDecoder().Add(false, []byte(text))
	if err != nil {
		b.Fatal(err)
	}
	args, _, ok := eventArgs(pkt)
	if !ok {
		b.Fatal("not an event")
	}
	return args
}

// BenchmarkDispatch measures calling a listener with decoded arguments, per
// signature form: the fast paths skip reflection; typed ones use the
// signature inspected at registration.
func BenchmarkDispatch(b *testing.B) {
	noAck := Ack(func(...any) error { return nil })
	cases := []struct {
		name string
		fn   any
		text string
	}{
		{"func(string)", func(string) {}, `2["ev","hello"]`},
		{"func(any,Ack)", func(any, Ack) {}, `2["ev",{"a":1}]`},
		{"func(json.RawMessage,Ack)", func(json.RawMessage, Ack) {}, `2["ev",{"a":1}]`},
		{"func(struct)", func(chatMsg) {}, `2["ev",{"text":"hi","n":3}]`},
		{"func(string,int,struct,Ack)", func(string, int, chatMsg, Ack) {}, `2["ev","a",2,{"text":"hi","n":3}]`},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			h := mustHandler("ev", c.fn)
			args := decodeArgs(b, c.text)
			b.ReportAllocs()
			for b.Loop() {
				if err := h.callRemote(args, noAck); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
