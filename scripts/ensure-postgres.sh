#!/usr/bin/env bash
# Makes sure PostgreSQL answers on 127.0.0.1:5432 with a database "test"
# that the user postgres reaches without a password (trust), as the Go
# tests and the cluster interop suite expect. Cheap when it already runs;
# otherwise starts the machine's cluster with pg_ctlcluster and waits.
set -euo pipefail

HOST=127.0.0.1
PORT=5432

answers() {
  if command -v pg_isready >/dev/null 2>&1; then
    pg_isready -q -h "$HOST" -p "$PORT" -t 1
  else
    { exec 3<>"/dev/tcp/$HOST/$PORT"; } 2>/dev/null || return 1
    exec 3<&- 3>&-
  fi
}

if ! answers; then
  if ! command -v pg_ctlcluster >/dev/null 2>&1 || [ -z "$(ls /etc/postgresql 2>/dev/null)" ]; then
    echo "ensure-postgres: nothing answers on $HOST:$PORT and no cluster to start (install postgresql)" >&2
    exit 1
  fi
  version="$(ls /etc/postgresql | sort -V | tail -n 1)"
  echo "ensure-postgres: starting PostgreSQL $version (cluster main)"
  pg_ctlcluster --skip-systemctl-redirect "$version" main start
  for _ in $(seq 1 100); do
    answers && break
    sleep 0.1
  done
  if ! answers; then
    echo "ensure-postgres: PostgreSQL did not answer on $HOST:$PORT within 10s" >&2
    exit 1
  fi
fi

# The database the tests use.
if command -v psql >/dev/null 2>&1; then
  if ! psql -h "$HOST" -p "$PORT" -U postgres -d test -Atqc 'SELECT 1' >/dev/null 2>&1; then
    psql -h "$HOST" -p "$PORT" -U postgres -d postgres -qc 'CREATE DATABASE test' >/dev/null
  fi
fi
echo "ensure-postgres: PostgreSQL answers on $HOST:$PORT (database test)"
