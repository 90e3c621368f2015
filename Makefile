# gosio — build and test entry points.
#
#   make run      run the main example: the chat on http://localhost:3000
#   make test     run every test: go vet, go test -race, the interop suites,
#                 the cluster interop (Node and Go servers on one Redis) and
#                 the examples' browser end-to-end tests
#   make vet      go vet over the library and the examples
#   make lint     staticcheck (pinned; installed into .tools/ when missing)
#   make gotest   go test -race -count=1 (fuzz seed corpora run as tests, and
#                 the small-scale hostile-client run, TestHostile)
#   make hostile  the full-scale hostile-client run (docs/ROBUSTNESS.md)
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
#   make postgres make sure PostgreSQL answers on 127.0.0.1:5432 (database
#                 test, user postgres, trust auth); gotest and cluster need it
#
# A fresh machine needs Go and Node.js (with npm); the rest is installed here.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c

GO ?= go
FUZZTIME ?= 30s
export GO FUZZTIME

.PHONY: run test vet lint gotest interop protocol protocol-loop cluster e2e fuzz redis postgres hostile

# Steps run in order (also under make -j: Redis must answer before the Go
# tests); every step runs even after a failure, and the target fails at the
# end if any step failed.
TEST_STEPS := vet lint redis gotest interop cluster e2e

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

# staticcheck at a pinned version, installed on first use: the findings do
# not change under our feet when a new release adds checks.
STATICCHECK_VERSION := v0.8.2
STATICCHECK := $(CURDIR)/.tools/staticcheck-$(STATICCHECK_VERSION)

$(STATICCHECK):
	mkdir -p $(CURDIR)/.tools/bin
	GOWORK=off GOBIN=$(CURDIR)/.tools/bin $(GO) install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION)
	mv $(CURDIR)/.tools/bin/staticcheck $@

lint: $(STATICCHECK)
	$(STATICCHECK) ./... ./examples/...

# The PostgreSQL adapter's tests need the shared database (and start a
# private PostgreSQL of their own for the restart test).
gotest: postgres
	$(GO) test -race -count=1 ./... ./examples/...

# SIGINT or SIGTERM to make's PID stops the chat, and the port is free at
# once: make passes SIGTERM on, and examples/run.sh watches make for a SIGINT
# (on Linux), which make itself does not pass on. Ctrl-C reaches them all.
run:
	bash examples/run.sh chat

cluster: redis postgres
	bash interop/cluster/run.sh

# The examples' Go tests run in gotest; this runs their browser tests.
e2e: redis
	bash examples/e2e/ensure-chromium.sh
	cd examples && npm ci --no-audit --no-fund --loglevel=error && node --test --test-concurrency=1 e2e/

redis:
	bash scripts/ensure-redis.sh
	bash scripts/ensure-redis-cluster.sh

postgres:
	bash scripts/ensure-postgres.sh

interop:
	bash scripts/interop.sh

N ?= 20

protocol:
	bash scripts/protocol-loop.sh 1

protocol-loop:
	bash scripts/protocol-loop.sh $(N)

fuzz:
	bash scripts/fuzz.sh

# Every scenario of internal/hostile at full scale against a target server
# process; prints the table of docs/ROBUSTNESS.md. HOSTILE_RUN selects
# scenarios by name (a regular expression).
HOSTILE_RUN ?=
hostile:
	$(GO) run ./interop/cmd/hostile -scale full -run '$(HOSTILE_RUN)'
