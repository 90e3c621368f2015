// Package child starts a benchmark server as a child process, waits for its
// "LISTENING <port>" line and stops it: SIGTERM and stdin closed, then
// SIGKILL after a grace period. A child is killed if the orchestrator dies
// (Pdeathsig), so nothing outlives a run.
package child

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Proc is a running server.
type Proc struct {
	Port   int
	cmd    *exec.Cmd
	stdin  io.Closer
	exited chan struct{}
	err    error // Wait's result, once exited is closed
}

// Start runs argv with its stdout and stderr copied to log, and returns once
// the server has printed its port. It fails if the server exits first, if ctx
// ends, or after wait.
func Start(ctx context.Context, argv []string, log io.Writer, wait time.Duration) (*Proc, error) {
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	log = &lockedWriter{w: log} // stdout and stderr are copied by two goroutines
	cmd.Stderr = log
	stdin, err := cmd.StdinPipe() // closed on Stop: the server exits by itself
	if err != nil {
		return nil, err
	}
	portc := make(chan int, 1)
	// exec copies stdout into the watcher and Wait waits for that copy.
	cmd.Stdout = &portWatcher{log: log, port: portc}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", argv[0], err)
	}
	p := &Proc{cmd: cmd, stdin: stdin, exited: make(chan struct{})}
	// Owned by p: ends when the child does; Stop waits for it.
	go func() { p.err = cmd.Wait(); close(p.exited) }()
	timer := time.NewTimer(wait)
	defer timer.Stop()
	select {
	case p.Port = <-portc:
		return p, nil
	case <-p.exited:
		return nil, fmt.Errorf("%s exited before LISTENING: %v", argv[0], p.err)
	case <-timer.C:
		p.Stop()
		return nil, fmt.Errorf("%s: no LISTENING line in %v", argv[0], wait)
	case <-ctx.Done():
		p.Stop()
		return nil, ctx.Err()
	}
}

// Pid is the child's process id.
func (p *Proc) Pid() int { return p.cmd.Process.Pid }

// Exited reports whether the child has ended, and how.
func (p *Proc) Exited() (bool, error) {
	select {
	case <-p.exited:
		return true, p.err
	default:
		return false, nil
	}
}

// Stop asks the child to exit and waits for it, killing it after 5 s.
func (p *Proc) Stop() {
	_ = p.stdin.Close()
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.exited:
	case <-time.After(5 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.exited
	}
}

// portWatcher copies the child's stdout to log and sends the port of the
// first "LISTENING <port>" line.
type portWatcher struct {
	log  io.Writer
	port chan int
	line []byte
	sent bool
}

func (w *portWatcher) Write(b []byte) (int, error) {
	_, _ = w.log.Write(b)
	if w.sent {
		return len(b), nil
	}
	w.line = append(w.line, b...)
	for {
		i := bytes.IndexByte(w.line, '\n')
		if i < 0 {
			if len(w.line) > 4096 { // no port line in a long one: forget it
				w.line = w.line[:0]
			}
			return len(b), nil
		}
		l := strings.TrimSpace(string(w.line[:i]))
		w.line = w.line[i+1:]
		if s, ok := strings.CutPrefix(l, "LISTENING "); ok {
			if n, err := strconv.Atoi(s); err == nil {
				w.port <- n // buffered, sent once
				w.sent = true
				return len(b), nil
			}
		}
	}
}

type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(b)
}
