package engineio

import (
	"bufio"
	"encoding/binary"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
)

// frameReader reads unmasked server frames into a reused buffer, so the
// benchmark's client side allocates nothing per message and allocs/op
// measure the engine.
type frameReader struct {
	r   *bufio.Reader
	hdr [8]byte
	buf []byte
}

func (f *frameReader) next() ([]byte, error) {
	if _, err := io.ReadFull(f.r, f.hdr[:2]); err != nil {
		return nil, err
	}
	n := uint64(f.hdr[1] & 0x7f)
	switch n {
	case 126:
		if _, err := io.ReadFull(f.r, f.hdr[:2]); err != nil {
			return nil, err
		}
		n = uint64(binary.BigEndian.Uint16(f.hdr[:2]))
	case 127:
		if _, err := io.ReadFull(f.r, f.hdr[:8]); err != nil {
			return nil, err
		}
		n = binary.BigEndian.Uint64(f.hdr[:8])
	}
	if uint64(cap(f.buf)) < n {
		f.buf = make([]byte, n)
	}
	f.buf = f.buf[:n]
	_, err := io.ReadFull(f.r, f.buf)
	return f.buf, err
}

func BenchmarkWSBroadcast(b *testing.B) {
	for _, n := range []int{1, 100} {
		b.Run("sessions="+strconv.Itoa(n), func(b *testing.B) {
			hs := newHarness(b, nil)
			sessions := make([]*Session, n)
			got := make(chan struct{}, n)
			var readers sync.WaitGroup
			conns := make([]net.Conn, n)
			for i := range n {
				c, _, s := hs.openWS(4)
				sessions[i] = s
				conns[i] = c.conn
				fr := &frameReader{r: bufio.NewReader(c.rw)}
				readers.Go(func() {
					for {
						p, err := fr.next()
						if err != nil {
							return
						}
						if len(p) > 0 && p[0] == '4' {
							got <- struct{}{}
						}
					}
				})
				_ = c.conn.SetReadDeadline(timeNowPlus().Add(10 * waitTimeout))
			}
			b.Cleanup(func() {
				for _, c := range conns {
					_ = c.Close()
				}
				readers.Wait()
			})
			payload := []byte(`["chat","` + strings.Repeat("x", 64) + `"]`)

			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				m := TextMessage(payload)
				for _, s := range sessions {
					if err := s.Send(m); err != nil {
						b.Fatal(err)
					}
				}
				for range n {
					<-got
				}
			}
			b.StopTimer()
		})
	}
}

func BenchmarkPollingRoundTrip(b *testing.B) {
	h := newRecHandler()
	h.onMessage = func(s *Session, binary bool, data []byte) {
		_ = s.Send(TextMessage(data))
	}
	hs := newHarnessWith(b, h, nil)
	o, _ := hs.handshakeV4()
	client := hs.ts.Client()
	url := hs.url("EIO=4&transport=polling&sid=" + o.SID)
	b.ReportAllocs()
	for b.Loop() {
		resp, err := client.Post(url, "text/plain", strings.NewReader("4ping"))
		require.NoError(b, err)
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		<-h.msgs
		resp, err = client.Get(url)
		require.NoError(b, err)
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || string(body) != "4ping" {
			b.Fatalf("got %d %q", resp.StatusCode, body)
		}
	}
}
