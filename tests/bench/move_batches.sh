#!/usr/bin/env bash
# Benchmark (issue 18): the cost of `tenant move`'s batches on the two common shapes of a
# tenant table, against `tenant copy` of the same tenant in one transaction (the peer: same
# rows, same checksums, no batches):
#   composite  PRIMARY KEY (tenant_id, id): the key's index finds the tenant's rows in order;
#   bare       id bigint PRIMARY KEY and an index on tenant_id alone (Rails, Django): the
#              tenant's rows in key order need a sort, or a walk of every tenant's keys.
# One table of ROWS rows of the tenant, interleaved with OTHERS times as many of other
# tenants. Paging with a sort per batch shows where the tenant is a small share of a large
# table (raise OTHERS); at the defaults the planner walks the key and both shapes cost alike.
# Usage: tests/bench/move_batches.sh [path/to/tenantctl] [rows] [batch-size] [others]
set -euo pipefail
export PSQLRC=/dev/null
BIN=$(realpath "${1:-build/tenantctl}")
ROWS=${2:-1000000}
BATCH=${3:-50000}
OTHERS=${4:-3}
# shellcheck source=tests/bench/sandbox.sh
source "$(dirname "$0")/sandbox.sh"
bench_sandbox batches
export TENANTCTL_MASTER_KEY_SOURCE="file:$WORK/sb/master.key"
unset TENANTCTL_DATABASE_URL

now() { date +%s.%N; }
run_shape() {
  local shape=$1 ddl
  case $shape in
    composite) ddl="CREATE TABLE public.items (tenant_id uuid NOT NULL, id bigint NOT NULL, name text NOT NULL,
                      qty int, doc jsonb, PRIMARY KEY (tenant_id, id));" ;;
    bare) ddl="CREATE TABLE public.items (id bigint PRIMARY KEY, tenant_id uuid NOT NULL, name text NOT NULL,
                 qty int, doc jsonb); CREATE INDEX items_tenant_id ON public.items (tenant_id);" ;;
  esac
  psql -qX -v ON_ERROR_STOP=1 -d postgres -c "DROP DATABASE IF EXISTS src" -c "DROP DATABASE IF EXISTS dst" \
    -c "CREATE DATABASE src" -c "CREATE DATABASE dst" >/dev/null 2>&1
  cat >"$WORK/tenantctl.yaml" <<YAML
contexts:
  src: {database: "postgresql://postgres@/src?host=$HOST&port=$PORT"}
  dst: {database: "postgresql://postgres@/dst?host=$HOST&port=$PORT"}
YAML
  export TENANTCTL_CONFIG="$WORK/tenantctl.yaml"
  for db in src dst; do
    "$BIN" -q --context $db init >/dev/null
    psql -qX -v ON_ERROR_STOP=1 -d $db -c "$ddl" >/dev/null
  done
  local ids=() t
  for t in $(seq 0 "$OTHERS"); do
    "$BIN" -q --context src tenant create "t$t" >/dev/null
    ids+=("'$(psql -qAtX -d src -c "SELECT id FROM tenantctl.tenants WHERE slug = 't$t'")'")
  done
  local n=$((OTHERS + 1))
  psql -qX -v ON_ERROR_STOP=1 -d src -c "INSERT INTO public.items (tenant_id, id, name, qty, doc)
      SELECT (ARRAY[$(IFS=,; echo "${ids[*]}")]::uuid[])[g % $n + 1], g, 'item ' || g, g % 100,
             jsonb_build_object('n', g) FROM generate_series(1, $((ROWS * n))) g" \
    -c "VACUUM ANALYZE public.items" >/dev/null
  local acme=${ids[0]}
  reset() {
    psql -qX -v ON_ERROR_STOP=1 -d dst >/dev/null <<SQL
SET session_replication_role = replica;
TRUNCATE public.items;
DELETE FROM tenantctl.jobs;
$(for tb in audit_log audit_chain audit_keys audit_seals tenant_keys; do
    echo "DELETE FROM tenantctl.$tb WHERE tenant_id = $acme;"; done)
DELETE FROM tenantctl.tenants WHERE id = $acme;
CHECKPOINT;
SQL
    psql -qX -v ON_ERROR_STOP=1 -d src -c "UPDATE tenantctl.tenants SET status = 'active', moving_from_status = NULL, moved_to = NULL,
        purge_after = NULL, status_reason = NULL WHERE id = $acme" >/dev/null
  }
  local t0 copy move
  reset
  t0=$(now); "$BIN" -q --context src tenant copy t0 --to dst >/dev/null; copy=$(echo "$(now) - $t0" | bc)
  reset
  t0=$(now)
  /usr/bin/time -f %M -o "$WORK/rss" "$BIN" -q --context src tenant move t0 --to dst --batch-size "$BATCH" >/dev/null
  move=$(echo "$(now) - $t0" | bc)
  printf '  %-9s  tenant copy %6.2f s   tenant move --batch-size %s %6.2f s   move / copy %5.2f   move peak RSS %.1f MB\n' \
    "$shape" "$copy" "$BATCH" "$move" "$(echo "$move / $copy" | bc -l)" "$(echo "$(cat "$WORK/rss") / 1024" | bc -l)"
}
echo "# $ROWS rows of the tenant in one table, $OTHERS other tenants with as many, batches of $BATCH"
run_shape composite
run_shape bare
