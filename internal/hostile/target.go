package hostile

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"
)

// Stats is what the target server reports of itself (GET /stats), after a
// garbage collection.
type Stats struct {
	RSS         uint64 `json:"rss"`  // filled by the runner from /proc
	Heap        uint64 `json:"heap"` // live heap after GC
	Goroutines  int    `json:"goroutines"`
	Sessions    int    `json:"sessions"` // Engine.IO sessions
	Sockets     int    `json:"sockets"`  // Socket.IO sockets of "/"
	Rooms       int    `json:"rooms"`    // rooms of "/", each socket's own included
	Connections int64  `json:"connections"`
	Disconnects int64  `json:"disconnects"`
	Waiting     int64  `json:"waiting"`  // "wait-done" listeners that started
	Released    int64  `json:"released"` // ... and that returned
	Refused     int64  `json:"refused"`  // "flood" emits refused (queue full)
	Floods      int64  `json:"floods"`   // "flood" listeners that returned
}

// Target is a server process under attack.
type Target struct {
	Addr      string // host:port of the Socket.IO server
	statsAddr string
	cmd       *exec.Cmd
	stdin     io.WriteCloser
	client    *http.Client
}

// StartTarget runs the target server binary with args and waits until it
// listens.
func StartTarget(bin string, args ...string) (*Target, error) {
	cmd := exec.Command(bin, args...)
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	t := &Target{cmd: cmd, stdin: stdin, client: &http.Client{Timeout: 30 * time.Second}}
	lines := bufio.NewScanner(out)
	for t.Addr == "" || t.statsAddr == "" {
		if !lines.Scan() {
			t.Stop()
			return nil, fmt.Errorf("hostile: target exited before listening")
		}
		f := strings.Fields(lines.Text())
		if len(f) == 2 && f[0] == "LISTENING" {
			t.Addr = "127.0.0.1:" + f[1]
		} else if len(f) == 2 && f[0] == "STATS" {
			t.statsAddr = "127.0.0.1:" + f[1]
		}
	}
	go func() { _, _ = io.Copy(io.Discard, out) }()
	return t, nil
}

// Stop ends the target process.
func (t *Target) Stop() {
	_ = t.stdin.Close()
	done := make(chan struct{})
	go func() { _ = t.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(3 * time.Second):
		_ = t.cmd.Process.Kill()
		<-done
	}
	t.client.CloseIdleConnections()
}

// Stats asks the target for its figures; free returns freed memory to the
// OS first, so that RSS shows what is live.
func (t *Target) Stats(free bool) (Stats, error) {
	url := "http://" + t.statsAddr + "/stats"
	if free {
		url += "?free=1"
	}
	var st Stats
	resp, err := t.client.Get(url)
	if err != nil {
		return st, err
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(&st); err != nil {
		return st, err
	}
	st.RSS, _ = t.procStatus("VmRSS:")
	return st, nil
}

// PeakRSS is the highest RSS the process has had (VmHWM).
func (t *Target) PeakRSS() uint64 {
	v, _ := t.procStatus("VmHWM:")
	return v
}

// ResetPeakRSS makes VmHWM start again from the current RSS (Linux: writing
// 5 to /proc/pid/clear_refs), so that a peak belongs to one scenario.
func (t *Target) ResetPeakRSS() {
	_ = os.WriteFile(fmt.Sprintf("/proc/%d/clear_refs", t.cmd.Process.Pid), []byte("5"), 0)
}

func (t *Target) procStatus(field string) (uint64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", t.cmd.Process.Pid))
	if err != nil {
		return 0, err
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		if strings.HasPrefix(line, field) {
			f := strings.Fields(line)
			if len(f) >= 2 {
				kib, err := strconv.ParseUint(f[1], 10, 64)
				return kib << 10, err
			}
		}
	}
	return 0, fmt.Errorf("hostile: no %s in /proc status", field)
}
