#!/usr/bin/env bash
# Runs the official protocol test suites of the socket.io repository
# (docs/engine.io-protocol/v4-test-suite, docs/engine.io-protocol/v3-test-suite,
# docs/socket.io-protocol/v5-test-suite) against gosio's test servers, with
# the settings those suites ask for (pingInterval 300 ms, pingTimeout 200 ms,
# maxPayload 1,000,000; connectTimeout 1 s for Socket.IO). Each run starts a
# fresh server; there are no retries. The suites are fetched at a pinned
# commit into a temporary directory, outside the repository, and never
# committed; their URL is pointed at the server's port there.
#
# Usage: scripts/official-suites.sh [N] (default 3 runs of each suite).
# Needs git, network access to github.com (or GOSIO_SUITES_GIT, a local
# clone of socketio/socket.io that has the commit) and the npm registry, Go
# and Node.
# Our own checks of the same expectations, which need no network, are
# interop/test/protocol-*.test.mjs (make protocol).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
N="${1:-3}"
COMMIT=d2d753fed4435015c2d83fe62e676b44e07fa3f7 # socketio/socket.io, 2026-06-25
WORK="${GOSIO_SUITES_DIR:-${TMPDIR:-/tmp}/gosio-official-suites}"
SUITES=(docs/engine.io-protocol/v4-test-suite docs/engine.io-protocol/v3-test-suite docs/socket.io-protocol/v5-test-suite)

mkdir -p "$WORK"
if [ "$(cat "$WORK/repo/.commit" 2>/dev/null)" != "$COMMIT" ]; then
  rm -rf "$WORK/repo"
  mkdir -p "$WORK/repo"
  if [ -n "${GOSIO_SUITES_GIT:-}" ]; then
    # A local clone (or bare mirror) of socketio/socket.io that has COMMIT.
    git --git-dir="$GOSIO_SUITES_GIT" archive "$COMMIT" "${SUITES[@]}" | tar -x -C "$WORK/repo"
  else
    git init -q "$WORK/repo/.src"
    git -C "$WORK/repo/.src" remote add origin https://github.com/socketio/socket.io.git
    git -C "$WORK/repo/.src" fetch -q --depth 1 origin "$COMMIT"
    git -C "$WORK/repo/.src" archive "$COMMIT" "${SUITES[@]}" | tar -x -C "$WORK/repo"
    rm -rf "$WORK/repo/.src"
  fi
  echo "$COMMIT" >"$WORK/repo/.commit"
fi
for s in "${SUITES[@]}"; do
  (cd "$WORK/repo/$s" && [ -d node_modules ] || npm ci --no-audit --no-fund --loglevel=error)
done

echo "official-suites: building the test servers"
mkdir -p "$WORK/bin"
(cd "$ROOT" && "${GO:-go}" build -o "$WORK/bin/" ./interop/cmd/eioecho ./interop/cmd/siosuite)

# run SUITE_DIR SERVER_ARGS...: one run of a suite against a fresh server.
run() {
  local dir="$WORK/repo/$1"
  shift
  local out
  out="$(mktemp)"
  "$@" >"$out" 2>&1 &
  local pid=$!
  local port=""
  for _ in $(seq 200); do
    port="$(awk '/^LISTENING/{print $2}' "$out")"
    [ -n "$port" ] && break
    sleep 0.05
  done
  [ -n "$port" ] || { echo "server did not start: $(cat "$out")" >&2; kill "$pid"; return 1; }
  # The suites call http://localhost:3000; this copy calls the server's port.
  sed "s|http://localhost:3000|http://127.0.0.1:$port|" "$dir/test-suite.js" >"$dir/.gosio-suite.js"
  local rc=0
  (cd "$dir" && npx mocha --reporter dot .gosio-suite.js) || rc=$?
  kill "$pid"
  wait "$pid" 2>/dev/null || true
  rm -f "$out"
  return $rc
}

suite_flags=(-ping-interval 300ms -ping-timeout 200ms -max-buffer 1000000 -cors-origin '*')
failed=0
for i in $(seq 1 "$N"); do
  echo "==> run $i of $N: Engine.IO protocol 4"
  run "${SUITES[0]}" "$WORK/bin/eioecho" "${suite_flags[@]}" || failed=$((failed + 1))
  echo "==> run $i of $N: Engine.IO protocol 3"
  run "${SUITES[1]}" "$WORK/bin/eioecho" -eio3 "${suite_flags[@]}" || failed=$((failed + 1))
  echo "==> run $i of $N: Socket.IO protocol 5"
  run "${SUITES[2]}" "$WORK/bin/siosuite" || failed=$((failed + 1))
done
if [ "$failed" -gt 0 ]; then
  echo "==> official-suites: $failed of $((3 * N)) suite runs failed" >&2
  exit 1
fi
echo "==> official-suites: all $((3 * N)) suite runs passed, no retries"
