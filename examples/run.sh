#!/usr/bin/env bash
# Runs an example from anywhere, installing the browser client first if
# needed:   examples/run.sh chat [-addr :3000]
#           examples/run.sh feed [-addr :4000 -db feed.db -cors-origin http://localhost:5173]
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
exec go run "./$name" "$@"
