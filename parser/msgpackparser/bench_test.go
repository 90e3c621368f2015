package msgpackparser

import (
	"testing"

	"github.com/gosio/gosio/parser"
)

type benchChat struct {
	User string   `json:"user"`
	Text string   `json:"text"`
	N    int      `json:"n"`
	Tags []string `json:"tags"`
}

var benchPayloads = []struct {
	name string
	data func() any
}{
	{"map", func() any {
		return []any{"chat", map[string]any{"user": "bench", "text": "hello there", "n": 42, "ok": true}}
	}},
	{"struct", func() any {
		return []any{"chat", benchChat{User: "bench", Text: "hello there", N: 42, Tags: []string{"a", "b"}}}
	}},
	{"binary", func() any { return []any{"file", "name.bin", make([]byte, 1024)} }},
}

// BenchmarkEncode compares encoding an event with each codec: a broadcast
// pays it once whatever the number of recipients.
func BenchmarkEncode(b *testing.B) {
	codecs := []struct {
		name string
		c    parser.Codec
	}{{"json", parser.JSON}, {"msgpack", New(nil)}}
	for _, p := range benchPayloads {
		for _, c := range codecs {
			b.Run(p.name+"/"+c.name, func(b *testing.B) {
				pkt := &parser.Packet{Type: parser.Event, Namespace: "/", Data: p.data()}
				var buf [2]parser.Frame
				b.ReportAllocs()
				for b.Loop() {
					if _, err := c.c.Encode(buf[:0], pkt); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// BenchmarkDecodeTyped compares decoding an event and its struct argument.
func BenchmarkDecodeTyped(b *testing.B) {
	codecs := []struct {
		name string
		c    parser.Codec
	}{{"json", parser.JSON}, {"msgpack", New(nil)}}
	for _, c := range codecs {
		b.Run(c.name, func(b *testing.B) {
			frames, err := c.c.Encode(nil, &parser.Packet{Type: parser.Event, Namespace: "/", Data: benchPayloads[1].data()})
			if err != nil {
				b.Fatal(err)
			}
			d := c.c.NewDecoder()
			b.ReportAllocs()
			for b.Loop() {
				p, err := d.Add(frames[0].Binary, frames[0].Data)
				if err != nil {
					b.Fatal(err)
				}
				args, err := p.Data.(parser.RawValue).Elems()
				if err != nil {
					b.Fatal(err)
				}
				var v benchChat
				if err := args[1].Unmarshal(&v); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
