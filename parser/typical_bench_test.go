package parser

import (
	"encoding/json"
	"testing"
)

// The echo argument of bench/ and socketio's BenchmarkEchoAck.
const typicalArg = `{"seq":12345,"sent":1764121234567,"payload":"abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrstuvwxyz"}`

type typicalMsg struct {
	Seq     int    `json:"seq"`
	Sent    int64  `json:"sent"`
	Payload string `json:"payload"`
}

// BenchmarkTypicalListener measures what a listener taking `any` or a
// struct adds to a pass-through: decoding the argument, and encoding the
// ack that carries it back.
func BenchmarkTypicalListener(b *testing.B) {
	v := &jsonValue{raw: []byte(typicalArg)}
	b.Run("decode=any", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var x any
			if err := v.Unmarshal(&x); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("decode=struct", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var x typicalMsg
			if err := v.Unmarshal(&x); err != nil {
				b.Fatal(err)
			}
		}
	})
	var anyV any
	_ = v.Unmarshal(&anyV)
	var structV typicalMsg
	_ = v.Unmarshal(&structV)
	for _, c := range []struct {
		name string
		arg  any
	}{{"rawmessage", json.RawMessage(typicalArg)}, {"raw", v}, {"any", anyV}, {"struct", structV}} {
		b.Run("encode-ack="+c.name, func(b *testing.B) {
			b.ReportAllocs()
			args := []any{c.arg}
			buf := make([]byte, 0, 512)
			for b.Loop() {
				out, ok, err := JSON.(TextAppender).AppendText(buf[:0], Packet{Type: Ack, ID: 7, HasID: true, Data: &args})
				if err != nil || !ok || len(out) == 0 {
					b.Fatal(err)
				}
			}
		})
	}
}
