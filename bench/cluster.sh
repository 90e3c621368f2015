#!/usr/bin/env bash
# The cluster benchmark: two servers of one runtime on one store (gosio+gosio,
# Node+Node, and on Redis Pub/Sub floor+floor, the least a cluster server
# spends), clients on both, broadcasts from one at a fixed rate; both
# servers' CPU per delivered message and the delivery latency, per adapter.
#   bench/cluster.sh          400 clients, 25 broadcasts/s for 4 s, 3 repeats, ~3 minutes
#   bench/cluster.sh -full    1000 clients, 20/s for 10 s, 5 repeats, ~9 minutes
#   bench/cluster.sh -h       every flag (-adapters, -runtimes, -clients, -rate, ...)
# It starts Redis and PostgreSQL when they do
# not answer; every run uses keys and channels of its own prefix
# (gosio-bench-<time>-...) and deletes its keys afterwards.
set -euo pipefail
cd "$(dirname "$0")"
export GOWORK=off   # bench/ is its own module, outside the root go.work
../scripts/ensure-redis.sh >&2
if [ -f ../scripts/ensure-postgres.sh ]; then
  bash ../scripts/ensure-postgres.sh >&2
elif ! pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null && command -v pg_ctlcluster >/dev/null; then
  echo "cluster.sh: starting PostgreSQL" >&2
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -1)" main start
fi
go build -o .bin/cluster ./cmd/cluster
exec .bin/cluster "$@"
