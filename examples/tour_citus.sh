#!/usr/bin/env bash
# The Citus tour (examples/tour.sh --citus): a coordinator and two workers on this machine, the
# example app distributed by tenant, one tenant isolated and moved to another node, and the
# busiest tenants. Needs Citus installed (README, "Citus"); leaves the cluster running.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
cd "$here"   # tenantctl.yaml and migrations/ are read from here
export PGOPTIONS="-c client_min_messages=warning"

step() { printf '\n\033[1m== %s\033[0m\n' "$*" >&2; }
run() { printf '$ %s\n' "$*" >&2; "$@"; }
may_fail() { printf '$ %s\n' "$*" >&2; set +e; "$@"; echo "(exit code $?)" >&2; set -e; }

state=${XDG_STATE_HOME:-$HOME/.local/state}/tenantctl/citus-tour
if ! ls /usr/lib/postgresql/*/lib/citus.so >/dev/null 2>&1; then
  echo "Citus is not installed. Install Citus's packages (README, \"Citus\"), or build it from a release" >&2
  echo "archive: CITUS_SRC=citus-13.2.2.tar.gz $root/tests/citus/install.sh" >&2
  exit 1
fi

step "a Citus cluster: a coordinator and two workers on loopback ports"
run "$root/tests/citus/cluster.sh" up "$state"
read -r coordinator worker1 worker2 <"$state/ports"
psql_on() { psql -X -q -h 127.0.0.1 -p "$1" -U postgres -v ON_ERROR_STOP=1 "${@:2}"; }
for port in "$coordinator" "$worker1" "$worker2"; do
  psql_on "$port" -d postgres -c "CREATE DATABASE tour" >/dev/null
  psql_on "$port" -d tour -c "CREATE EXTENSION citus" >/dev/null
done
psql_on "$coordinator" -d tour -c "SELECT citus_set_coordinator_host('127.0.0.1', $coordinator)" \
  -c "SELECT citus_add_node('127.0.0.1', $worker1)" -c "SELECT citus_add_node('127.0.0.1', $worker2)" >/dev/null
export TENANTCTL_DATABASE_URL="postgresql://postgres@127.0.0.1:$coordinator/tour"
if [ ! -f "$state/master.key" ]; then
  (umask 077 && head -c 32 /dev/urandom | base64 >"$state/master.key")
fi
export TENANTCTL_MASTER_KEY_SOURCE="file:$state/master.key"

step "init detects Citus: the platform tables are distributed by tenant_id, the shared ones are reference tables"
run tenantctl init
run tenantctl migrate up

step "citus distribute checks the app first: its keys leave tenant_id out, so nothing is changed (exit 5)"
may_fail tenantctl citus distribute --dry-run

step "the app's keys become (tenant_id, id) (examples/citus/tenant_keys.sql), then the app is distributed"
run psql -X -q "$TENANTCTL_DATABASE_URL" -v ON_ERROR_STOP=1 -f "$here/citus/tenant_keys.sql"
run tenantctl citus distribute --dry-run
run tenantctl citus distribute

step "tenants and their data, as on one server"
run tenantctl tenant apply -f tenants.yaml
run /usr/bin/python3 "$here/seed_app_data.py" acme
run tenantctl tenant list --by-node

step "doctor's Citus checks (the example app role is NOLOGIN: the workers would refuse it)"
may_fail tenantctl doctor --check citus_nodes --check citus_tables --check citus_roles --check citus_rls

step "tenant isolate: acme gets shards of its own, then tenant place moves them to the other worker"
run tenantctl tenant isolate acme
run tenantctl tenant show acme -o json --jq '.shards'
node=$(tenantctl tenant show acme -o json --jq '.shards[0].node' | tr -d '"')
if [ "$node" = "127.0.0.1:$worker1" ]; then target="127.0.0.1:$worker2"; else target="127.0.0.1:$worker1"; fi
run tenantctl tenant place acme --node "$target"
run tenantctl tenant list --by-node

step "tenant top: the busiest tenants (acme answers 200 queries here)"
acme_id=$(tenantctl tenant show acme -o json --jq '.id' | tr -d '"')
for _ in $(seq 200); do echo "SELECT count(*) FROM documents WHERE tenant_id = '$acme_id';"; done |
  psql -X -q "$TENANTCTL_DATABASE_URL" >/dev/null
run tenantctl tenant top

step "done: stop the cluster with '$root/tests/citus/cluster.sh down $state'"
