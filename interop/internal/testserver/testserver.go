// Package testserver runs the interop suites' Go test servers (interop/cmd)
// the way the suites expect: it prints "LISTENING <port>" on stdout once
// the server accepts connections, and ends on SIGINT or SIGTERM.
package testserver

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"
)

// Run serves h on addr until the process is told to stop; then it calls
// stop (nil for none) with a context that ends after grace, and shuts the
// HTTP server down within what is left of it. name prefixes fatal errors.
func Run(name, addr string, h http.Handler, grace time.Duration, stop func(ctx context.Context)) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		log.Fatalf("%s: %v", name, err)
	}
	hs := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		if err := hs.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Fatalf("%s: %v", name, err)
		}
	}()
	fmt.Printf("LISTENING %d\n", ln.Addr().(*net.TCPAddr).Port)

	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGINT, syscall.SIGTERM)
	<-sig
	ctx, cancel := context.WithTimeout(context.Background(), grace)
	defer cancel()
	if stop != nil {
		stop(ctx)
	}
	_ = hs.Shutdown(ctx)
}
