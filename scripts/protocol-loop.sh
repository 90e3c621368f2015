#!/usr/bin/env bash
# Runs the protocol edge checks (interop/test/protocol-*.test.mjs: Engine.IO
# protocols 4 and 3, Socket.IO protocol 5, with the official suites'
# settings) N times in a row, with no retries, and stops at the first
# failure. Usage: scripts/protocol-loop.sh [N] (default 20); `make
# protocol-loop N=20` runs it.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
n="${1:-20}"
files=(test/protocol-eio4.test.mjs test/protocol-eio3.test.mjs test/protocol-sio.test.mjs)
log="$(mktemp)"
trap 'rm -f "$log"' EXIT

for i in $(seq 1 "$n"); do
  echo "==> protocol run $i of $n"
  if ! bash "$ROOT/scripts/interop.sh" "${files[@]}" >"$log" 2>&1; then
    cat "$log"
    echo "==> protocol run $i of $n FAILED (passed $((i - 1)) in a row)" >&2
    exit 1
  fi
  grep -E '^ℹ (tests|pass|fail)' "$log" | tr '\n' ' '
  echo
done
echo "==> protocol: $n of $n runs passed, no retries"
