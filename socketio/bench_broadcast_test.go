package socketio

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	stdio "io"
	"net"
	"net/http/httptest"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gobwas/ws"
	"github.com/gobwas/ws/wsutil"

	"github.com/gosio/gosio/parser/msgpackparser"
)

// BenchmarkBroadcast measures io.Emit to every socket of the default
// namespace, each on its own WebSocket, waiting until every client has the
// message. The clients live in a child process (the test binary run again,
// see runBroadcastClients), so that 10,000 connections fit this process's
// file limit and allocs/op counts the server alone: it must not grow with
// the number of recipients.
func BenchmarkBroadcast(b *testing.B) {
	for _, n := range []int{1, 100, 10000} {
		b.Run("sockets="+strconv.Itoa(n), func(b *testing.B) { benchBroadcast(b, n, "json") })
	}
}

// BenchmarkBroadcastMsgpack is BenchmarkBroadcast with the msgpack parser
// (parser/msgpackparser) and clients speaking it: the same payload, given
// as the same json.RawMessage, encoded once per broadcast.
func BenchmarkBroadcastMsgpack(b *testing.B) {
	for _, n := range []int{1, 100, 10000} {
		b.Run("sockets="+strconv.Itoa(n), func(b *testing.B) { benchBroadcast(b, n, "msgpack") })
	}
}

func benchBroadcast(b *testing.B, n int, codec string) {
	var opts *Options
	if codec == "msgpack" {
		opts = &Options{Parser: msgpackparser.New(nil)}
	}
	io := NewServer(opts)
	benchInstrument(b, io)
	hs := httptest.NewServer(io)
	url := "ws" + strings.TrimPrefix(hs.URL, "http") + "/socket.io/?EIO=4&transport=websocket"

	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), broadcastClientsEnv+"="+strconv.Itoa(n)+" "+url+" "+codec)
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		b.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		_ = stdin.Close() // the clients hang up and the child exits
		_ = cmd.Wait()
		hs.CloseClientConnections()
		hs.Close()
		_ = io.Close()
	})
	signals := bufio.NewReader(stdout)
	next := func(want byte) {
		c, err := signals.ReadByte()
		if err != nil || c != want {
			b.Fatalf("client process: got %q (%v), want %q", c, err, want)
		}
	}
	next('R') // every client is connected to the namespace
	if got := len(io.Of("/").Sockets()); got != n {
		b.Fatalf("%d sockets, want %d", got, n)
	}

	payload := json.RawMessage(`{"user":"bench","text":"` + strings.Repeat("x", 64) + `"}`)
	// Warm up past the engine's IdleReadRelease, so that the connections
	// have parked their readers (as idle ones do) and their queues have
	// their steady arrays before timing starts.
	for i, warm := 0, time.Now(); i < 5 || time.Since(warm) < 100*time.Millisecond; i++ {
		if err := io.Emit("chat", payload); err != nil {
			b.Fatal(err)
		}
		next('.')
	}
	b.ReportAllocs()
	for b.Loop() {
		if err := io.Emit("chat", payload); err != nil {
			b.Fatal(err)
		}
		next('.') // every client has it
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/delivered")
}

// broadcastClientsEnv holds "<count> <url> <json|msgpack>" in BenchmarkBroadcast's child
// process, which TestMain runs as runBroadcastClients instead of the tests.
const broadcastClientsEnv = "GOSIO_BENCH_BROADCAST_CLIENTS"

// runBroadcastClients connects count Socket.IO clients to url, writes 'R'
// once all are in the namespace, then '.' each time count more "chat"
// events have arrived, until its stdin closes. It returns the exit code.
func runBroadcastClients(spec string) int {
	countText, rest, _ := strings.Cut(spec, " ")
	url, codec, _ := strings.Cut(rest, " ")
	msgs := jsonBenchMessages
	if codec == "msgpack" {
		msgs = msgpackBenchMessages
	}
	count, err := strconv.Atoi(countText)
	if err != nil || count <= 0 {
		fmt.Fprintln(os.Stderr, "bad", broadcastClientsEnv, spec)
		return 2
	}
	out := bufio.NewWriter(os.Stdout)
	var outMu sync.Mutex
	signal := func(c byte) {
		outMu.Lock()
		_ = out.WriteByte(c)
		_ = out.Flush()
		outMu.Unlock()
	}

	conns := make([]net.Conn, count)
	readers := make([]stdio.Reader, count)
	var failed atomic.Bool
	var dials sync.WaitGroup
	slots := make(chan struct{}, 100) // connections being set up at once
	for i := range count {
		slots <- struct{}{}
		dials.Go(func() {
			defer func() { <-slots }()
			c, r, err := dialClient(url, msgs)
			if err != nil {
				fmt.Fprintln(os.Stderr, "client", i, err)
				failed.Store(true)
				return
			}
			conns[i], readers[i] = c, r
		})
	}
	dials.Wait()
	if failed.Load() {
		return 1
	}

	var received atomic.Int64
	var reading sync.WaitGroup
	for i, c := range conns {
		reading.Go(func() {
			rw := rw{readers[i], c}
			for {
				data, _, err := wsutil.ReadServerData(rw)
				if err != nil {
					return
				}
				switch {
				case bytes.HasPrefix(data, msgs.chat):
					if received.Add(1)%int64(count) == 0 {
						signal('.')
					}
				case string(data) == "2":
					_ = wsutil.WriteClientText(c, []byte("3"))
				}
			}
		})
	}
	signal('R')
	_, _ = stdio.Copy(stdio.Discard, os.Stdin) // until the benchmark is done
	for _, c := range conns {
		_ = c.Close()
	}
	reading.Wait()
	return 0
}

// benchMessages are what a benchmark client sends to connect and how it
// recognises the server's answer and the broadcast, in one parser's format.
type benchMessages struct {
	connect         []byte
	binary          bool // connect is a binary message
	connected, chat []byte
}

var (
	jsonBenchMessages = benchMessages{connect: []byte("40"), connected: []byte("40{"), chat: []byte(`42["chat"`)}
	// {type: 0, nsp: "/"}; {type: 0, ...}; {type: 2, data: ["chat", ...
	msgpackBenchMessages = benchMessages{
		connect: []byte("\x82\xa4type\x00\xa3nsp\xa1/"), binary: true,
		connected: []byte("\x83\xa4type\x00"), chat: []byte("\x83\xa4type\x02\xa4data\x92\xa4chat"),
	}
)

// dialClient opens a WebSocket and connects to the default namespace.
func dialClient(url string, msgs benchMessages) (net.Conn, stdio.Reader, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, br, _, err := ws.Dial(ctx, url)
	if err != nil {
		return nil, nil, err
	}
	var r stdio.Reader = c
	if br != nil {
		r = stdio.MultiReader(br, c)
	}
	_ = c.SetDeadline(time.Now().Add(30 * time.Second))
	defer func() { _ = c.SetDeadline(time.Time{}) }()
	rw := rw{r, c}
	write := wsutil.WriteClientText
	if msgs.binary {
		write = wsutil.WriteClientBinary
	}
	if err := write(c, msgs.connect); err != nil {
		c.Close()
		return nil, nil, err
	}
	for {
		data, _, err := wsutil.ReadServerData(rw)
		if err != nil {
			c.Close()
			return nil, nil, err
		}
		switch s := string(data); {
		case strings.HasPrefix(s, "0{"), s == "2":
			if s == "2" {
				_ = wsutil.WriteClientText(c, []byte("3"))
			}
		case strings.HasPrefix(s, string(msgs.connected)):
			return c, r, nil
		default:
			c.Close()
			return nil, nil, errors.New("unexpected packet " + strconv.Quote(s))
		}
	}
}
