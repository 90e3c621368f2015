# gosio — build and test entry points.
#
#   make test     run every test: go vet, go test -race, the interop suites
#   make vet      go vet ./...
#   make gotest   go test -race -count=1 ./... (fuzz seed corpora run as tests)
#   make interop  only the interop suites (Go test servers vs the official JS clients)
#   make fuzz     each Go fuzz target for FUZZTIME (default 30s)
#   make redis    make sure a Redis server answers on 127.0.0.1:6379
#
# A fresh machine needs Go and Node.js (with npm); the rest is installed here.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c

GO ?= go
FUZZTIME ?= 30s
export GO FUZZTIME

.PHONY: test vet gotest interop fuzz redis

# Steps run in order (also under make -j: Redis must answer before the Go
# tests); every step runs even after a failure, and the target fails at the
# end if any step failed.
TEST_STEPS := vet redis gotest interop

test:
	@failed=""; \
	for step in $(TEST_STEPS); do \
	  echo "==> make $$step"; \
	  $(MAKE) --no-print-directory $$step || failed="$$failed $$step"; \
	done; \
	if [ -n "$$failed" ]; then echo "==> make test: FAILED:$$failed" >&2; exit 1; fi; \
	echo "==> make test: all steps passed"

vet:
	$(GO) vet ./...

gotest:
	$(GO) test -race -count=1 ./...

redis:
	bash scripts/ensure-redis.sh

interop:
	bash scripts/interop.sh

fuzz:
	bash scripts/fuzz.sh
