#!/usr/bin/env bash
# Runs every Go fuzz target of the module for FUZZTIME (default 30s) each.
# Targets are discovered with `go test -list '^Fuzz'`, package by package.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

GO="${GO:-go}"
FUZZTIME="${FUZZTIME:-30s}"

count=0
failed=()
while IFS= read -r pkg; do
  targets="$("$GO" test -list '^Fuzz' "$pkg" | grep -E '^Fuzz[A-Za-z0-9_]*$' || true)"
  for target in $targets; do
    count=$((count + 1))
    echo "fuzz: $pkg $target for $FUZZTIME"
    if ! "$GO" test -run '^$' -fuzz "^${target}\$" -fuzztime "$FUZZTIME" "$pkg"; then
      failed+=("$pkg $target")
    fi
  done
done < <("$GO" list ./...)

if [ "$count" -eq 0 ]; then
  echo "fuzz: no fuzz targets found"
fi
if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz: FAILED targets:" >&2
  printf '  %s\n' "${failed[@]}" >&2
  exit 1
fi
echo "fuzz: $count target(s) passed"
