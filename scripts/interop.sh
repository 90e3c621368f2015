#!/usr/bin/env bash
# Runs the interop suites in interop/: builds the Go test servers into
# interop/.bin/, installs the JavaScript clients (npm ci) when needed, and runs
# the node:test suites. Options are passed to `node --test`, other arguments
# select test files, e.g.
#   scripts/interop.sh --test-name-pattern=heartbeat test/engineio.test.mjs
#
# npm ci runs when interop/node_modules is missing, when package-lock.json
# changed since the last install, or always when CI=true.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

GO="${GO:-go}"
for tool in "$GO" node npm; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "interop: required tool '$tool' not found in PATH" >&2
    exit 1
  fi
done

echo "interop: building test servers into interop/.bin/"
mkdir -p interop/.bin
"$GO" build -o interop/.bin/ ./interop/cmd/...

STAMP=interop/node_modules/.gosio-lock.sha256
lock_sum="$(sha256sum interop/package-lock.json interop/package.json | sha256sum | cut -d' ' -f1)"
if [ "${CI:-}" = "true" ] || [ ! -d interop/node_modules ] || [ "$(cat "$STAMP" 2>/dev/null || true)" != "$lock_sum" ]; then
  echo "interop: npm ci"
  (cd interop && npm ci --no-audit --no-fund)
  echo "$lock_sum" >"$STAMP"
else
  echo "interop: node_modules up to date"
fi

cd interop
# Arguments that are not options name the test files to run (relative to
# interop/); without any, every test/*.test.mjs runs.
files=()
opts=()
for arg in "$@"; do
  case "$arg" in
    -*) opts+=("$arg") ;;
    *) files+=("${arg#interop/}") ;;
  esac
done
if [ ${#files[@]} -eq 0 ]; then
  shopt -s nullglob
  files=(test/*.test.mjs)
  shopt -u nullglob
fi
if [ ${#files[@]} -eq 0 ]; then
  echo "interop: no test files in interop/test" >&2
  exit 1
fi
exec node --test --test-concurrency=1 --test-timeout=120000 --test-reporter=spec "${opts[@]}" "${files[@]}"
