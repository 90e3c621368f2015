package wsconn

import (
	"bytes"
	"testing"
	"unsafe"

	"github.com/gobwas/ws"
)

// loopReader serves the same bytes forever, so the benchmark measures the
// Reader and not the source.
type loopReader struct {
	data []byte
	off  int
}

func (l *loopReader) Read(p []byte) (int, error) {
	n := copy(p, l.data[l.off:])
	l.off = (l.off + n) % len(l.data)
	return n, nil
}

var smallMessage = []byte(`42["message",{"text":"hello world","n":42}]`)

func BenchmarkReadMessage(b *testing.B) {
	src := &loopReader{data: clientFrame(ws.OpText, true, smallMessage)}
	r := NewReader(src, ReaderOptions{})
	b.SetBytes(int64(len(smallMessage)))
	b.ReportAllocs()
	for b.Loop() {
		_, p, err := r.ReadMessage()
		if err != nil || len(p) != len(smallMessage) {
			b.Fatalf(
				"read: %d bytes, %v",
				len(p), err,
			)
		}
	}
}

func BenchmarkReadMessageCompressed(b *testing.B) {
	payload := bytes.Repeat(smallMessage, 20)
	frame, err := AppendCompressedFrame(nil, true, payload)
	if err != nil {
		b.Fatal(err)
	}
	src := &loopReader{data: clientCopy(b, frame)}
	r := NewReader(src, ReaderOptions{Compression: true})
	b.SetBytes(int64(len(payload)))
	b.ReportAllocs()
	for b.Loop() {
		_, p, err := r.ReadMessage()
		if err != nil || len(p) != len(payload) {
			b.Fatalf(
				"read: %d bytes, %v",
				len(p), err,
			)
		}
	}
}

func BenchmarkAppendFrame(b *testing.B) {
	dst := make([]byte, 0, 256)
	b.SetBytes(int64(len(smallMessage)))
	b.ReportAllocs()
	for b.Loop() {
		dst = AppendFrame(dst[:0], true, smallMessage)
	}
}

func BenchmarkAppendCompressedFrame(b *testing.B) {
	payload := bytes.Repeat(smallMessage, 20)
	dst := make([]byte, 0, 4096)
	b.SetBytes(int64(len(payload)))
	b.ReportAllocs()
	for b.Loop() {
		var err error
		dst, err = AppendCompressedFrame(dst[:0], true, payload)
		if err != nil {
			b.Fatal(err)
		}
	}
}

// TestReaderIdleSize keeps the per-connection footprint honest.
func TestReaderIdleSize(t *testing.T) {
	if size := unsafe.Sizeof(Reader{}); size > 512 {
		t.Fatalf(
			"Reader is %d bytes",
			size,
		)
	}
}
