package main

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"os"
	"sync"
	"time"
)

// link joins this floor server to the others of a cluster benchmark run
// (bench/cmd/cluster) through Redis Pub/Sub: each broadcast a client of this
// server emits is published once on the run's channel, and each one another
// server published is written to this server's clients. That is the least
// any cluster server on this store must do: one PUBLISH per broadcast, one
// received message per broadcast and server, no requests, no rooms.
//
// A message is this server's id (idLen hex digits) followed by the
// Socket.IO packet as the client sent it. Every server subscribes to the
// same channel, so each also receives its own publications back, which it
// drops by the id, as the Socket.IO adapters do by their uid.
type link struct {
	id      []byte
	channel string

	pubMu sync.Mutex // one PUBLISH and its reply at a time
	pub   net.Conn
	pubR  *bufio.Reader
	pubW  []byte

	sub  net.Conn
	done chan struct{} // closed when the subscriber goroutine returns
}

const idLen = 16

// dialLink connects the publishing and the subscribing connection and
// returns once Redis has confirmed the subscription, so the server is part
// of the cluster before it prints LISTENING.
func dialLink(addr, prefix string) (*link, error) {
	raw := make([]byte, idLen/2)
	_, _ = rand.Read(raw)
	l := &link{id: []byte(hex.EncodeToString(raw)), channel: prefix + "#floor", done: make(chan struct{})}
	var err error
	if l.pub, err = net.DialTimeout("tcp", addr, 5*time.Second); err != nil {
		return nil, err
	}
	l.pubR = bufio.NewReader(l.pub)
	if l.sub, err = net.DialTimeout("tcp", addr, 5*time.Second); err != nil {
		_ = l.pub.Close()
		return nil, err
	}
	br := bufio.NewReaderSize(l.sub, 64<<10)
	fail := func(err error) (*link, error) {
		_ = l.pub.Close()
		_ = l.sub.Close()
		return nil, err
	}
	cmd := appendArray(nil, 2)
	cmd = appendBulk(cmd, []byte("SUBSCRIBE"))
	cmd = appendBulk(cmd, []byte(l.channel))
	if _, err := l.sub.Write(cmd); err != nil {
		return fail(err)
	}
	_ = l.sub.SetReadDeadline(time.Now().Add(5 * time.Second))
	reply, err := readArray(br)
	if err != nil {
		return fail(fmt.Errorf("subscribe: %w", err))
	}
	if len(reply) != 3 || string(reply[0]) != "subscribe" {
		return fail(fmt.Errorf("subscribe: unexpected reply %q", reply))
	}
	_ = l.sub.SetReadDeadline(time.Time{})
	// Owned by l: returns when the subscribing connection closes (close).
	go l.receive(br)
	return l, nil
}

// publish sends one Socket.IO packet to the other servers: one write and
// one integer reply. The reply is awaited so that a failing store shows in
// the log rather than as silently lost messages.
func (l *link) publish(packet []byte) error {
	l.pubMu.Lock()
	defer l.pubMu.Unlock()
	w := appendArray(l.pubW[:0], 3)
	w = appendBulk(w, []byte("PUBLISH"))
	w = appendBulk(w, []byte(l.channel))
	w = appendBulk(w, l.id, packet) // id and packet, copied once into the command
	l.pubW = w
	if _, err := l.pub.Write(l.pubW); err != nil {
		return err
	}
	line, err := readLine(l.pubR)
	if err != nil {
		return err
	}
	if len(line) == 0 || line[0] != ':' {
		return fmt.Errorf("publish: %q", line)
	}
	return nil
}

// receive writes every packet another server published to this server's
// clients, from this one goroutine, one write per client: the frame is
// built once per message.
func (l *link) receive(br *bufio.Reader) {
	defer close(l.done)
	for {
		msg, err := readArray(br)
		if err != nil {
			if !errors.Is(err, net.ErrClosed) {
				fmt.Fprintln(os.Stderr, "floor: subscription:", err)
			}
			return
		}
		if len(msg) != 3 || string(msg[0]) != "message" {
			continue
		}
		data := msg[2]
		if len(data) < idLen || bytes.Equal(data[:idLen], l.id) {
			continue // our own publication, or not a floor message
		}
		peers.broadcast(appendFrame(nil, data[idLen:]))
	}
}

// close ends both connections and waits for the subscriber goroutine.
func (l *link) close() {
	_ = l.sub.Close()
	<-l.done
	l.pubMu.Lock()
	_ = l.pub.Close()
	l.pubMu.Unlock()
}
