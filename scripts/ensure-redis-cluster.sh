#!/usr/bin/env bash
# Makes sure a Redis Cluster of three masters answers on 127.0.0.1 ports
# ${REDIS_CLUSTER_PORTS:-30001 30002 30003} (cluster bus: port + 10000), for
# the Redis adapter's ClusterClient tests. Cheap when the cluster already
# runs; otherwise starts the nodes as daemons without persistence (their
# cluster state files live in a temporary directory) and creates the cluster.
# Needs redis-server and redis-cli (scripts/ensure-redis.sh installs them).
set -euo pipefail

read -r -a PORTS <<<"${REDIS_CLUSTER_PORTS:-30001 30002 30003}"
DIR="${TMPDIR:-/tmp}/gosio-redis-cluster"

cluster_ok() {
  local p
  for p in "${PORTS[@]}"; do
    redis-cli -h 127.0.0.1 -p "$p" cluster info 2>/dev/null | grep -q '^cluster_state:ok' || return 1
  done
}

if cluster_ok; then
  echo "ensure-redis-cluster: cluster answers on ports ${PORTS[*]}"
  exit 0
fi

mkdir -p "$DIR"
for p in "${PORTS[@]}"; do
  if [ "$(redis-cli -h 127.0.0.1 -p "$p" ping 2>/dev/null || true)" = "PONG" ]; then
    # Left from an attempt that did not finish: start it over empty.
    redis-cli -h 127.0.0.1 -p "$p" flushall >/dev/null || true
    redis-cli -h 127.0.0.1 -p "$p" cluster reset hard >/dev/null
  else
    rm -f "$DIR/nodes-$p.conf"
    redis-server --daemonize yes --port "$p" --bind 127.0.0.1 --save "" --appendonly no \
      --cluster-enabled yes --cluster-config-file "nodes-$p.conf" --dir "$DIR" >/dev/null
  fi
done
for p in "${PORTS[@]}"; do
  for _ in $(seq 1 100); do
    [ "$(redis-cli -h 127.0.0.1 -p "$p" ping 2>/dev/null || true)" = "PONG" ] && break
    sleep 0.1
  done
done

echo "ensure-redis-cluster: creating the cluster on ports ${PORTS[*]}"
addrs=()
for p in "${PORTS[@]}"; do addrs+=("127.0.0.1:$p"); done
redis-cli --cluster create "${addrs[@]}" --cluster-replicas 0 --cluster-yes >/dev/null

for _ in $(seq 1 200); do
  if cluster_ok; then
    echo "ensure-redis-cluster: cluster answers on ports ${PORTS[*]}"
    exit 0
  fi
  sleep 0.1
done
echo "ensure-redis-cluster: the cluster did not reach cluster_state:ok within 20s" >&2
exit 1
