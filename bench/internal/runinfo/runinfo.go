// Package runinfo holds what the benchmark orchestrators (cmd/bench,
// cmd/cluster) record of the machine and how they summarise runs.
package runinfo

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"sort"
	"strconv"
	"strings"
)

// Machine describes the machine and the runtimes: go, cores, cpu, mem,
// kernel, node, socket.io (the version installed in node/).
func Machine() map[string]string {
	m := map[string]string{"go": runtime.Version(), "cores": strconv.Itoa(runtime.NumCPU())}
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			if v, ok := strings.CutPrefix(l, "model name"); ok {
				m["cpu"] = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(v), ":"))
				break
			}
		}
	}
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			if v, ok := strings.CutPrefix(l, "MemTotal:"); ok {
				if f := strings.Fields(v); len(f) > 0 {
					kb, _ := strconv.ParseFloat(f[0], 64)
					m["mem"] = fmt.Sprintf("%.0f GiB", kb/(1<<20))
				}
			}
		}
	}
	if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		m["kernel"] = strings.TrimSpace(string(b))
	}
	if out, err := exec.Command("node", "--version").Output(); err == nil {
		m["node"] = strings.TrimSpace(string(out))
	}
	if v := NodePackage("socket.io"); v != "" {
		m["socket.io"] = v
	}
	return m
}

// NodePackage is the version of an npm package installed in node/, or "".
func NodePackage(name string) string {
	b, err := os.ReadFile("node/node_modules/" + name + "/package.json")
	if err != nil {
		return ""
	}
	var p struct{ Version string }
	if json.Unmarshal(b, &p) != nil {
		return ""
	}
	return p.Version
}

// LoadAvg is the 1, 5 and 15 minute load average, or "?".
func LoadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}

// Median of v (sorted in place); with an even count, the mean of the middle
// two. v must not be empty.
func Median(v []float64) float64 {
	sort.Float64s(v)
	n := len(v)
	if n%2 == 1 {
		return v[n/2]
	}
	return (v[n/2-1] + v[n/2]) / 2
}

// FmtNum formats v with dec decimals, with thousands separators when dec is
// 0 and v is 10,000 or more.
func FmtNum(v float64, dec int) string {
	s := strconv.FormatFloat(v, 'f', dec, 64)
	if dec != 0 || v < 10000 {
		return s
	}
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

// LogDir returns dir, made if missing, or a new temporary directory named
// after pattern when dir is empty: where a run keeps its servers' logs.
func LogDir(dir, pattern string) (string, error) {
	if dir == "" {
		return os.MkdirTemp("", pattern)
	}
	return dir, os.MkdirAll(dir, 0o755)
}
