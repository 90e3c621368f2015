// Command floor is not a Socket.IO server: it answers only what the load
// generator's echo, polling and fanout scenarios send (the Engine.IO 4 open,
// the namespace connect, "echo" events with an ack id and "bcast" events),
// with hand-written bytes, one goroutine per WebSocket and a channel per
// polling session. A broadcast's frame is built once and written to every
// WebSocket by the goroutine that read it. What it costs per ack is the kernel's share and a
// minimal Go read/write loop: a floor that no Socket.IO server on this
// machine can go below. bench/RESULTS.md uses it to split gosio's CPU per ack
// into the part that is the machine's and the part that is gosio's.
//
// With -redis it is also the floor of the cluster benchmark (bench/cmd/cluster,
// adapter pubsub only): each broadcast is published once on Redis and
// written by every other server to its own clients (cluster.go).
package main

import (
	"bufio"
	"bytes"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"sync"

	"github.com/gobwas/ws"

	"github.com/gosio/gosio/bench/internal/srvutil"
)

// cluster is the link to the other servers, nil outside the cluster
// benchmark.
var cluster *link

func main() {
	f := srvutil.Register()
	redisAddr := flag.String("redis", "", "cluster mode: Redis address of the run's Pub/Sub channel (empty: a single server)")
	prefix := flag.String("prefix", "gosio-bench", "cluster mode: channel prefix, distinct per run")
	adapter := flag.String("adapter", "pubsub", "cluster mode: the adapter to stand in for; only pubsub")
	flag.Parse()
	var onStop func()
	if *redisAddr != "" {
		if *adapter != "pubsub" {
			fmt.Fprintf(os.Stderr, "floor: -adapter %q: only pubsub\n", *adapter)
			os.Exit(2)
		}
		var err error
		if cluster, err = dialLink(*redisAddr, *prefix); err != nil {
			fmt.Fprintln(os.Stderr, "floor: redis:", err)
			os.Exit(1)
		}
		onStop = cluster.close
	}
	srvutil.Serve(f, http.HandlerFunc(serve), onStop)
}

func serve(w http.ResponseWriter, r *http.Request) {
	if r.URL.Query().Get("transport") == "polling" {
		servePolling(w, r)
		return
	}
	conn, _, _, err := ws.UpgradeHTTP(r, w)
	if err != nil {
		return
	}
	defer conn.Close()
	br := bufio.NewReaderSize(conn, 4096)
	self := &peer{conn: conn}
	send := func(p []byte) error { return self.write(appendFrame(nil, p)) }
	if send([]byte(`0{"sid":"floor","upgrades":[],"pingInterval":25000,"pingTimeout":60000,"maxPayload":1000000}`)) != nil {
		return
	}
	var payload []byte
	for {
		h, err := ws.ReadHeader(br)
		if err != nil {
			return
		}
		if cap(payload) < int(h.Length) {
			payload = make([]byte, h.Length)
		}
		p := payload[:h.Length]
		if _, err := io.ReadFull(br, p); err != nil {
			return
		}
		ws.Cipher(p, h.Mask, 0)
		switch {
		case h.OpCode == ws.OpClose:
			return
		case bytes.Equal(p, []byte("40")):
			err = send([]byte(`40{"sid":"floor-socket"}`))
			peers.add(self)
			defer peers.remove(self)
		case bytes.HasPrefix(p, []byte(`42["bcast",`)):
			if cluster != nil {
				if perr := cluster.publish(p); perr != nil {
					fmt.Fprintln(os.Stderr, "floor: publish:", perr)
				}
			}
			peers.broadcast(appendFrame(nil, p))
		case bytes.HasPrefix(p, []byte("42")):
			err = send(ackFor(p))
		}
		if err != nil {
			return
		}
	}
}

// ackFor turns 42<id>["echo",<arg>] into 43<id>[<arg>] in place.
func ackFor(p []byte) []byte {
	open := bytes.IndexByte(p, '[')
	comma := bytes.IndexByte(p[open:], ',')
	if open < 0 || comma < 0 {
		return []byte("43[]")
	}
	p[1] = '3'
	rest := p[open+comma:] // ",<arg>]"
	rest[0] = '['
	return append(p[:open], rest...)
}

// appendFrame appends an unmasked, final text frame holding p.
func appendFrame(dst, p []byte) []byte {
	dst = append(dst, 0x81)
	switch n := len(p); {
	case n < 126:
		dst = append(dst, byte(n))
	case n < 1<<16:
		dst = append(dst, 126, byte(n>>8), byte(n))
	default:
		dst = append(dst, 127, 0, 0, 0, 0, byte(n>>24), byte(n>>16), byte(n>>8), byte(n))
	}
	return append(dst, p...)
}

// peer is one connected WebSocket; mu keeps frames whole.
type peer struct {
	mu   sync.Mutex
	conn net.Conn
}

func (p *peer) write(frame []byte) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	_, err := p.conn.Write(frame)
	return err
}

type peerSet struct {
	mu  sync.Mutex
	all map[*peer]struct{}
}

var peers = peerSet{all: map[*peer]struct{}{}}

func (s *peerSet) add(p *peer)    { s.mu.Lock(); s.all[p] = struct{}{}; s.mu.Unlock() }
func (s *peerSet) remove(p *peer) { s.mu.Lock(); delete(s.all, p); s.mu.Unlock() }

func (s *peerSet) broadcast(frame []byte) {
	s.mu.Lock()
	list := make([]*peer, 0, len(s.all))
	for p := range s.all {
		list = append(list, p)
	}
	s.mu.Unlock()
	for _, p := range list {
		_ = p.write(frame)
	}
}
