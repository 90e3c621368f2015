package main

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"os"
	"testing"
	"time"

	"github.com/gobwas/ws"
)

// TestLinkDeliversOthersPublications joins two links on the real Redis (the
// one bench/cluster.sh uses) under a channel of the test's own. In one
// process both deliver to the same clients, so a client must see each
// packet exactly once: from the link that did not publish it. A link that
// did not drop its own publication would put a duplicate before the next
// packet, which each link hands over in the order Redis sent.
func TestLinkDeliversOthersPublications(t *testing.T) {
	addr := os.Getenv("BENCH_REDIS")
	if addr == "" {
		addr = "127.0.0.1:6379"
	}
	if c, err := net.DialTimeout("tcp", addr, time.Second); err != nil {
		t.Skipf("no Redis at %s: %v", addr, err)
	} else {
		_ = c.Close()
	}
	prefix := fmt.Sprintf("gosio-bench-floortest-%d-%d", os.Getpid(), time.Now().UnixNano())
	a, err := dialLink(addr, prefix)
	if err != nil {
		t.Fatal(err)
	}
	defer a.close()
	b, err := dialLink(addr, prefix)
	if err != nil {
		t.Fatal(err)
	}
	defer b.close()

	server, client := net.Pipe()
	defer client.Close()
	p := &peer{conn: server}
	peers.add(p)
	defer peers.remove(p)
	_ = client.SetReadDeadline(time.Now().Add(10 * time.Second))
	br := bufio.NewReader(client)

	for i, from := range []*link{a, b, a} {
		packet := fmt.Sprintf(`42["bcast",{"i":%d}]`, i)
		if err := from.publish([]byte(packet)); err != nil {
			t.Fatal(err)
		}
		h, err := ws.ReadHeader(br)
		if err != nil {
			t.Fatalf("packet %d: %v", i, err)
		}
		got := make([]byte, h.Length)
		if _, err := io.ReadFull(br, got); err != nil {
			t.Fatal(err)
		}
		if h.OpCode != ws.OpText || !h.Fin || h.Masked || string(got) != packet {
			t.Fatalf("packet %d: got %+v %q, want an unmasked text frame %q", i, h, got, packet)
		}
	}
	peers.remove(p)
}
