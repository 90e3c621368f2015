#!/usr/bin/env bash
# Cluster interop suite: builds the Go test server (interop/cmd/clusternode),
# installs this folder's pinned Node packages and runs the Node test runner
# against a Redis on 127.0.0.1:6379, a Redis Cluster on ports 30001-30003
# and a PostgreSQL on 127.0.0.1:5432 (started by scripts/ensure-redis.sh,
# ensure-redis-cluster.sh and ensure-postgres.sh when missing). Extra
# arguments go to `node --test`.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
GO="${GO:-go}"

mkdir -p "$HERE/.bin"
(cd "$ROOT" && "$GO" build -o "$HERE/.bin/clusternode" ./interop/cmd/clusternode)
bash "$ROOT/scripts/ensure-redis.sh"
bash "$ROOT/scripts/ensure-redis-cluster.sh"
bash "$ROOT/scripts/ensure-postgres.sh"

cd "$HERE"
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund --loglevel=error
fi
export CLUSTERNODE_BIN="$HERE/.bin/clusternode"
exec node --test --test-concurrency=1 "$@" ./*.test.mjs
