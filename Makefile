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

# Sequential on purpose (also under make -j): Redis must answer before the Go tests.
test:
	$(MAKE) --no-print-directory vet
	$(MAKE) --no-print-directory redis
	$(MAKE) --no-print-directory gotest
	$(MAKE) --no-print-directory interop

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
