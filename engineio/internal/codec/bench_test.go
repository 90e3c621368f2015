package codec

import (
	"strings"
	"testing"
)

func benchPackets() []Packet {
	return []Packet{
		{Type: Message, Data: []byte(`42["chat","hello world, this is a typical event payload"]`)},
		{Type: Message, Data: []byte(`42["chat","non-ascii: héllo € 😀 ` + strings.Repeat("x", 100) + `"]`)},
		{Type: Message, Binary: true, Data: make([]byte, 256)},
		{Type: Ping},
	}
}

func BenchmarkAppendPayloadV4(b *testing.B) {
	pkts := benchPackets()
	buf := AppendPayloadV4(nil, pkts)
	b.ReportAllocs()
	b.SetBytes(int64(len(buf)))
	for b.Loop() {
		buf = AppendPayloadV4(buf[:0], pkts)
	}
}

func BenchmarkDecodePayloadV4(b *testing.B) {
	body := AppendPayloadV4(nil, benchPackets())
	fn := func(Packet) error { return nil }
	b.ReportAllocs()
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		if err := DecodePayloadV4(body, fn); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkAppendPayloadV3(b *testing.B) {
	pkts := benchPackets()
	for _, sb := range []bool{false, true} {
		name := "string"
		if sb {
			name = "binary"
		}
		b.Run(name, func(b *testing.B) {
			buf, _ := AppendPayloadV3(nil, pkts, sb)
			b.ReportAllocs()
			b.SetBytes(int64(len(buf)))
			for b.Loop() {
				buf, _ = AppendPayloadV3(buf[:0], pkts, sb)
			}
		})
	}
}

func BenchmarkDecodePayloadV3(b *testing.B) {
	fn := func(Packet) error { return nil }
	for _, sb := range []bool{false, true} {
		body, binaryForm := AppendPayloadV3(nil, benchPackets(), sb)
		name := "string"
		if binaryForm {
			name = "binary"
		}
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(body)))
			for b.Loop() {
				if err := DecodePayloadV3(body, fn); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
