package engineio

import (
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// recObserver records session events.
type recObserver struct {
	mu       sync.Mutex
	opened   []string
	upgraded []string
	closed   []CloseReason
}

func (o *recObserver) SessionOpened(s *Session) {
	o.mu.Lock()
	o.opened = append(o.opened, s.ID())
	o.mu.Unlock()
}

func (o *recObserver) SessionUpgraded(s *Session) {
	o.mu.Lock()
	o.upgraded = append(o.upgraded, s.ID())
	o.mu.Unlock()
}

func (o *recObserver) SessionClosed(_ *Session, r CloseReason) {
	o.mu.Lock()
	o.closed = append(o.closed, r)
	o.mu.Unlock()
}

func TestStatsCountMessagesHandshakesAndUpgrades(t *testing.T) {
	hs := newHarness(t, nil)
	st := hs.srv.Stats()
	require.Same(t, st, hs.srv.Stats(), "one Stats per server")
	obs := &recObserver{}
	stop := hs.srv.Observe(obs)

	o, s := hs.handshakeV4()
	// Two messages in one POST: 3 and 5 payload bytes.
	resp, _ := hs.post("EIO=4&transport=polling&sid="+o.SID, "4abc\x1e4hello")
	require.Equal(t, http.StatusOK, resp.StatusCode)
	hs.h.nextMsg(t)
	hs.h.nextMsg(t)
	require.EqualValues(t, 2, st.MessagesIn.Load())
	require.EqualValues(t, 8, st.BytesIn.Load())

	require.NoError(t, s.Send(TextMessage([]byte("12345")), TextMessage([]byte("x"))))
	require.EqualValues(t, 2, st.MessagesOut.Load())
	require.EqualValues(t, 6, st.BytesOut.Load())
	require.Equal(t, []SessionCount{
		{Transport: TransportPolling, Protocol: 3},
		{Transport: TransportPolling, Protocol: 4, Count: 1, QueuedMessages: 2, QueuedBytes: 6},
		{Transport: TransportWebSocket, Protocol: 3},
		{Transport: TransportWebSocket, Protocol: 4},
	}, hs.srv.SessionCounts(), "the two messages wait for a GET")

	// Upgrade: the observer hears it and the counts move.
	poll := hs.goGet("EIO=4&transport=polling&sid="+o.SID, nil)
	c := hs.dialWS("EIO=4&transport=websocket&sid=" + o.SID)
	c.writeText("2probe")
	require.Equal(t, "3probe", c.readText())
	awaitResult(t, poll)
	c.writeText("5")
	require.Eventually(t, func() bool { return st.Upgrades.Load() == 1 }, waitTimeout, time.Millisecond)
	require.Equal(t, 1, hs.srv.SessionCounts()[3].Count)
	c.writeText("4over ws")
	require.Equal(t, "over ws", string(hs.h.nextMsg(t).data))
	require.EqualValues(t, 3, st.MessagesIn.Load())
	require.NoError(t, s.SendNowText([]byte("now")))
	require.EqualValues(t, 3, st.MessagesOut.Load())
	require.EqualValues(t, 9, st.BytesOut.Load())

	c.writeText("1")
	require.Equal(t, ReasonTransportClose, hs.h.nextClose(t).reason)
	require.EqualValues(t, 1, st.Handshakes.Load())
	obs.mu.Lock()
	require.Equal(t, []string{o.SID}, obs.opened)
	require.Equal(t, []string{o.SID}, obs.upgraded)
	require.Equal(t, []CloseReason{ReasonTransportClose}, obs.closed)
	obs.mu.Unlock()

	// Unregistered, the observer hears no more; the counters go on.
	stop()
	hs.handshakeV4()
	require.EqualValues(t, 2, st.Handshakes.Load())
	obs.mu.Lock()
	require.Len(t, obs.opened, 1)
	obs.mu.Unlock()
}

func TestStatsCountQueueFull(t *testing.T) {
	hs := newHarness(t, &Options{MaxQueuedMessages: 1})
	st := hs.srv.Stats()
	_, s := hs.handshakeV4()
	require.NoError(t, s.Send(TextMessage([]byte("a"))))
	require.ErrorIs(t, s.Send(TextMessage([]byte("b"))), ErrQueueFull)
	require.EqualValues(t, 1, st.QueueFull.Load())
	require.EqualValues(t, 0, st.SlowClientDisconnects.Load())
	require.EqualValues(t, 1, st.MessagesOut.Load(), "refused messages are not counted out")
}
