package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/gosio/gosio/bench/internal/child"
	"github.com/gosio/gosio/bench/internal/runinfo"
)

// runOne measures one adapter in one runtime: server A, then server B (on
// the same store, under a prefix of the run's own), then the load generator
// with half of the clients on each, then both servers stopped and the
// run's keys deleted.
func runOne(ctx context.Context, o opts, st *stores, adapter, rt string, rep int, started time.Time) run {
	t0 := time.Now()
	prefix := fmt.Sprintf("gosio-bench-%d-%s-%s-%d", started.Unix(), adapter, rt, rep+1)
	r := run{Adapter: adapter, Runtime: rt, Repeat: rep + 1, Prefix: prefix, LoadAvg: runinfo.LoadAvg()}
	base := filepath.Join(o.logDir, fmt.Sprintf("%s-%s-%d", adapter, rt, rep+1))
	fail := func(f string, a ...any) run {
		r.Error = fmt.Sprintf(f, a...)
		r.Seconds = time.Since(t0).Seconds()
		return r
	}
	defer func() {
		if err := st.cleanup(context.WithoutCancel(ctx), prefix); err != nil {
			fmt.Fprintf(os.Stderr, "cluster: clean-up of %s: %v\n", prefix, err)
		}
	}()

	var procs []*child.Proc
	defer func() {
		// Both at once: each may take its grace period.
		var wg sync.WaitGroup
		for _, p := range procs {
			wg.Go(p.Stop)
		}
		wg.Wait()
	}()
	for _, which := range []string{"a", "b"} {
		argv := serverArgv(o, rt, adapter, prefix, o.loadTimeout+2*time.Minute)
		if o.profileDir != "" && rt == "gosio" {
			if err := os.MkdirAll(o.profileDir, 0o755); err != nil {
				return fail("%v", err)
			}
			argv = append(argv, "-cpuprofile", filepath.Join(o.profileDir, fmt.Sprintf("%s-%s-%d.prof", adapter, which, rep+1)))
		}
		log, err := os.Create(base + "." + which + ".server.log")
		if err != nil {
			return fail("%v", err)
		}
		defer log.Close()
		p, err := child.Start(ctx, argv, log, 30*time.Second)
		if err != nil {
			return fail("server %s: %v (see %s)", which, err, log.Name())
		}
		procs = append(procs, p)
	}

	lctx, cancel := context.WithTimeout(ctx, o.loadTimeout+20*time.Second)
	defer cancel()
	url := func(p *child.Proc) string { return fmt.Sprintf("http://127.0.0.1:%d/socket.io/", p.Port) }
	args := []string{"-scenario", "cluster",
		"-url", url(procs[0]), "-pid", strconv.Itoa(procs[0].Pid()),
		"-url2", url(procs[1]), "-pid2", strconv.Itoa(procs[1].Pid()),
		"-clients", strconv.Itoa(o.clients), "-rate", fmt.Sprint(o.rate), "-duration", o.duration.String(),
		"-payload", strconv.Itoa(o.payload), "-settle", o.settle.String(), "-timeout", o.loadTimeout.String()}
	load := exec.CommandContext(lctx, ".bin/load", args...)
	load.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	loadLog, err := os.Create(base + ".load.log")
	if err != nil {
		return fail("%v", err)
	}
	defer loadLog.Close()
	load.Stderr = loadLog
	if o.verbose {
		load.Stderr = io.MultiWriter(loadLog, os.Stderr)
	}
	out, lerr := load.Output()
	fmt.Fprintf(loadLog, "\n--- stdout ---\n%s", out)
	var res struct {
		Metrics map[string]float64 `json:"metrics"`
		Notes   []string           `json:"notes"`
		Error   string             `json:"error"`
	}
	found := false
	for _, line := range strings.Split(string(out), "\n") {
		if j, ok := strings.CutPrefix(line, "RESULT "); ok && json.Unmarshal([]byte(j), &res) == nil {
			found = true
		}
	}
	r.Metrics, r.Notes, r.Error = res.Metrics, res.Notes, res.Error
	for i, p := range procs {
		if done, err := p.Exited(); done && r.Error == "" {
			r.Error = fmt.Sprintf("server %c exited during the run: %v", 'a'+i, err)
		}
	}
	if !found && r.Error == "" {
		r.Error = fmt.Sprintf("load generator: %v, no RESULT line (see %s)", lerr, loadLog.Name())
	} else if lerr != nil && r.Error == "" {
		r.Error = fmt.Sprintf("load generator: %v", lerr)
	}
	r.Seconds = time.Since(t0).Seconds()
	return r
}
