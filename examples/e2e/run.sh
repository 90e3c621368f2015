#!/usr/bin/env bash
# Runs the examples' Go tests and browser tests: Chromium and the npm
# packages are installed first if missing.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash e2e/ensure-chromium.sh
npm ci --no-audit --no-fund
go test -race -count=1 ./...
node --test --test-concurrency=1 e2e/
