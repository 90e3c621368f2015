#!/usr/bin/env bash
# Makes sure a Redis server answers on 127.0.0.1:${REDIS_PORT:-6379}.
# Cheap when Redis already runs; otherwise installs redis-server via apt-get
# (when missing) and starts it as a daemon without persistence.
set -euo pipefail

PORT="${REDIS_PORT:-6379}"

ping_redis() {
  if command -v redis-cli >/dev/null 2>&1; then
    [ "$(redis-cli -h 127.0.0.1 -p "$PORT" ping 2>/dev/null || true)" = "PONG" ]
  else
    # Raw RESP PING over bash's /dev/tcp.
    local reply=""
    { exec 3<>"/dev/tcp/127.0.0.1/$PORT"; } 2>/dev/null || return 1
    printf 'PING\r\n' >&3
    IFS= read -r -t 2 reply <&3 || true
    exec 3<&- 3>&-
    [ "${reply%$'\r'}" = "+PONG" ]
  fi
}

if ping_redis; then
  echo "ensure-redis: redis answers on port $PORT"
  exit 0
fi

if ! command -v redis-server >/dev/null 2>&1; then
  echo "ensure-redis: redis-server not found, installing it with apt-get"
  SUDO=""
  if [ "$(id -u)" != "0" ]; then SUDO="sudo"; fi
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq redis-server >/dev/null
fi

echo "ensure-redis: starting redis-server on port $PORT"
redis-server --daemonize yes --port "$PORT" --bind 127.0.0.1 --save "" --appendonly no >/dev/null

for _ in $(seq 1 100); do
  if ping_redis; then
    echo "ensure-redis: redis answers on port $PORT"
    exit 0
  fi
  sleep 0.1
done
echo "ensure-redis: redis-server did not answer on port $PORT within 10s" >&2
exit 1
