#!/usr/bin/env bash
# Runs an example from anywhere, installing the browser client first if
# needed:   examples/run.sh chat [-addr localhost:3000]
#           examples/run.sh feed [-addr localhost:4000 -db FILE -cors-origin http://localhost:5173]
#           examples/run.sh cluster [-addrs localhost:3001,localhost:3002]
#
# It builds the example and then becomes it (exec): the PID that started it
# is the server's own, so SIGINT or SIGTERM to that PID (a terminal, a
# process manager, a test) reaches the server, which shuts down gracefully
# and frees its port. `go run` would stand in between, and does not pass
# the signals on to the program it started.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
name="${1:-}"
if [[ ! -f "$name/main.go" ]]; then
  echo "usage: examples/run.sh chat|feed|cluster [flags]" >&2
  exit 2
fi
shift
if [[ ! -f node_modules/socket.io-client/dist/socket.io.min.js ]]; then
  npm ci --no-audit --no-fund
fi
mkdir -p .bin
go build -o ".bin/$name" "./$name"

# Under make (make run), a SIGINT sent to make's PID alone never reaches us:
# make expects a terminal's Ctrl-C, which the whole process group gets, and
# only waits for us. It does show it, though: while it waits it no longer
# catches SIGINT (Linux shows that in /proc). A watcher passes it on then.
catches_sigint() { # pid: whether process pid has a SIGINT handler
  local key val
  while read -r key val; do
    [[ $key == SigCgt: ]] && return $(( (0x$val & 2) == 0 ))
  done <"/proc/$1/status" 2>/dev/null
  return 1
}
if [[ -n "${MAKELEVEL:-}" ]] && catches_sigint "$PPID"; then
  (
    exec </dev/null >/dev/null 2>&1
    while kill -0 $$ && catches_sigint "$PPID"; do sleep 0.1; done
    kill -0 $$ && [[ -r /proc/$PPID/status ]] && kill -INT $$ # make is alive and got SIGINT
  ) &
fi
exec ".bin/$name" "$@"
