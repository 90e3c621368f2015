package engineio

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gobwas/ws"
	"github.com/gobwas/ws/wsutil"
	"github.com/stretchr/testify/require"
)

// A batch the socket cannot take at once: the flusher writes what fits and
// hands the rest, from the middle of a message, to a writer goroutine; what
// is queued meanwhile comes after it.
func TestFlusherPartialWrite(t *testing.T) {
	hs := newHarness(t, &Options{MaxQueuedBytes: 64 << 20})
	c, _, s := hs.openWS(4)
	s.mu.Lock()
	plain := s.ws != nil && s.ws.raw != nil
	s.mu.Unlock()
	require.True(t, plain, "the flusher serves plain sockets")
	big := bytes.Repeat([]byte("y"), 16<<20) // beyond any loopback socket buffer
	require.NoError(t, s.Send(TextMessage([]byte("before")), TextMessage(big), TextMessage([]byte("mid"))))
	require.NoError(t, s.Send(TextMessage([]byte("after"))))
	require.Equal(t, "4before", c.readText())
	got := c.readText()
	require.Len(t, got, 1+len(big))
	require.Equal(t, len(big), strings.Count(got, "y"))
	require.Equal(t, "4mid", c.readText())
	require.Equal(t, "4after", c.readText())
	hs.h.requireNoClose(t)
}

// Many sessions, several senders each: every message arrives once, and each
// sender's messages in its order, whichever flusher goroutine wrote them.
func TestFlusherManySessions(t *testing.T) {
	hs := newHarness(t, nil)
	const sessions, senders, each = 20, 4, 100
	clients := make([]*wsClient, sessions)
	ss := make([]*Session, sessions)
	for i := range sessions {
		clients[i], _, ss[i] = hs.openWS(4)
	}
	var wg sync.WaitGroup
	for g := range senders {
		wg.Go(func() {
			for i := range each {
				for _, s := range ss {
					require.NoError(t, s.Send(TextMessage(fmt.Appendf(nil, "%d:%d", g, i))))
				}
			}
		})
	}
	for _, c := range clients {
		c.requireSenderOrder(t, senders, each)
	}
	wg.Wait()
	hs.h.requireNoClose(t)
}

// Close right behind queued messages: they all go out, then the close
// packet, and the session ends as closed by the server.
func TestFlusherCloseBehindQueue(t *testing.T) {
	hs := newHarness(t, nil)
	c, _, s := hs.openWS(4)
	for i := range 50 {
		require.NoError(t, s.Send(TextMessage([]byte(strconv.Itoa(i)))))
	}
	require.NoError(t, s.Close())
	for i := range 50 {
		require.Equal(t, "4"+strconv.Itoa(i), c.readText())
	}
	require.Equal(t, "1", c.readText())
	require.Equal(t, ReasonForcedClose, hs.h.nextClose(t).reason)
}

// What is queued while the flusher writes goes out too: the session goes
// back to the flusher rather than waiting for the next Send.
func TestFlusherQueuedWhileWriting(t *testing.T) {
	hs := newHarness(t, nil)
	c, _, s := hs.openWS(4)
	var once sync.Once
	hook := func(fs *Session) {
		if fs == s {
			once.Do(func() { require.NoError(t, s.Send(TextMessage([]byte("second")))) })
		}
	}
	testHookFlushing.Store(&hook)
	defer testHookFlushing.Store(nil)
	require.NoError(t, s.Send(TextMessage([]byte("first"))))
	require.Equal(t, "4first", c.readText())
	require.Equal(t, "4second", c.readText())
	hs.h.requireNoClose(t)
}

// The client closes while the flusher has written part of a frame and not
// yet handed the rest to the writer goroutine: the close frame the reader
// sends in answer must not land inside the data frame.
func TestFlusherPartialFrameNotInterleavedWithClose(t *testing.T) {
	hs := newHarness(t, &Options{MaxQueuedBytes: 64 << 20, IdleReadRelease: -1})
	c, _, s := hs.openWS(4)
	s.mu.Lock()
	raw := s.ws.raw
	s.mu.Unlock()
	if raw == nil {
		t.Skip("no non-blocking writes: the flusher does not serve this socket")
	}
	flushed := make(chan struct{})
	release := make(chan struct{})
	var once sync.Once
	hook := func(fs *Session) {
		if fs == s {
			once.Do(func() { close(flushed); <-release })
		}
	}
	testHookFlushedPart.Store(&hook)
	defer testHookFlushedPart.Store(nil)
	finishing := make(chan struct{})
	finishHook := func(fs *Session) {
		if fs == s {
			close(finishing)
		}
	}
	testHookFinishing.Store(&finishHook)
	defer testHookFinishing.Store(nil)

	// The client does not read, so the socket takes only part of it.
	require.NoError(t, s.Send(TextMessage(bytes.Repeat([]byte("y"), 16<<20))))
	select {
	case <-flushed:
	case <-time.After(waitTimeout):
		t.Fatal("the flusher never wrote part of the message")
	}
	require.NoError(t, wsutil.WriteClientMessage(c.conn, ws.OpClose, ws.NewCloseFrameBody(ws.StatusNormalClosure, "")))
	// The reader answers the close, or does not, before it ends the session.
	select {
	case <-finishing:
	case <-time.After(waitTimeout):
		t.Fatal("the session never ended")
	}
	close(release)

	require.NoError(t, c.conn.SetReadDeadline(timeNowPlus()))
	b, _ := io.ReadAll(c.rw) // up to the server's hang-up, however it comes
	require.Greater(t, len(b), 11)
	require.Equal(t, []byte{0x81, 127}, b[:2], "a text frame of 64-bit length")
	payload := b[10:]
	if n := binary.BigEndian.Uint64(b[2:10]); uint64(len(payload)) > n {
		payload = payload[:n]
	}
	require.Equal(t, byte('4'), payload[0])
	i := bytes.IndexFunc(payload[1:], func(r rune) bool { return r != 'y' })
	require.Equal(t, -1, i, "foreign bytes inside the data frame: %x", payload[1+max(i, 0):min(len(payload), 9+max(i, 0))])
}
