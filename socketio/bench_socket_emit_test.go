package socketio

import (
	"bufio"
	"context"
	"net"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gobwas/ws/wsutil"
)

// BenchmarkSocketEmit measures a socket's own emits without connection
// state recovery (the direct path: no adapter, no log): Emit, which a
// client drains, and EmitWithAck, a round trip the client answers at once.
// With recovery on a SessionAdapter both go through the adapter instead;
// this is what stays when recovery is off.
func BenchmarkSocketEmit(b *testing.B) {
	b.Run("emit", func(b *testing.B) {
		var read atomic.Int64
		s, stop := benchSocket(b, func(c net.Conn, in *bufio.Reader) error {
			_, _, err := wsutil.ReadServerData(rw{in, c})
			read.Add(1)
			return err
		})
		defer stop()
		sent := int64(0)
		b.ReportAllocs()
		for b.Loop() {
			if err := s.Emit("tick", 12345, "abcdefghijklmnopqrstuvwxyz"); err != nil {
				b.Fatal(err)
			}
			// Keep the queue short: the client reads more slowly than
			// Emit queues.
			if sent++; sent-read.Load() > 256 {
				for sent-read.Load() > 64 {
					runtime.Gosched()
				}
			}
		}
	})
	b.Run("ack", func(b *testing.B) {
		s, stop := benchSocket(b, func(c net.Conn, in *bufio.Reader) error {
			data, _, err := wsutil.ReadServerData(rw{in, c})
			if err != nil {
				return err
			}
			// 42<id>["q",...] → 43<id>["ok"]
			i := strings.IndexByte(string(data), '[')
			if i < 2 {
				return nil
			}
			return wsutil.WriteClientText(c, append(append([]byte("43"), data[2:i]...), `["ok"]`...))
		})
		defer stop()
		ctx := context.Background()
		b.ReportAllocs()
		for b.Loop() {
			if _, err := s.EmitWithAck(ctx, "q", 12345, "abcdefghijklmnopqrstuvwxyz"); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// benchSocket connects one WebSocket client to a server without recovery
// and returns its socket; client handles each frame the server sends
// until stop.
func benchSocket(b *testing.B, client func(net.Conn, *bufio.Reader) error) (*Socket, func()) {
	io := NewServer(nil)
	got := make(chan *Socket, 1)
	io.On("connection", func(s *Socket) { got <- s })
	hs := httptest.NewServer(io)
	url := "ws" + strings.TrimPrefix(hs.URL, "http") + "/socket.io/?EIO=4&transport=websocket"
	c, r := dialEngine(b, url)
	in := bufio.NewReaderSize(r, 4096)
	if err := wsutil.WriteClientText(c, []byte("40")); err != nil {
		b.Fatal(err)
	}
	expectFrame(b, c, in, "40{")
	s := <-got
	_ = c.SetDeadline(time.Now().Add(time.Hour))
	done := make(chan struct{})
	go func() {
		defer close(done)
		for client(c, in) == nil {
		}
	}()
	return s, func() {
		_ = c.Close()
		<-done
		hs.CloseClientConnections()
		hs.Close()
		_ = io.Close()
	}
}
