// Package procstat reads a process's CPU time and memory from /proc.
package procstat

import (
	"bytes"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// clockTicks is USER_HZ, 100 on every Linux architecture Go supports.
const clockTicks = 100

// Sample is one reading of a process's counters.
type Sample struct {
	CPU   time.Duration // utime + stime
	Sys   time.Duration // stime alone: the kernel's share of CPU
	RSS   uint64        // VmRSS, bytes
	HWM   uint64        // VmHWM (peak RSS), bytes
	At    time.Time
	Valid bool
}

// Read samples pid. A pid <= 0 gives an invalid (zero) sample.
func Read(pid int) (Sample, error) {
	if pid <= 0 {
		return Sample{At: time.Now()}, nil
	}
	s := Sample{At: time.Now()}
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return s, err
	}
	// The command name may hold spaces and parentheses: fields start after the last ')'.
	i := bytes.LastIndexByte(stat, ')')
	if i < 0 {
		return s, fmt.Errorf("procstat: bad stat line")
	}
	f := strings.Fields(string(stat[i+1:]))
	// f[0] is field 3 (state); utime is field 14, stime field 15.
	if len(f) < 13 {
		return s, fmt.Errorf("procstat: short stat line")
	}
	ut, err1 := strconv.ParseUint(f[11], 10, 64)
	st, err2 := strconv.ParseUint(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return s, fmt.Errorf("procstat: bad utime/stime")
	}
	s.CPU = time.Duration(ut+st) * time.Second / clockTicks
	s.Sys = time.Duration(st) * time.Second / clockTicks
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return s, err
	}
	for _, line := range strings.Split(string(status), "\n") {
		switch {
		case strings.HasPrefix(line, "VmRSS:"):
			s.RSS = kib(line)
		case strings.HasPrefix(line, "VmHWM:"):
			s.HWM = kib(line)
		}
	}
	s.Valid = true
	return s, nil
}

func kib(line string) uint64 {
	f := strings.Fields(line)
	if len(f) < 2 {
		return 0
	}
	v, _ := strconv.ParseUint(f[1], 10, 64)
	return v * 1024
}
