package engineio

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/gobwas/ws"
	"github.com/gobwas/ws/wsutil"
	"github.com/stretchr/testify/require"
)

func TestServerCloseEndsAllSessions(t *testing.T) {
	hs := newHarness(t, nil)
	_, idle := hs.handshakeV4()
	o2, waiting := hs.handshakeV4()
	poll := hs.goGet("EIO=4&transport=polling&sid="+o2.SID, nil)
	waitPollActive(t, waiting)
	c, _, wsSess := hs.openWS(4)
	o4, probing := hs.handshakeV4()
	probe := hs.dialWS("EIO=4&transport=websocket&sid=" + o4.SID)
	probe.writeText("2probe")
	require.Equal(t, "3probe", probe.readText())
	require.Equal(t, 4, hs.srv.SessionCount())

	require.NoError(t, hs.srv.Close())

	// Close waited for the OnClose calls: all four are recorded already.
	got := map[*Session]CloseReason{}
	for range 4 {
		select {
		case ev := <-hs.h.closed:
			got[ev.s] = ev.reason
		default:
			t.Fatalf("Close returned before every OnClose ran (got %d)", len(got))
		}
	}
	for _, s := range []*Session{idle, waiting, wsSess, probing} {
		require.Equal(t, ReasonServerShutdown, got[s], "session %s", s.ID())
		select {
		case <-s.Done():
		default:
			t.Fatalf("session %s not done", s.ID())
		}
	}
	require.Zero(t, hs.srv.SessionCount())

	r := awaitResult(t, poll)
	require.Equal(t, http.StatusOK, r.resp.StatusCode)
	require.Equal(t, "1", string(r.body), "a waiting GET gets a close packet")
	require.NoError(t, c.conn.SetReadDeadline(timeNowPlus()))
	_, _, err := wsutil.ReadServerData(c.rw)
	require.Error(t, err, "the WebSocket is closed")
	require.NoError(t, probe.conn.SetReadDeadline(timeNowPlus()))
	_, _, err = wsutil.ReadServerData(probe.rw)
	require.Error(t, err, "the probe WebSocket is closed")

	resp, body := hs.get("EIO=4&transport=polling")
	requireProtocolError(t, resp, body, http.StatusServiceUnavailable, 3)
	_, _, _, err = ws.Dial(t.Context(), hs.wsURL("EIO=4&transport=websocket"))
	var st ws.StatusError
	require.ErrorAs(t, err, &st)
	require.EqualValues(t, http.StatusServiceUnavailable, st)
	require.ErrorIs(t, hs.srv.Close(), ErrServerClosed)
	require.ErrorIs(t, hs.srv.Shutdown(context.Background()), ErrServerClosed)
}

func TestShutdownPollingGetReceivesClose(t *testing.T) {
	hs := newHarness(t, nil)
	o, s := hs.handshakeV4()
	require.NoError(t, s.Send(TextMessage([]byte("last words"))))
	_, body := hs.get("EIO=4&transport=polling&sid=" + o.SID)
	require.Equal(t, "4last words", string(body))
	poll := hs.goGet("EIO=4&transport=polling&sid="+o.SID, nil)
	waitPollActive(t, s)

	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	errc := make(chan error, 1)
	go func() { errc <- hs.srv.Shutdown(ctx) }()

	r := awaitResult(t, poll)
	require.Equal(t, http.StatusOK, r.resp.StatusCode)
	require.Equal(t, "1", string(r.body))
	require.NoError(t, <-errc)
	var c closeEvent
	select {
	case c = <-hs.h.closed:
	default:
		t.Fatal("Shutdown returned before OnClose ran")
	}
	require.Same(t, s, c.s)
	require.Equal(t, ReasonServerShutdown, c.reason)
	require.NoError(t, c.err)
	require.Zero(t, hs.srv.SessionCount())

	resp, b := hs.get("EIO=4&transport=polling")
	requireProtocolError(t, resp, b, http.StatusServiceUnavailable, 3)
}

func TestShutdownWebSocketFlushesQueue(t *testing.T) {
	hs := newHarness(t, nil)
	c, _, s := hs.openWS(4)
	for i := range 10 {
		require.NoError(t, s.Send(TextMessage([]byte{'a' + byte(i)})))
	}
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	require.NoError(t, hs.srv.Shutdown(ctx))
	for i := range 10 {
		require.Equal(t, "4"+string(rune('a'+i)), c.readText())
	}
	require.Equal(t, "1", c.readText())
	require.Equal(t, ReasonServerShutdown, hs.h.nextClose(t).reason)
}

func TestShutdownEmptyServer(t *testing.T) {
	hs := newHarness(t, nil)
	require.NoError(t, hs.srv.Shutdown(context.Background()))
	require.ErrorIs(t, hs.srv.Shutdown(context.Background()), ErrServerClosed)
}

func TestShutdownDeadlinePollingAbsent(t *testing.T) {
	// A polling client that never comes back for its close packet.
	hs := newHarness(t, nil)
	_, s := hs.handshakeV4()
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	err := hs.srv.Shutdown(ctx)
	require.ErrorIs(t, err, context.DeadlineExceeded)
	c := hs.h.nextClose(t)
	require.Same(t, s, c.s)
	require.Equal(t, ReasonServerShutdown, c.reason)
	require.ErrorIs(t, c.err, context.DeadlineExceeded)
	require.Zero(t, hs.srv.SessionCount())
}

func TestShutdownDeadlineWebSocketNotReading(t *testing.T) {
	hs := newHarness(t, &Options{MaxQueuedBytes: 1 << 30})
	_, _, s := hs.openWS(4) // the client never reads again
	big := TextMessage(bytes.Repeat([]byte("x"), 1<<20))
	for range 64 { // far more than the socket buffers hold
		require.NoError(t, s.Send(big))
	}
	require.Eventually(t, func() bool {
		s.mu.Lock()
		defer s.mu.Unlock()
		return s.writing
	}, waitTimeout, time.Millisecond)

	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	err := hs.srv.Shutdown(ctx)
	require.ErrorIs(t, err, context.DeadlineExceeded)
	require.Less(t, time.Since(start), waitTimeout, "Shutdown must not wait for the stuck writer")
	c := hs.h.nextClose(t)
	require.Same(t, s, c.s)
	require.Equal(t, ReasonServerShutdown, c.reason)
	require.Zero(t, hs.srv.SessionCount())
	<-s.Done()
}

// blockingLog is a slog.Handler that holds the "session closed" debug record
// until released: it freezes Session.finish between forgetting the session
// and starting its OnClose goroutine.
type blockingLog struct {
	entered chan struct{}
	release chan struct{}
}

func (b *blockingLog) Enabled(context.Context, slog.Level) bool { return true }
func (b *blockingLog) WithAttrs([]slog.Attr) slog.Handler       { return b }
func (b *blockingLog) WithGroup(string) slog.Handler            { return b }
func (b *blockingLog) Handle(_ context.Context, r slog.Record) error {
	if r.Message == "engineio: session closed" {
		select {
		case b.entered <- struct{}{}:
		default:
		}
		<-b.release
	}
	return nil
}

// TestShutdownWaitsForOnClose: Shutdown documents that it returns once all
// sessions have ended and the server's goroutines have returned, so the
// Handler has seen OnClose for every session by then.
func TestShutdownWaitsForOnClose(t *testing.T) {
	bl := &blockingLog{entered: make(chan struct{}, 1), release: make(chan struct{})}
	var once sync.Once
	release := func() { once.Do(func() { close(bl.release) }) }
	hs := newHarness(t, &Options{Logger: slog.New(bl)})
	t.Cleanup(release) // runs before the harness cleanups
	o, s := hs.handshakeV4()
	poll := hs.goGet("EIO=4&transport=polling&sid="+o.SID, nil)
	waitPollActive(t, s)

	errc := make(chan error, 1)
	go func() { errc <- hs.srv.Shutdown(context.Background()) }()
	// The GET takes the close packet and ends the session; finish is now
	// held in the logger, after the session was forgotten.
	select {
	case <-bl.entered:
	case <-time.After(waitTimeout):
		t.Fatal("session never finished")
	}
	select {
	case err := <-errc:
		require.NoError(t, err)
		select {
		case <-hs.h.closed:
		default:
			release()
			t.Fatal("Shutdown returned nil before the session's OnClose was called or even scheduled")
		}
	case <-time.After(500 * time.Millisecond):
		release() // Shutdown waits: fine, let it finish
		require.NoError(t, <-errc)
		require.Equal(t, ReasonServerShutdown, hs.h.nextClose(t).reason)
	}
	release()
	require.Equal(t, "1", string(awaitResult(t, poll).body))
}

// Server.Close while the Handler's OnOpen runs for a WebSocket handshake:
// the session ends before it has its WebSocket, so the handshake must close
// the connection itself rather than start a reader that nothing ends.
func TestServerCloseDuringWebSocketOnOpen(t *testing.T) {
	h := newRecHandler()
	opening := make(chan *Session, 1)
	release := make(chan struct{})
	h.onOpen = func(s *Session) {
		opening <- s
		<-release
	}
	hs := newHarnessWith(t, h, nil)
	c := hs.dialWS("EIO=4&transport=websocket")
	var s *Session
	select {
	case s = <-opening:
	case <-time.After(waitTimeout):
		t.Fatal("OnOpen never ran")
	}

	closed := make(chan error, 1)
	go func() { closed <- hs.srv.Close() }()
	select {
	case <-s.Done():
	case <-time.After(waitTimeout):
		t.Fatal("Close never ended the session")
	}
	close(release)

	require.NoError(t, c.conn.SetReadDeadline(timeNowPlus()))
	//lint:ignore SA1019 a test reading frames from the server under test, whose sizes it controls
	_, err := ws.ReadFrame(c.rw)
	var ne net.Error
	require.False(t, errors.As(err, &ne) && ne.Timeout(), "the server never closed the connection")
	require.Error(t, err)
	select {
	case err := <-closed:
		require.NoError(t, err)
	case <-time.After(waitTimeout):
		t.Fatal("Server.Close did not return")
	}
}

// A finish under way (a write error, a ping timeout) when Server.Close runs:
// Close's own finish of that session comes second, and Close must still
// wait for the OnClose that the first one runs.
func TestServerCloseWaitsForFinishUnderWay(t *testing.T) {
	hs := newHarness(t, nil)
	_, s := hs.handshakeV4()
	finishing := make(chan struct{})
	release := make(chan struct{})
	hook := func(fs *Session) {
		if fs == s {
			close(finishing)
			<-release
		}
	}
	testHookFinishing.Store(&hook)
	defer testHookFinishing.Store(nil)

	go s.finish(ReasonTransportError, nil)
	select {
	case <-finishing:
	case <-time.After(waitTimeout):
		t.Fatal("finish never ran")
	}
	closed := make(chan struct{})
	go func() { _ = hs.srv.Close(); close(closed) }()
	// Close cannot be seen waiting; give it the chance to return wrongly.
	select {
	case <-closed:
		t.Error("Server.Close returned while a finish of its session was under way")
	case <-time.After(100 * time.Millisecond):
	}
	close(release)
	select {
	case <-closed:
	case <-time.After(waitTimeout):
		t.Fatal("Server.Close did not return")
	}
	select {
	case ev := <-hs.h.closed:
		require.Equal(t, ReasonTransportError, ev.reason)
	default:
		t.Error("Server.Close returned before OnClose ran")
	}
}
