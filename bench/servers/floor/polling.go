package main

import (
	"bytes"
	"io"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
)

// pollSession holds what the next GET returns: packets joined by the
// Engine.IO 4 record separator.
type pollSession struct {
	mu      sync.Mutex
	pending []byte
	ready   chan struct{} // capacity 1: something is pending
}

var (
	sessions sync.Map // sid → *pollSession
	nextSID  atomic.Uint64
)

func servePolling(w http.ResponseWriter, r *http.Request) {
	sid := r.URL.Query().Get("sid")
	w.Header().Set("Content-Type", "text/plain; charset=UTF-8")
	if sid == "" {
		sid = strconv.FormatUint(nextSID.Add(1), 10)
		sessions.Store(sid, &pollSession{ready: make(chan struct{}, 1)})
		_, _ = io.WriteString(w, `0{"sid":"`+sid+`","upgrades":[],"pingInterval":25000,"pingTimeout":60000,"maxPayload":1000000}`)
		return
	}
	v, ok := sessions.Load(sid)
	if !ok {
		http.Error(w, "unknown sid", http.StatusBadRequest)
		return
	}
	s := v.(*pollSession)
	if r.Method == http.MethodPost {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			return
		}
		for _, p := range bytes.Split(body, []byte{0x1e}) {
			switch {
			case bytes.Equal(p, []byte("40")):
				s.push([]byte(`40{"sid":"floor-socket"}`))
			case bytes.HasPrefix(p, []byte("42")):
				s.push(ackFor(p))
			case bytes.Equal(p, []byte("1")):
				sessions.Delete(sid)
				s.push([]byte("6"))
			}
		}
		_, _ = io.WriteString(w, "ok")
		return
	}
	select {
	case <-s.ready:
	case <-r.Context().Done():
		return
	}
	s.mu.Lock()
	out := s.pending
	s.pending = nil
	s.mu.Unlock()
	_, _ = w.Write(out)
}

func (s *pollSession) push(p []byte) {
	s.mu.Lock()
	if len(s.pending) > 0 {
		s.pending = append(s.pending, 0x1e)
	}
	s.pending = append(s.pending, p...)
	s.mu.Unlock()
	select {
	case s.ready <- struct{}{}:
	default:
	}
}
