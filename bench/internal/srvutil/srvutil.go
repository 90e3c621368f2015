// Package srvutil holds the plumbing shared by the Go benchmark servers:
// listening, the LISTENING line, and stopping by themselves (stdin closed,
// signal, or a maximum lifetime).
package srvutil

import (
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	_ "net/http/pprof" // served on -pprof only
	"os"
	"os/signal"
	"syscall"
	"time"
)

// Flags are the command-line flags every benchmark server takes.
type Flags struct {
	Addr        string
	MaxLifetime time.Duration
	WatchStdin  bool
	// Pprof, if set, is an address serving net/http/pprof, for looking
	// inside a server during a scenario (heap per connection, goroutines).
	Pprof string
}

// Register adds the common flags to the default flag set.
func Register() *Flags {
	f := &Flags{}
	flag.StringVar(&f.Addr, "addr", "127.0.0.1:0", "listen address (port 0 picks a free port)")
	flag.DurationVar(&f.MaxLifetime, "max-lifetime", 30*time.Minute, "exit after this long whatever happens")
	flag.BoolVar(&f.WatchStdin, "watch-stdin", false, "exit when standard input reaches EOF (parent gone)")
	flag.StringVar(&f.Pprof, "pprof", "", "serve net/http/pprof on this address (e.g. 127.0.0.1:6060)")
	return f
}

// Serve listens, prints "LISTENING <port>" and serves h until a stop
// condition; then it calls onStop (may be nil) and returns.
func Serve(f *Flags, h http.Handler, onStop func()) {
	ln, err := net.Listen("tcp", f.Addr)
	if err != nil {
		fmt.Fprintln(os.Stderr, "listen:", err)
		os.Exit(1)
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 30 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	if f.Pprof != "" {
		// The default mux holds the pprof handlers (imported for effect).
		go func() { _ = http.ListenAndServe(f.Pprof, nil) }()
	}
	fmt.Printf("LISTENING %d\n", ln.Addr().(*net.TCPAddr).Port)

	stop := make(chan string, 3)
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGINT, syscall.SIGTERM)
	go func() { s := <-sig; stop <- "signal " + s.String() }()
	if f.WatchStdin {
		go func() { _, _ = io.Copy(io.Discard, os.Stdin); stop <- "stdin closed" }()
	}
	go func() { time.Sleep(f.MaxLifetime); stop <- "max lifetime" }()
	why := <-stop
	fmt.Fprintln(os.Stderr, "stopping:", why)
	_ = ln.Close()
	if onStop != nil {
		onStop()
	}
}
