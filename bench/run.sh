#!/usr/bin/env bash
# Runs the gosio benchmark suite: every scenario against every server.
#   bench/run.sh            full run (median of 2), ~15 minutes
#   bench/run.sh -quick     ~1-2 minute smoke run
#   bench/run.sh -h         all flags (-scenarios, -servers, -repeat, ...)
set -euo pipefail
cd "$(dirname "$0")"
export GOWORK=off   # bench/ is its own module, outside the root go.work
go build -o .bin/bench ./cmd/bench
exec .bin/bench "$@"
