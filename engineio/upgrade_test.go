package engineio

import (
	"io"
	"net/http"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gobwas/ws"
	"github.com/stretchr/testify/require"

	"github.com/gosio/gosio/engineio/internal/codec"
)

func TestUpgradeFromPolling(t *testing.T) {
	hs := newHarness(t, nil)
	o, s := hs.handshakeV4()
	poll := hs.goGet("EIO=4&transport=polling&sid="+o.SID, nil)
	waitPollActive(t, s)

	c := hs.dialWS("EIO=4&transport=websocket&sid=" + o.SID)
	c.writeText("2probe")
	require.Equal(t, "3probe", c.readText())

	// The waiting GET is answered with a noop so the client can pause.
	r := awaitResult(t, poll)
	require.Equal(t, http.StatusOK, r.resp.StatusCode)
	require.Equal(t, "6", string(r.body))
	require.Equal(t, TransportPolling, s.Transport(), "not upgraded before the upgrade packet")

	c.writeText("5")
	require.Eventually(t, func() bool { return s.Transport() == TransportWebSocket }, waitTimeout, time.Millisecond)

	require.NoError(t, s.Send(TextMessage([]byte("over ws"))))
	require.Equal(t, "4over ws", c.readText())
	c.writeText("4from client")
	require.Equal(t, "from client", string(hs.h.nextMsg(t).data))

	// Polling is over for this session.
	resp, body := hs.get("EIO=4&transport=polling&sid=" + o.SID)
	requireProtocolError(t, resp, body, 400, 3)
	resp, body = hs.post("EIO=4&transport=polling&sid="+o.SID, "4late")
	requireProtocolError(t, resp, body, 400, 3)
	hs.h.requireNoClose(t)
	require.Same(t, s, hs.srv.Session(o.SID))
}

func TestUpgradeRejections(t *testing.T) {
	hs := newHarness(t, nil)
	o, _ := hs.handshakeV4()

	// Not a WebSocket request.
	resp, body := hs.get("EIO=4&transport=websocket&sid=" + o.SID)
	requireProtocolError(t, resp, body, 400, 3)

	// A second concurrent probe is accepted and closed at once, as in Node,
	// while the first is pending; it gets no "3probe".
	c1 := hs.dialWS("EIO=4&transport=websocket&sid=" + o.SID)
	c1.writeText("2probe")
	require.Equal(t, "3probe", c1.readText())
	hs.dialWS("EIO=4&transport=websocket&sid=" + o.SID).requireRefused()
	c1.writeText("5")
	c1.writeText("4still here")
	require.Equal(t, "still here", string(hs.h.nextMsg(t).data))

	// So is one for a session upgraded already, or on WebSocket from the
	// start: the session keeps its transport.
	hs.dialWS("EIO=4&transport=websocket&sid=" + o.SID).requireRefused()
	c2, ow, _ := hs.openWS(4)
	hs.dialWS("EIO=4&transport=websocket&sid=" + ow.SID).requireRefused()
	c2.writeText("4after")
	require.Equal(t, "after", string(hs.h.nextMsg(t).data))
	hs.h.requireNoClose(t)

	// Upgrades disabled.
	hs2 := newHarness(t, &Options{DisableUpgrades: true})
	o2, _ := hs2.handshakeV4()
	_, _, _, err := ws.Dial(t.Context(), hs2.wsURL("EIO=4&transport=websocket&sid="+o2.SID))
	require.Error(t, err)
}

func TestUpgradeBadProbeKeepsPolling(t *testing.T) {
	hs := newHarness(t, nil)
	o, s := hs.handshakeV4()
	c := hs.dialWS("EIO=4&transport=websocket&sid=" + o.SID)
	c.writeText("4not a probe")
	// The probe socket is dropped, the session lives on over polling.
	require.NoError(t, c.conn.SetReadDeadline(timeNowPlus()))
	//lint:ignore SA1019 a test reading frames from the server under test, whose sizes it controls
	_, err := ws.ReadFrame(c.rw)
	require.Error(t, err)
	require.NoError(t, s.Send(TextMessage([]byte("still polling"))))
	_, body := hs.get("EIO=4&transport=polling&sid=" + o.SID)
	require.Equal(t, "4still polling", string(body))
	hs.h.requireNoClose(t)
	// And a new probe is accepted.
	c2 := hs.dialWS("EIO=4&transport=websocket&sid=" + o.SID)
	c2.writeText("2probe")
	require.Equal(t, "3probe", c2.readText())
}

func TestUpgradeTimeoutClosesProbe(t *testing.T) {
	hs := newHarness(t, &Options{UpgradeTimeout: 50 * time.Millisecond})
	o, s := hs.handshakeV4()
	c := hs.dialWS("EIO=4&transport=websocket&sid=" + o.SID)
	c.writeText("2probe")
	require.Equal(t, "3probe", c.readText())
	// Never send "5": the probe is closed and polling resumes normally.
	require.NoError(t, c.conn.SetReadDeadline(timeNowPlus()))
	//lint:ignore SA1019 a test reading frames from the server under test, whose sizes it controls
	_, err := ws.ReadFrame(c.rw)
	require.Error(t, err)
	require.Eventually(t, func() bool {
		s.mu.Lock()
		defer s.mu.Unlock()
		return s.probe == nil && !s.upgrading
	}, waitTimeout, time.Millisecond)
	poll := hs.goGet("EIO=4&transport=polling&sid="+o.SID, nil)
	waitPollActive(t, s)
	require.NoError(t, s.Send(TextMessage([]byte("x"))))
	require.Equal(t, "4x", string(awaitResult(t, poll).body))
	require.Equal(t, TransportPolling, s.Transport())
}

// TestUpgradeNoLossNoDuplicate sends 1,000 numbered messages from another
// goroutine before, during and after an upgrade, while the client polls and
// upgrades the way engine.io-client does. Every message must arrive once, in
// order, first over polling, then over the WebSocket.
func TestUpgradeNoLossNoDuplicate(t *testing.T) {
	hs := newHarness(t, nil)
	o, s := hs.handshakeV4()
	const total = 1000
	const before, during = 200, 500

	// One goroutine sends everything, in three phases.
	probeStarted := make(chan struct{})
	upgradeSent := make(chan struct{})
	beforeDone := make(chan struct{})
	senderDone := make(chan struct{})
	go func() {
		defer close(senderDone)
		for i := range total {
			switch i {
			case before:
				close(beforeDone)
				<-probeStarted
			case before + during:
				<-upgradeSent
			}
			if err := s.Send(TextMessage([]byte(strconv.Itoa(i)))); err != nil {
				t.Errorf("Send %d: %v", i, err)
				return
			}
			runtime.Gosched()
		}
	}()
	<-beforeDone

	var mu sync.Mutex
	var got []int
	var viaPolling, viaWS int
	record := func(data []byte, polling bool) {
		n, err := strconv.Atoi(string(data))
		if err != nil {
			t.Errorf("bad message %q", data)
			return
		}
		mu.Lock()
		got = append(got, n)
		if polling {
			viaPolling++
		} else {
			viaWS++
		}
		mu.Unlock()
	}

	// Poller: GETs until told to pause, then finishes its in-flight GET.
	pause := make(chan struct{})
	pollerDone := make(chan struct{})
	firstPoll := make(chan struct{})
	go func() {
		defer close(pollerDone)
		for polls := 0; ; polls++ {
			if polls == 1 {
				close(firstPoll)
			}
			select {
			case <-pause:
				return
			default:
			}
			resp, err := hs.ts.Client().Get(hs.url("EIO=4&transport=polling&sid=" + o.SID))
			if err != nil {
				t.Errorf("poll: %v", err)
				return
			}
			body := readAllClose(t, resp)
			if resp.StatusCode != http.StatusOK {
				t.Errorf("poll status %d: %q", resp.StatusCode, body)
				return
			}
			err = codec.DecodePayloadV4(body, func(p codec.Packet) error {
				switch p.Type {
				case codec.Message:
					record(p.Data, true)
				case codec.Noop:
				default:
					t.Errorf("unexpected packet over polling: %v %q", p.Type, p.Data)
				}
				return nil
			})
			if err != nil {
				t.Errorf("poll payload: %v", err)
				return
			}
		}
	}()

	select {
	case <-firstPoll:
	case <-time.After(waitTimeout):
		t.Fatal("first poll did not complete")
	}
	c := hs.dialWS("EIO=4&transport=websocket&sid=" + o.SID)
	close(probeStarted)
	c.writeText("2probe")
	require.Equal(t, "3probe", c.readText())
	close(pause)
	select {
	case <-pollerDone:
	case <-time.After(waitTimeout):
		t.Fatal("the in-flight poll was not completed after the probe")
	}
	c.writeText("5")
	close(upgradeSent)

	mu.Lock()
	n := len(got)
	mu.Unlock()
	for ; n < total; n++ {
		txt := c.readText()
		require.True(t, strings.HasPrefix(txt, "4"), "frame %q", txt)
		record([]byte(txt[1:]), false)
	}
	mu.Lock()
	defer mu.Unlock()
	require.Len(t, got, total)
	for i, v := range got {
		require.Equal(t, i, v, "message %d out of order or duplicated (polling %d, ws %d)", i, viaPolling, viaWS)
	}
	<-senderDone
	require.GreaterOrEqual(t, viaPolling, before)
	require.GreaterOrEqual(t, viaWS, total-before-during)
	t.Logf("%d messages over polling, %d over WebSocket", viaPolling, viaWS)
	hs.h.requireNoClose(t)
}

func readAllClose(t testing.TB, resp *http.Response) []byte {
	t.Helper()
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Errorf("reading body: %v", err)
	}
	return b
}

func TestUpgradeGetRightAfterUpgradePacketGets400(t *testing.T) {
	hs := newHarness(t, nil)
	for range 20 {
		o, _ := hs.handshakeV4()
		c := hs.dialWS("EIO=4&transport=websocket&sid=" + o.SID)
		c.writeText("2probe")
		require.Equal(t, "3probe", c.readText())
		c.writeText("5")
		// Sent as soon as "5" is: the server may see it first, and must
		// still answer as for a session that has left polling.
		resp, body := hs.get("EIO=4&transport=polling&sid=" + o.SID)
		requireProtocolError(t, resp, body, 400, 3)
		c.writeText("4hello")
		require.Equal(t, "hello", string(hs.h.nextMsg(t).data))
	}
}

func TestUpgradeGetDuringProbeGetsNoopSoon(t *testing.T) {
	hs := newHarness(t, nil)
	o, _ := hs.handshakeV4()
	c := hs.dialWS("EIO=4&transport=websocket&sid=" + o.SID)
	c.writeText("2probe")
	require.Equal(t, "3probe", c.readText())
	start := time.Now()
	resp, body := hs.get("EIO=4&transport=polling&sid=" + o.SID)
	require.Equal(t, 200, resp.StatusCode)
	require.Equal(t, "6", string(body))
	require.Less(t, time.Since(start), 100*time.Millisecond, "Node answers within its 100 ms upgrade check")
}
