// Package ops lets an example be operated as in production, behind flags
// that are off by default: the Socket.IO Admin UI (socketio/admin, and the
// UI's page from examples/node_modules/@socket.io/admin-ui/ui/dist at
// /admin-ui/) and Prometheus metrics at /metrics (socketio/metrics).
//
//	go run ./examples/chat -admin-password secret -metrics
//
// then open http://localhost:3000/admin-ui/, connect to
// http://localhost:3000 as "admin", and scrape http://localhost:3000/metrics.
package ops

import (
	"errors"
	"flag"
	"net/http"
	"os"
	"path/filepath"
	"runtime"

	"golang.org/x/crypto/bcrypt"

	"github.com/gosio/gosio/socketio"
	"github.com/gosio/gosio/socketio/admin"
	"github.com/gosio/gosio/socketio/metrics"
)

// Flags are the command-line flags of operation.
type Flags struct {
	adminOpen     *bool
	adminPassword *string
	adminUIDir    *string
	metrics       *bool
}

// Define defines the flags on the default flag set; call it before
// flag.Parse.
func Define() *Flags {
	return &Flags{
		adminOpen:     flag.Bool("admin", false, "instrument for the Socket.IO Admin UI without authentication (local use only)"),
		adminPassword: flag.String("admin-password", "", "instrument for the Socket.IO Admin UI, user \"admin\" with this password"),
		adminUIDir:    flag.String("admin-ui-dir", "", "directory of the Admin UI's page (default: examples/node_modules/@socket.io/admin-ui/ui/dist)"),
		metrics:       flag.Bool("metrics", false, "serve Prometheus metrics at /metrics"),
	}
}

// Mount instruments io and serves the Admin UI's page and the metrics on
// mux, as the flags ask. The returned function stops the instrumentation.
func (f *Flags) Mount(mux *http.ServeMux, io *socketio.Server) (stop func(), err error) {
	stop = func() {}
	if *f.adminOpen || *f.adminPassword != "" {
		opts := admin.Options{NoAuth: *f.adminPassword == ""}
		if !opts.NoAuth {
			hash, err := bcrypt.GenerateFromPassword([]byte(*f.adminPassword), bcrypt.DefaultCost)
			if err != nil {
				return nil, err
			}
			opts.Auth = &admin.BasicAuth{Username: "admin", PasswordHash: string(hash)}
		}
		a, err := admin.Instrument(io, opts)
		if err != nil {
			return nil, err
		}
		stop = func() { _ = a.Close() }
		if dir := uiDir(*f.adminUIDir); dir != "" {
			mux.Handle("GET /admin-ui/", http.StripPrefix("/admin-ui/", http.FileServer(http.Dir(dir))))
		} else if *f.adminUIDir != "" {
			stop()
			return nil, errors.New("-admin-ui-dir: no index.html in " + *f.adminUIDir)
		}
	}
	if *f.metrics {
		mux.Handle("GET /metrics", metrics.Handler(io))
	}
	return stop, nil
}

// uiDir finds the Admin UI's page: dir if set, else where npm installs it
// (found from this source file, or from the working directory), or "" (the
// hosted UI at https://admin.socket.io works too).
func uiDir(dir string) string {
	rel := filepath.Join("node_modules", "@socket.io", "admin-ui", "ui", "dist")
	candidates := []string{dir}
	if dir == "" {
		if _, file, _, ok := runtime.Caller(0); ok {
			candidates = append(candidates, filepath.Join(filepath.Dir(file), "..", "..", rel))
		}
		candidates = append(candidates, filepath.Join("examples", rel), rel, filepath.Join("..", rel))
	}
	for _, c := range candidates {
		if c == "" {
			continue
		}
		if _, err := os.Stat(filepath.Join(c, "index.html")); err == nil {
			return c
		}
	}
	return ""
}
