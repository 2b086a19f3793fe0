#!/usr/bin/env bash
# Benchmark (issue 15, backfill): `audit import` of N events from the application's own audit
# table and from an NDJSON file, each against the server doing the same load with no checks,
# no job, no batches and no sealing (the floor), in the same run:
#   table: one INSERT INTO audit_log SELECT ... FROM the app's table JOIN tenants;
#   file:  psql \copy of the lines into a jsonb column, then one INSERT ... SELECT.
# tenantctl runs with --no-seal (the floor does not seal); `audit seal` of the imported events is
# timed on its own. Each side loads into a database of its own, made the same way.
#
# usage: tests/bench/audit_import.sh [BUILD_DIR] [N]     (default build, 1000000)
# Starts its own throwaway server (tenantctl sandbox) and removes it afterwards.
set -euo pipefail
BUILD=${1:-build}
N=${2:-1000000}
BIN=$(realpath "$BUILD/tenantctl")
WORK=$(mktemp -d /tmp/tenantctl-bench-import.XXXXXX)
export XDG_STATE_HOME=$WORK/state HOME=$WORK
cleanup() { "$BIN" sandbox down --dir "$WORK/sandbox" >/dev/null 2>&1 || true; rm -rf "$WORK"; }
trap cleanup EXIT

"$BIN" sandbox up --dir "$WORK/sandbox" --no-init -q >/dev/null
eval "$("$BIN" sandbox env --dir "$WORK/sandbox")"
BASE_URL=$TENANTCTL_DATABASE_URL
export TENANTCTL_ACTOR=bench
# Retention longer than the events' 24 months: `ensure` makes partitions for all of them.
printf 'audit:\n  retention: 36mo\n' >"$WORK/tenantctl.yaml"
export TENANTCTL_CONFIG=$WORK/tenantctl.yaml

# fresh_db NAME: a database with the platform, 50 tenants, and the app's table of N events.
fresh_db() {
    psql "$BASE_URL" -qc "DROP DATABASE IF EXISTS $1" -c "CREATE DATABASE $1" >/dev/null 2>&1
    export TENANTCTL_DATABASE_URL=${BASE_URL/\/postgres\?//$1?}
    "$BIN" init -q >/dev/null
    psql "$TENANTCTL_DATABASE_URL" -q -v ON_ERROR_STOP=1 >/dev/null <<SQL
INSERT INTO tenantctl.tenants (slug, name) SELECT 'app-' || g, 'App ' || g FROM generate_series(1, 50) g;
CREATE TABLE public.app_audit (id bigserial PRIMARY KEY, company text NOT NULL, created_at timestamptz NOT NULL,
                               event text NOT NULL, who text, ip inet, details jsonb);
INSERT INTO public.app_audit (company, created_at, event, who, ip, details)
SELECT 'app-' || (1 + g % 50), now() - interval '24 months' + make_interval(secs => g * (63072000.0 / $N)),
       (ARRAY['user.login', 'doc.edit', 'invoice.paid'])[1 + g % 3], 'user-' || (g % 5000),
       ('10.' || (g % 250) || '.0.' || (g % 200))::inet, jsonb_build_object('n', g, 'plan', 'pro')
FROM generate_series(1, $N) g;
VACUUM ANALYZE public.app_audit;
SQL
}

# The floor's months, made beforehand as the import makes them as it goes: a marker row per
# month, moved out of the default partition by `ensure`, then deleted.
months_for_floor() {
    "$BIN" audit partitions ensure --ahead 0 -q >/dev/null
    psql "$TENANTCTL_DATABASE_URL" -qAt -c "INSERT INTO tenantctl.audit_log (tenant_id, occurred_at, action) SELECT t.id, \
        date_trunc('month', now()) - make_interval(months => g), 'bench.marker' FROM tenantctl.tenants t, \
        generate_series(0, 25) g WHERE t.slug = 'app-1'" >/dev/null
    "$BIN" audit partitions ensure --ahead 0 -q >/dev/null
    psql "$TENANTCTL_DATABASE_URL" -qc "DELETE FROM tenantctl.audit_log WHERE action = 'bench.marker'" >/dev/null
}

now() { date +%s.%N; }
count() { psql "$TENANTCTL_DATABASE_URL" -Atc "SELECT count(*) FROM tenantctl.audit_log WHERE action IN ('user.login', 'doc.edit', 'invoice.paid')"; }

# The floor, from the table: one statement.
fresh_db bench_floor_table
months_for_floor
t0=$(now)
psql "$TENANTCTL_DATABASE_URL" -q -v ON_ERROR_STOP=1 -c "INSERT INTO tenantctl.audit_log (tenant_id, occurred_at, \
    actor_type, actor_id, action, ip, metadata) SELECT t.id, a.created_at, 'user', a.who, a.event, a.ip, a.details \
    FROM public.app_audit a JOIN tenantctl.tenants t ON t.slug = a.company ORDER BY a.id"
t1=$(now)
floor_table_rows=$(count)
psql "$TENANTCTL_DATABASE_URL" -Atc "COPY (SELECT row_to_json(a)::text FROM public.app_audit a ORDER BY id) TO STDOUT" \
    >"$WORK/app_audit.ndjson"

fresh_db bench_import_table
t2=$(now)
"$BIN" audit import --from public.app_audit --map tenant_id=company --map occurred_at=created_at \
    --map action=event --map actor_id=who --map metadata=details --no-seal -q >/dev/null
t3=$(now)
import_table_rows=$(count)
"$BIN" audit seal --settle 0s -q >/dev/null
t4=$(now)

fresh_db bench_floor_file
months_for_floor
t5=$(now)
psql "$TENANTCTL_DATABASE_URL" -q -v ON_ERROR_STOP=1 \
    -c "CREATE TEMP TABLE lines (j jsonb)" \
    -c "\\copy lines (j) FROM '$WORK/app_audit.ndjson' WITH (FORMAT csv, QUOTE e'\\x01', DELIMITER e'\\x02')" \
    -c "INSERT INTO tenantctl.audit_log (tenant_id, occurred_at, actor_type, actor_id, action, ip, metadata) \
        SELECT t.id, (j->>'created_at')::timestamptz, 'user', j->>'who', j->>'event', (j->>'ip')::inet, j->'details' \
        FROM lines JOIN tenantctl.tenants t ON t.slug = j->>'company'"
t6=$(now)
floor_file_rows=$(count)

fresh_db bench_import_file
t7=$(now)
"$BIN" audit import --from "$WORK/app_audit.ndjson" --map tenant_id=company --map occurred_at=created_at \
    --map action=event --map actor_id=who --map metadata=details --no-seal -q >/dev/null
t8=$(now)
import_file_rows=$(count)

/usr/bin/python3 - "$N" "$floor_table_rows" "$import_table_rows" "$floor_file_rows" "$import_file_rows" \
    "$t0" "$t1" "$t2" "$t3" "$t4" "$t5" "$t6" "$t7" "$t8" <<'PY'
import sys
ft, it, ff, i_f = map(int, sys.argv[2:6])
t = list(map(float, sys.argv[6:]))
floor_table, import_table, seal = t[1] - t[0], t[3] - t[2], t[4] - t[3]
floor_file, import_file = t[6] - t[5], t[8] - t[7]
print(f"# audit import of {int(sys.argv[1]):,} events, 50 tenants, 24 months")
print(f"  from a table: tenantctl {import_table:7.1f} s ({it / import_table:,.0f} events/s)   "
      f"floor, one INSERT ... SELECT {floor_table:6.1f} s   tenantctl/floor = {import_table / floor_table:.2f}")
print(f"  from NDJSON:  tenantctl {import_file:7.1f} s ({i_f / import_file:,.0f} events/s)   "
      f"floor, \\copy + INSERT ... SELECT {floor_file:6.1f} s   tenantctl/floor = {import_file / floor_file:.2f}")
print(f"  then audit seal of the table's import: {seal:.1f} s ({it / seal:,.0f} events/s)")
print(f"  events loaded: {it:,} and {i_f:,} by tenantctl, {ft:,} and {ff:,} by the floor")
if len({it, i_f, ft, ff}) != 1:
    sys.exit("the four loads differ")
PY
