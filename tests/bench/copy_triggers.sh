#!/usr/bin/env bash
# Benchmark: what keeping the app's triggers quiet costs `tenant copy` (core/portability/
# app_triggers). One tenant of ROWS rows over two tables (default 1M): members, with a key to a
# global plans table, and events, with a key to members. At the destination the app has an
# AFTER INSERT trigger on both (it queues a row per insert). Three copies, side by side:
#   quiet:     the triggers present; the writes run as a replica and tenantctl checks the two
#              foreign keys itself afterwards (an anti-join each over the tenant's rows);
#   no trigger: the same copy into the same tables without the triggers: the server checks the
#              keys row by row during COPY, as before this change (the reference);
#   fired:     --fire-triggers, with the trigger changed to count into a global table: what the
#              copy would cost if the app's triggers ran (the trigger's own work included).
# Prints the median wall time of RUNS runs of each and the ratios quiet / no trigger.
# Usage: tests/bench/copy_triggers.sh [path/to/tenantctl] [rows] [runs]
set -euo pipefail
BIN=$(realpath "${1:-build/tenantctl}")
ROWS=${2:-1000000}
RUNS=${3:-3}
# shellcheck source=tests/bench/sandbox.sh
source "$(dirname "$0")/sandbox.sh"
bench_sandbox triggers
SRC="postgresql://postgres@/src?host=$HOST&port=$PORT"
DST="postgresql://postgres@/dst?host=$HOST&port=$PORT"
psql -qX -d postgres -c "CREATE DATABASE src" -c "CREATE DATABASE dst" >/dev/null
export TENANTCTL_MASTER_KEY_SOURCE="file:$WORK/sb/master.key"
cat >"$WORK/tenantctl.yaml" <<YAML
contexts:
  src: {database: "$SRC"}
  dst: {database: "$DST"}
YAML
export TENANTCTL_CONFIG="$WORK/tenantctl.yaml"
unset TENANTCTL_DATABASE_URL
for db in src dst; do "$BIN" -q --context $db init >/dev/null; done

SCHEMA="
CREATE TABLE public.plans (id text PRIMARY KEY);
INSERT INTO public.plans VALUES ('free'), ('team'), ('pro');
CREATE TABLE public.members (tenant_id uuid NOT NULL, id bigint NOT NULL, email text NOT NULL,
    plan_id text NOT NULL REFERENCES public.plans (id), PRIMARY KEY (tenant_id, id));
CREATE TABLE public.events (tenant_id uuid NOT NULL, id bigint NOT NULL, member_id bigint NOT NULL,
    kind text NOT NULL, PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, member_id) REFERENCES public.members (tenant_id, id));
CREATE INDEX ON public.events (tenant_id, member_id);
CREATE TABLE public.queue (n bigint NOT NULL);
CREATE FUNCTION public.enqueue() RETURNS trigger LANGUAGE plpgsql AS \$\$
BEGIN INSERT INTO public.queue VALUES (1); RETURN NULL; END \$\$;"
psql -qX -d src -c "$SCHEMA" >/dev/null
psql -qX -d dst -c "$SCHEMA" >/dev/null
"$BIN" -q --context src tenant create acme >/dev/null
ACME=$(psql -qAtX -d src -c "SELECT id FROM tenantctl.tenants WHERE slug = 'acme'")
HALF=$((ROWS / 2))
psql -qX -d src >/dev/null <<SQL
INSERT INTO public.members SELECT '$ACME', g, 'user' || g || '@example.com', (ARRAY['free', 'team', 'pro'])[1 + g % 3]
  FROM generate_series(1, $HALF) g;
INSERT INTO public.events SELECT '$ACME', g, 1 + g % $HALF, 'login' FROM generate_series(1, $HALF) g;
VACUUM ANALYZE;
SQL
echo "# tenant copy of $ROWS rows over 2 tables with foreign keys, into tables with the app's triggers; $RUNS runs each"

reset_dst() {
  psql -qX -d dst >/dev/null <<SQL
SET session_replication_role = replica;
TRUNCATE public.members, public.events, public.queue;
DELETE FROM tenantctl.audit_log WHERE tenant_id = '$ACME';
DELETE FROM tenantctl.audit_keys WHERE tenant_id = '$ACME';
DELETE FROM tenantctl.tenant_keys WHERE tenant_id = '$ACME';
DELETE FROM tenantctl.tenants WHERE id = '$ACME';
SQL
  psql -qX -d dst -c "CHECKPOINT" >/dev/null
}
triggers() {  # on|off
  for t in members events; do
    if [ "$1" = on ]; then
      psql -qX -d dst -c "CREATE TRIGGER enqueue AFTER INSERT ON public.$t FOR EACH ROW EXECUTE FUNCTION public.enqueue()" >/dev/null
    else
      psql -qX -d dst -c "DROP TRIGGER IF EXISTS enqueue ON public.$t" >/dev/null
    fi
  done
}
now() { date +%s.%N; }
copy_once() {  # extra args for tenant copy
  reset_dst
  local t0 t1
  t0=$(now)
  "$BIN" -q --context src tenant copy acme --to dst "$@" >/dev/null
  t1=$(now)
  echo "$t1 - $t0" | bc
}
quiet=() plain=() fired=()
for run in $(seq 1 "$RUNS"); do
  triggers on
  quiet+=("$(copy_once)")
  [ "$(psql -qAtX -d dst -c 'SELECT count(*) FROM public.queue')" = 0 ] || { echo "quiet: the trigger fired" >&2; exit 1; }
  fired+=("$(copy_once --fire-triggers)")
  [ "$(psql -qAtX -d dst -c 'SELECT count(*) FROM public.queue')" = "$ROWS" ] || { echo "fired: not every row" >&2; exit 1; }
  triggers off
  plain+=("$(copy_once)")
done
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
Q=$(median "${quiet[@]}")
P=$(median "${plain[@]}")
F=$(median "${fired[@]}")
printf '  quiet (replica writes, both keys checked by query)   %7.2f s  %9.0f rows/s\n' "$Q" "$(echo "$ROWS / $Q" | bc -l)"
printf '  no trigger (the server checks each key during COPY)  %7.2f s  %9.0f rows/s\n' "$P" "$(echo "$ROWS / $P" | bc -l)"
printf '  --fire-triggers (a row queued per insert)            %7.2f s  %9.0f rows/s\n' "$F" "$(echo "$ROWS / $F" | bc -l)"
printf '  quiet / no trigger, time: %.2f\n' "$(echo "$Q / $P" | bc -l)"
