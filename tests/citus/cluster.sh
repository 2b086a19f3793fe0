#!/usr/bin/env bash
# The Citus suite's fixture: a coordinator and two workers on loopback ports (issue 17).
#   cluster.sh up STATE_DIR     initdb x3, start, write STATE_DIR/ports ("coordinator w1 w2")
#   cluster.sh down STATE_DIR   stop the three servers and remove their data
# Each test then creates its own database on all three nodes (tests/citus/citus_support.cpp).
# As root the servers run as `postgres` (initdb refuses root), with data under /tmp so that
# user can reach it. Throwaway: fsync off, trust authentication on 127.0.0.1 only.
set -euo pipefail
cmd=${1:?usage: cluster.sh up|down STATE_DIR}
state=${2:?usage: cluster.sh up|down STATE_DIR}
pg_bin=${TENANTCTL_PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)}

as_server_user() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

port_is_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

stop_all() {
  [ -f "$state/root" ] || return 0
  local root
  root=$(cat "$state/root")
  for node in coordinator worker1 worker2; do
    [ -d "$root/$node" ] && as_server_user "$pg_bin/pg_ctl" -D "$root/$node" -m immediate -w stop >/dev/null 2>&1 || true
  done
  rm -rf "$root"
  rm -f "$state/root" "$state/ports" "$state/bin"
}

case $cmd in
  down) stop_all; exit 0 ;;
  up) ;;
  *) echo "usage: cluster.sh up|down STATE_DIR" >&2; exit 2 ;;
esac

[ -f "$(dirname "$pg_bin")/lib/citus.so" ] || {
  echo "citus is not installed for $(dirname "$pg_bin"): run tests/citus/install.sh (CITUS_SRC=archive)" >&2
  exit 1
}
mkdir -p "$state"
stop_all
root=$(mktemp -d /tmp/tenantctl-citus.XXXXXX)
echo "$root" >"$state/root"
echo "$pg_bin" >"$state/bin"
[ "$(id -u)" = 0 ] && chown postgres: "$root"

ports=()
port=57001
for node in coordinator worker1 worker2; do
  while ! port_is_free "$port"; do port=$((port + 1)); done
  ports+=("$port")
  as_server_user "$pg_bin/initdb" -D "$root/$node" --auth=trust -U postgres -E UTF8 --locale=C.UTF-8 --no-sync >/dev/null
  cat >>"$root/$node/postgresql.conf" <<CONF
# tenantctl Citus test cluster
port = $port
listen_addresses = '127.0.0.1'
unix_socket_directories = '$root/$node'
shared_preload_libraries = 'citus'
wal_level = logical
max_replication_slots = 20
max_wal_senders = 20
# tenant move --online in the end-to-end suite: Citus runs a maintenance daemon per database,
# each a background worker, so the default 8 leave none for logical replication's workers.
max_worker_processes = 64
max_logical_replication_workers = 16
wal_retrieve_retry_interval = 100ms
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 300
shared_buffers = 128MB
max_locks_per_transaction = 256
citus.shard_count = 4
citus.stat_tenants_track = 'all'
# The end-to-end suite runs on this cluster too, many databases at once: room for their tenants.
citus.stat_tenants_limit = 10000
CONF
  # Citus moves and splits shards with logical replication through its own output plugin, and
  # PostgreSQL 15.20 lets only the listed libraries be output plugins (older releases lack the
  # setting, and refuse to start with an unknown one).
  if as_server_user "$pg_bin/postgres" --describe-config 2>/dev/null | grep '^output_plugin_libraries' >/dev/null; then
    echo "output_plugin_libraries = 'pgoutput, test_decoding, citus'" >>"$root/$node/postgresql.conf"
  fi
  as_server_user "$pg_bin/pg_ctl" -D "$root/$node" -l "$root/$node.log" -w -t 60 start >/dev/null || {
    tail -20 "$root/$node.log" >&2
    exit 1
  }
  port=$((port + 1))
done
echo "${ports[*]}" >"$state/ports"
"$pg_bin/psql" -X -q -h 127.0.0.1 -p "${ports[0]}" -U postgres -d postgres -v ON_ERROR_STOP=1 \
  -c "SELECT 1" >/dev/null
echo "citus cluster up: coordinator 127.0.0.1:${ports[0]}, workers ${ports[1]} ${ports[2]} (data in $root)"
