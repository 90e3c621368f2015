# gosio — build and test entry points.
#
#   make run      run the main example: the chat on http://localhost:3000
#   make test     run every test: go vet, go test -race, the interop suites,
#                 the cluster interop (Node and Go servers on one Redis) and
#                 the examples' browser end-to-end tests
#   make vet      go vet over the library and the examples
#   make gotest   go test -race -count=1 (fuzz seed corpora run as tests)
#   make interop  only the interop suites (Go test servers vs the official JS clients)
#   make protocol the protocol edge checks alone (Engine.IO 3 and 4, Socket.IO 5,
#                 with the official protocol suites' settings); they are part of
#                 make interop too
#   make protocol-loop N=20
#                 those checks N times in a row, no retries, stopping at the
#                 first failure
#   make cluster  only the cross-runtime Redis cluster interop
#   make e2e      only the examples' browser tests (installs Chromium if missing)
#   make fuzz     each Go fuzz target for FUZZTIME (default 30s)
#   make redis    make sure a Redis server answers on 127.0.0.1:6379, and a
#                 three-master Redis Cluster on ports 30001-30003
#
# A fresh machine needs Go and Node.js (with npm); the rest is installed here.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c

GO ?= go
FUZZTIME ?= 30s
export GO FUZZTIME

.PHONY: run test vet gotest interop protocol protocol-loop cluster e2e fuzz redis

# Steps run in order (also under make -j: Redis must answer before the Go
# tests); every step runs even after a failure, and the target fails at the
# end if any step failed.
TEST_STEPS := vet redis gotest interop cluster e2e

test:
	@failed=""; \
	for step in $(TEST_STEPS); do \
	  echo "==> make $$step"; \
	  $(MAKE) --no-print-directory $$step || failed="$$failed $$step"; \
	done; \
	if [ -n "$$failed" ]; then echo "==> make test: FAILED:$$failed" >&2; exit 1; fi; \
	echo "==> make test: all steps passed"

# The examples are a module of their own (joined by go.work), which ./...
# does not reach.
vet:
	$(GO) vet ./... ./examples/...

gotest:
	$(GO) test -race -count=1 ./... ./examples/...

run:
	bash examples/run.sh chat -addr :3000

cluster: redis
	bash interop/cluster/run.sh

# The examples' Go tests run in gotest; this runs their browser tests.
e2e: redis
	bash examples/e2e/ensure-chromium.sh
	cd examples && npm ci --no-audit --no-fund --loglevel=error && node --test --test-concurrency=1 e2e/

redis:
	bash scripts/ensure-redis.sh
	bash scripts/ensure-redis-cluster.sh

interop:
	bash scripts/interop.sh

N ?= 20

protocol:
	bash scripts/protocol-loop.sh 1

protocol-loop:
	bash scripts/protocol-loop.sh $(N)

fuzz:
	bash scripts/fuzz.sh
