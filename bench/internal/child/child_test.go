package child

import (
	"bytes"
	"context"
	"testing"
	"time"
)

func TestPortWatcherSplitLines(t *testing.T) {
	var log bytes.Buffer
	w := &portWatcher{log: &log, port: make(chan int, 1)}
	for _, s := range []string{"starting\nLIST", "ENING 4", "321\r\nLISTENING 9\n"} {
		if _, err := w.Write([]byte(s)); err != nil {
			t.Fatal(err)
		}
	}
	select {
	case p := <-w.port:
		if p != 4321 {
			t.Fatalf("port %d", p)
		}
	default:
		t.Fatal("no port")
	}
	if log.String() != "starting\nLISTENING 4321\r\nLISTENING 9\n" {
		t.Fatalf("log %q", log.String())
	}
}

func TestStartAndStop(t *testing.T) {
	var log bytes.Buffer
	p, err := Start(context.Background(), []string{"sh", "-c", "echo LISTENING 1234; exec cat"}, &log, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if p.Port != 1234 {
		t.Fatalf("port %d", p.Port)
	}
	p.Stop() // cat ends when its stdin closes
	if done, _ := p.Exited(); !done {
		t.Fatal("not exited after Stop")
	}
}

func TestStartExitsEarly(t *testing.T) {
	var log bytes.Buffer
	if _, err := Start(context.Background(), []string{"sh", "-c", "exit 3"}, &log, 10*time.Second); err == nil {
		t.Fatal("no error for a child that never listened")
	}
}
