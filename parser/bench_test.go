package parser

import (
	"testing"
)

var benchEvent = &Packet{
	Type: Event, Namespace: "/chat", ID: 42, HasID: true,
	Data: []any{"message", "hello world", 12.5, map[string]any{"user": "ann", "room": "lobby", "tags": []any{"a", "b"}}},
}

var benchBinaryEvent = &Packet{
	Type: Event, Namespace: "/files",
	Data: []any{"upload", map[string]any{"name": "a.bin", "content": make([]byte, 1024)}, make([]byte, 16)},
}

func benchEncode(b *testing.B, p *Packet) {
	b.ReportAllocs()
	var frames []Frame
	for b.Loop() {
		var err error
		frames, err = JSON.Encode(frames[:0], p)
		if err != nil {
			b.Fatal(err)
		}
	}
}

func benchDecode(b *testing.B, p *Packet) {
	frames, err := JSON.Encode(nil, p)
	if err != nil {
		b.Fatal(err)
	}
	d := JSON.NewDecoder()
	b.ReportAllocs()
	for b.Loop() {
		var out *Packet
		for _, f := range frames {
			if out, err = d.Add(f.Binary, f.Data); err != nil {
				b.Fatal(err)
			}
		}
		if out == nil {
			b.Fatal("incomplete")
		}
	}
}

func BenchmarkEncodeEvent(b *testing.B)       { benchEncode(b, benchEvent) }
func BenchmarkEncodeBinaryEvent(b *testing.B) { benchEncode(b, benchBinaryEvent) }
func BenchmarkEncodeAck(b *testing.B) {
	benchEncode(b, &Packet{Type: Ack, ID: 42, HasID: true, Data: []any{"ok", 1}})
}

func BenchmarkDecodeEvent(b *testing.B)       { benchDecode(b, benchEvent) }
func BenchmarkDecodeBinaryEvent(b *testing.B) { benchDecode(b, benchBinaryEvent) }
func BenchmarkDecodeAck(b *testing.B) {
	benchDecode(b, &Packet{Type: Ack, ID: 42, HasID: true, Data: []any{"ok", 1}})
}

// BenchmarkDecodeEventArgs includes the typical handler work: split the
// arguments, read the name and unmarshal them.
func BenchmarkDecodeEventArgs(b *testing.B) {
	frames, _ := JSON.Encode(nil, benchEvent)
	d := JSON.NewDecoder()
	b.ReportAllocs()
	for b.Loop() {
		p, err := d.Add(false, frames[0].Data)
		if err != nil {
			b.Fatal(err)
		}
		args, err := p.Data.(RawValue).Elems()
		if err != nil {
			b.Fatal(err)
		}
		if _, ok := args[0].String(); !ok {
			b.Fatal("no name")
		}
		var s string
		var f float64
		var m struct {
			User, Room string
			Tags       []string
		}
		if args[1].Unmarshal(&s) != nil || args[2].Unmarshal(&f) != nil || args[3].Unmarshal(&m) != nil {
			b.Fatal("unmarshal")
		}
	}
}

// BenchmarkDecodeBinaryEventTyped measures resolving attachments into a struct.
func BenchmarkDecodeBinaryEventTyped(b *testing.B) {
	frames, _ := JSON.Encode(nil, benchBinaryEvent)
	d := JSON.NewDecoder()
	b.ReportAllocs()
	for b.Loop() {
		var p *Packet
		for _, f := range frames {
			p, _ = d.Add(f.Binary, f.Data)
		}
		args, _ := p.Data.(RawValue).Elems()
		var file struct {
			Name    string `json:"name"`
			Content []byte `json:"content"`
		}
		if err := args[1].Unmarshal(&file); err != nil || len(file.Content) != 1024 {
			b.Fatal(err)
		}
	}
}
