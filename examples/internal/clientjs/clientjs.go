// Package clientjs serves the socket.io browser client that npm installs in
// examples/node_modules, so the example pages load it from their own server.
// The bundle is never committed: run `npm ci --prefix examples` once.
package clientjs

import (
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
)

const bundle = "socket.io.min.js"

// rel is the bundle's directory relative to the examples module root.
var rel = filepath.Join("node_modules", "socket.io-client", "dist")

// Dir returns dir if it is set, or else the first place the bundle is found:
// next to this source file (works for `go run` from anywhere), then relative
// to the working directory (repo root, examples/, or an example's directory).
func Dir(dir string) (string, error) {
	if dir != "" {
		if _, err := os.Stat(filepath.Join(dir, bundle)); err != nil {
			return "", fmt.Errorf("-client-dir %s: %w", dir, err)
		}
		return dir, nil
	}
	var candidates []string
	if _, file, _, ok := runtime.Caller(0); ok {
		candidates = append(candidates, filepath.Join(filepath.Dir(file), "..", "..", rel))
	}
	candidates = append(candidates,
		filepath.Join("examples", rel), rel, filepath.Join("..", rel))
	for _, c := range candidates {
		if _, err := os.Stat(filepath.Join(c, bundle)); err == nil {
			return c, nil
		}
	}
	return "", errors.New("socket.io client bundle not found: install it with " +
		"`npm ci --prefix examples` (from the repo root), or pass -client-dir")
}

// Register serves /socket.io.min.js (and its source map) from dir.
func Register(mux *http.ServeMux, dir string) {
	for _, name := range []string{bundle, bundle + ".map"} {
		path := filepath.Join(dir, name)
		mux.HandleFunc("GET /"+name, func(w http.ResponseWriter, r *http.Request) {
			http.ServeFile(w, r, path)
		})
	}
}
