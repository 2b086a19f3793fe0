#!/usr/bin/env bash
# Benchmark (the Citus issue): the same data on a 3-node Citus cluster on this machine (a
# coordinator and two workers, tests/citus/cluster.sh) and on one server (a sandbox), side by
# side in one run, each figure with its Citus/single ratio:
#  - tenant apply of TENANTS tenants from one manifest (set-up, shown for information);
#  - audit query: median whole-process time of RUNS runs (after one warm-up) of four typical
#    queries, run alternately on the two (target: Citus within 2x of single). Each query's
#    result is also compared between the two (every field but the event and tenant ids, which
#    the servers draw themselves; rows in the same order), so a query cannot pass by returning
#    nothing or something else;
#  - tenant purge of a tenant with BIG rows in the app table, after `tenant delete --grace 0s`
#    (checked: none of its rows left, every other tenant's rows kept);
#  - Citus only, of another tenant with BIG rows, each while a writer inserts that tenant's
#    rows one at a time through the coordinator: `tenant isolate` (place refuses a shard shared
#    with other tenants; isolating first makes place move this tenant's rows only, not a
#    quarter of all tenants'), then `tenant place` to the worker that does not hold it (target:
#    the longest write stall under 1 s), then `tenant place` back with `--transfer-mode
#    block_writes`, what a colocation group with a row-level security table gets (README,
#    "Citus"): the writer waits for the whole copy. Each prints its time, the longest gap between
#    two successful inserts and the slowest insert, the writer's errors (must be 0), and whether
#    every row the writer wrote is there afterwards. (Citus 13.2 blocks the writes before the
#    final catch-up and then checks the copy's position once a second, WaitForMiliseconds(1000)
#    in multi_logical_replication.c: a writer that keeps writing waits a little over 1 s.)
# A missed target or a failed check is listed at the end, and the exit status is then 1.
# The writer is a small C program on libpq built here (cc -lpq), one autocommit INSERT every
# 2 ms, timed with a monotonic clock; psql loops fork too much to see a stall.
# Data, generated server-side (INSERT ... SELECT generate_series, a million per statement) and
# deterministic, so both servers hold the same events: ROWS audit events over 12 months (one
# per millisecond at most, times counted back from the start of the run, so windows are given
# as absolute times and match the same rows on both); a tenant `bench-hot` has ROWS/10 of them,
# the rest spread over the other tenants. The app table public.orders ((tenant_id, id) primary
# key, no row-level security: with it `place` would block writes for the whole copy, as
# measured by the last line) holds BIG rows each of bench-purge and bench-place and 100 of
# every other tenant; on Citus `citus distribute` colocates it with the platform tables.
# Usage: tests/bench/citus.sh [path/to/tenantctl] [rows] [big-tenant-rows] [runs] [tenants]
#   defaults: build/tenantctl 10000000 1000000 15 1000; a quick run: ... 1000000 100000 5
# Needs Citus (tests/citus/install.sh). On a shared machine run it under nice -n 10. KEEP=1
# leaves both servers running at the end, to look at them.
set -euo pipefail
BIN=$(realpath "${1:-build/tenantctl}")
ROWS=${2:-10000000}
BIG=${3:-1000000}
RUNS=${4:-15}
TENANTS=${5:-1000}
MONTHS=12
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
STARTED=$EPOCHREALTIME
WORK=$(mktemp -d /tmp/tenantctl-bench-citus.XXXXXX)
chmod 755 "$WORK"
WRITER_PID=
cleanup() {
  if [ "${KEEP:-}" = 1 ]; then
    echo "# KEEP=1: servers left running; TENANTCTL_CONFIG=$WORK/tenantctl.yaml, stop them with:" >&2
    echo "#   $BIN sandbox down --dir $WORK/sb; $ROOT/tests/citus/cluster.sh down $WORK/cluster; rm -rf $WORK" >&2
    return
  fi
  if [ -n "$WRITER_PID" ]; then kill "$WRITER_PID" 2>/dev/null || true; wait "$WRITER_PID" 2>/dev/null || true; fi
  "$BIN" sandbox down --dir "$WORK/sb" >/dev/null 2>&1 || true
  "$ROOT/tests/citus/cluster.sh" down "$WORK/cluster" >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
[ "$TENANTS" -ge 10 ] || { echo "at least 10 tenants" >&2; exit 2; }

# Generated event times count back from ANCHOR, the start of the minute the run started in;
# tenantctl's own events (init, tenant.create, ...) come later, so the query windows below,
# which end at ANCHOR, hold only generated events.
ANCHOR=$(($(date +%s) / 60 * 60))

# --- the two servers --------------------------------------------------------------------
URL=$("$BIN" sandbox up --dir "$WORK/sb" 2>/dev/null | tail -1)
S_HOST=$(sed -E 's/.*host=([^&]*).*/\1/' <<<"$URL")
S_PORT=$(sed -E 's/.*port=([0-9]+).*/\1/' <<<"$URL")
"$ROOT/tests/citus/cluster.sh" up "$WORK/cluster" >/dev/null
read -r COORD W1 W2 <"$WORK/cluster/ports"

conninfo() {
  case $1 in
    single) echo "host=$S_HOST port=$S_PORT user=postgres dbname=${2:-bench}" ;;
    citus) echo "host=127.0.0.1 port=$COORD user=postgres dbname=${2:-bench}" ;;
    *) echo "host=127.0.0.1 port=$1 user=postgres dbname=${2:-bench}" ;;  # a Citus node by port
  esac
}
# q WHERE [psql args]: psql (quiet, unaligned, stops at the first error) on the bench database,
# or on database $QDB.
q() {
  local where=$1
  shift
  PGOPTIONS="-c client_min_messages=warning" psql -qAtX -v ON_ERROR_STOP=1 -d "$(conninfo "$where" "${QDB:-bench}")" "$@"
}
QDB=postgres q single -c "CREATE DATABASE bench" >/dev/null
for port in "$COORD" "$W1" "$W2"; do
  QDB=postgres q "$port" -c "CREATE DATABASE bench" >/dev/null
  q "$port" -c "CREATE EXTENSION citus" >/dev/null
done
q citus -c "SELECT citus_set_coordinator_host('127.0.0.1', $COORD)" \
  -c "SELECT citus_add_node('127.0.0.1', $W1)" -c "SELECT citus_add_node('127.0.0.1', $W2)" >/dev/null

export TENANTCTL_MASTER_KEY_SOURCE="file:$WORK/sb/master.key"
cat >"$WORK/tenantctl.yaml" <<YAML
contexts:
  single: {database: "postgresql://postgres@/bench?host=$S_HOST&port=$S_PORT"}
  citus: {database: "postgresql://postgres@127.0.0.1:$COORD/bench"}
audit:
  retention: $((MONTHS + 3))mo
YAML
export TENANTCTL_CONFIG="$WORK/tenantctl.yaml"
unset TENANTCTL_DATABASE_URL PGHOST PGPORT PGDATABASE PGUSER PGSERVICE
tc() {
  local where=$1
  shift
  "$BIN" --context "$where" "$@"
}

ms_since() { echo "($EPOCHREALTIME - $1) * 1000" | bc -l; }
ratio() { echo "$2 / $1" | bc -l; }
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
FAILED=()
fail() { FAILED+=("$1"); echo "  FAILED: $1"; }

echo "# Citus (coordinator 127.0.0.1:$COORD, workers $W1 $W2) vs one server (sandbox), $(nproc) cores"
echo "# $TENANTS tenants, $ROWS audit events over $MONTHS months (bench-hot $((ROWS / 10))), tenants of $BIG app rows"

# --- schema -------------------------------------------------------------------------------
for where in single citus; do tc "$where" -q init >/dev/null; done
ORDERS="CREATE TABLE public.orders (tenant_id uuid NOT NULL, id bigint NOT NULL, customer text NOT NULL,
  amount numeric(12,2) NOT NULL, status text NOT NULL, created_at timestamptz NOT NULL, doc jsonb,
  PRIMARY KEY (tenant_id, id))"
q single -c "$ORDERS"
q citus -c "$ORDERS"
tc citus -q citus distribute >/dev/null

# --- tenants ------------------------------------------------------------------------------
{
  echo "tenants:"
  for slug in bench-hot bench-purge bench-place; do echo "  - {slug: $slug, name: $slug}"; done
  for i in $(seq 1 $((TENANTS - 3))); do printf '  - {slug: bench-%04d, name: Bench %d}\n' "$i" "$i"; done
} >"$WORK/tenants.yaml"
declare -A APPLY_MS
for where in single citus; do
  t=$EPOCHREALTIME
  tc "$where" -q tenant apply -f "$WORK/tenants.yaml" >/dev/null
  APPLY_MS[$where]=$(ms_since "$t")
done

# --- audit events -------------------------------------------------------------------------
SPAN_MS=$((MONTHS * 30 * 86400 * 1000))
iso() { date -u -d "@$1" +%Y-%m-%dT%H:%M:%SZ; }
cat >"$WORK/gen_audit.sql" <<'SQL'
-- Events :lo .. :hi. Event g: bench-hot when g % 10 = 0, else the tenant the hash of g picks
-- among the others (by slug, so the same on both servers); its time is ANCHOR minus
-- (g * a prime) mod SPAN milliseconds: a different millisecond for every g < SPAN.
SET synchronous_commit = off;
INSERT INTO tenantctl.audit_log (tenant_id, occurred_at, actor_type, actor_id, action, resource_type, resource_id,
                                 request_id, ip, user_agent, metadata)
SELECT CASE WHEN g % 10 = 0 THEN k.hot ELSE k.ids[1 + (hashint8(g) & 2147483647) % cardinality(k.ids)] END,
       to_timestamp(:anchor) - ((g * 2654435761) % :span_ms) * interval '1 millisecond',
       'user',
       'user-' || (g % 5000),
       (ARRAY['user.login', 'user.logout', 'doc.create', 'doc.edit', 'doc.delete', 'apikey.create', 'billing.update'])[1 + g % 7],
       (ARRAY['session', 'document', 'api_key', 'invoice'])[1 + g % 4],
       'r-' || (g % 100000),
       md5(g::text),
       ('10.' || (g % 250) || '.' || (g % 200) || '.' || (g % 100))::inet,
       (ARRAY['Mozilla/5.0 (X11; Linux x86_64)', 'curl/8.4.0', 'python-requests/2.31'])[1 + g % 3],
       jsonb_build_object('n', g, 'plan', (ARRAY['free', 'pro', 'enterprise'])[1 + g % 3])
FROM (SELECT (SELECT id FROM tenantctl.tenants WHERE slug = 'bench-hot') AS hot,
             (SELECT array_agg(id ORDER BY slug) FROM tenantctl.tenants
              WHERE slug LIKE 'bench-%' AND slug <> 'bench-hot') AS ids) k,
     generate_series(:lo::bigint, :hi::bigint) g;
SQL
declare -A LOAD_S
for where in single citus; do
  t=$EPOCHREALTIME
  # Partitions for the past months: one marker row per month in the default partition, which
  # `audit partitions ensure` moves into the month it creates.
  q "$where" -c "INSERT INTO tenantctl.audit_log (tenant_id, occurred_at, action)
    SELECT '00000000-0000-0000-0000-000000000000', date_trunc('month', to_timestamp($ANCHOR)) - make_interval(months => g),
    'bench.marker' FROM generate_series(0, $((MONTHS + 1))) g" >/dev/null
  tc "$where" -q audit partitions ensure --ahead 3 >/dev/null
  for ((lo = 1; lo <= ROWS; lo += 1000000)); do
    hi=$((lo + 999999 < ROWS ? lo + 999999 : ROWS))
    q "$where" -v lo=$lo -v hi=$hi -v anchor=$ANCHOR -v span_ms=$SPAN_MS -f "$WORK/gen_audit.sql" >/dev/null
  done
  for slug in bench-purge bench-place; do
    q "$where" -c "INSERT INTO public.orders SELECT t.id, g, 'customer-' || (g % 1000), (g % 10000) / 100.0,
      (ARRAY['new', 'paid', 'shipped', 'cancelled'])[1 + g % 4], to_timestamp($ANCHOR) - g * interval '1 minute',
      jsonb_build_object('n', g, 'sku', 'sku-' || (g % 500))
      FROM tenantctl.tenants t, generate_series(1, $BIG) g WHERE t.slug = '$slug'" >/dev/null
  done
  q "$where" -c "INSERT INTO public.orders SELECT t.id, g, 'customer-' || g, g, 'paid', to_timestamp($ANCHOR), NULL
    FROM tenantctl.tenants t, generate_series(1, 100) g WHERE t.slug NOT IN ('bench-purge', 'bench-place')" >/dev/null
  q "$where" -c "VACUUM ANALYZE tenantctl.audit_log" -c "VACUUM ANALYZE public.orders" >/dev/null
  LOAD_S[$where]=$(echo "$(ms_since "$t") / 1000" | bc -l)
done
for where in single citus; do
  n=$(q "$where" -c "SELECT count(*) FROM tenantctl.audit_log WHERE action <> 'bench.marker' AND occurred_at < to_timestamp($ANCHOR)")
  [ "$n" = "$ROWS" ] || fail "$where holds $n generated audit events, not $ROWS"
done
printf '  %-46s single %8.0f ms   citus %8.0f ms   ratio %5.2f\n' "tenant apply of $TENANTS tenants" \
  "${APPLY_MS[single]}" "${APPLY_MS[citus]}" "$(ratio "${APPLY_MS[single]}" "${APPLY_MS[citus]}")"
printf '  %-46s single %8.0f s    citus %8.0f s    ratio %5.2f\n' "load ($ROWS events, $((2 * BIG + 100 * (TENANTS - 2))) app rows)" \
  "${LOAD_S[single]}" "${LOAD_S[citus]}" "$(ratio "${LOAD_S[single]}" "${LOAD_S[citus]}")"

# --- audit query --------------------------------------------------------------------------
UNTIL=$(iso "$ANCHOR")
D7=$(iso $((ANCHOR - 7 * 86400)))
D30=$(iso $((ANCHOR - 30 * 86400)))
D360=$(iso $((ANCHOR - 360 * 86400)))
QUERY_NAMES=("hot tenant, 7 days, newest 100" "hot tenant, 30 days, --action 'doc.*', 100"
  "hot tenant, 7 days, every row (--limit 0)" "ordinary tenant, 12 months, newest 100")
QUERY_ARGS=("--tenant bench-hot --since $D7 --until $UNTIL --limit 100 -o json"
  "--tenant bench-hot --since $D30 --until $UNTIL --action doc.* --limit 100 -o json"
  "--tenant bench-hot --since $D7 --until $UNTIL --limit 0 -o ndjson"
  "--tenant bench-0042 --since $D360 --until $UNTIL --limit 100 -o json")
echo
echo "## audit query: median whole-process time of $RUNS runs (windows end $UNTIL)"
for i in "${!QUERY_ARGS[@]}"; do
  read -ra args <<<"${QUERY_ARGS[$i]}"
  declare -A times=([single]="" [citus]="")
  for where in single citus; do tc "$where" -q audit query "${args[@]}" >/dev/null; done
  for _ in $(seq 1 "$RUNS"); do
    for where in single citus; do
      t=$EPOCHREALTIME
      tc "$where" -q audit query "${args[@]}" >/dev/null
      times[$where]+=" $(ms_since "$t")"
    done
  done
  # The same rows on both: every field but the ids, in the order printed.
  for where in single citus; do
    tc "$where" -q audit query "${args[@]:0:${#args[@]}-2}" -o ndjson --jq 'del(.id, .tenant_id)' >"$WORK/rows.$where"
  done
  n=$(wc -l <"$WORK/rows.single")
  # shellcheck disable=SC2086
  s=$(median ${times[single]})
  # shellcheck disable=SC2086
  c=$(median ${times[citus]})
  r=$(printf '%.2f' "$(ratio "$s" "$c")")
  verdict=$(echo "$r <= 2.0" | bc -l | sed 's/1/ok/;s/0/MISSED/')
  printf '  %-46s single %8.1f ms   citus %8.1f ms   ratio %5.2f  (target <= 2.0: %s)  %d rows\n' \
    "${QUERY_NAMES[$i]}" "$s" "$c" "$r" "$verdict" "$n"
  echo "      tenantctl audit query ${QUERY_ARGS[$i]}"
  [ "$verdict" = ok ] || fail "audit query (${QUERY_NAMES[$i]}): ratio $r"
  [ "$n" -gt 0 ] || fail "audit query (${QUERY_NAMES[$i]}) returned no rows"
  cmp -s "$WORK/rows.single" "$WORK/rows.citus" ||
    fail "audit query (${QUERY_NAMES[$i]}): results differ (single $n rows, citus $(wc -l <"$WORK/rows.citus") rows)"
  unset times
done

# --- purge --------------------------------------------------------------------------------
echo
echo "## tenant purge of bench-purge ($BIG app rows) after tenant delete --grace 0s"
declare -A PURGE_S
for where in single citus; do
  id=$(q "$where" -c "SELECT id FROM tenantctl.tenants WHERE slug = 'bench-purge'")
  others=$(q "$where" -c "SELECT count(*) FROM public.orders WHERE tenant_id <> '$id'")
  tc "$where" -q tenant delete bench-purge --grace 0s --reason benchmark >/dev/null
  t=$EPOCHREALTIME
  tc "$where" -q --yes tenant purge bench-purge >/dev/null
  PURGE_S[$where]=$(echo "$(ms_since "$t") / 1000" | bc -l)
  left=$(q "$where" -c "SELECT count(*) FROM public.orders WHERE tenant_id = '$id'")
  kept=$(q "$where" -c "SELECT count(*) FROM public.orders WHERE tenant_id <> '$id'")
  status=$(q "$where" -c "SELECT status FROM tenantctl.tenants WHERE id = '$id'")
  { [ "$left" = 0 ] && [ "$kept" = "$others" ] && [ "$status" = purged ]; } ||
    fail "purge on $where: $left rows left, $kept of $others other rows kept, status $status"
done
printf '  %-46s single %8.2f s    citus %8.2f s    ratio %5.2f  (%.0f vs %.0f rows/s)\n' "tenant purge" \
  "${PURGE_S[single]}" "${PURGE_S[citus]}" "$(ratio "${PURGE_S[single]}" "${PURGE_S[citus]}")" \
  "$(echo "$BIG / ${PURGE_S[single]}" | bc -l)" "$(echo "$BIG / ${PURGE_S[citus]}" | bc -l)"

# --- isolate and place on Citus, with a writer --------------------------------------------
cat >"$WORK/writer.c" <<'C'
/* Inserts one row of a tenant every 2 ms (autocommit) until SIGTERM; then prints ok, errors,
 * the longest gap between two successful inserts and the slowest insert (ms), and the first
 * error. Usage: writer CONNINFO TENANT_ID FIRST_ID */
#include <libpq-fe.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
static volatile sig_atomic_t stop;
static void on_term(int sig) { (void)sig; stop = 1; }
static double now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}
int main(int argc, char **argv) {
    if (argc != 4) return 2;
    signal(SIGTERM, on_term);
    PGconn *c = PQconnectdb(argv[1]);
    if (PQstatus(c) != CONNECTION_OK) { fprintf(stderr, "%s", PQerrorMessage(c)); return 7; }
    long long id = atoll(argv[3]), ok = 0, errors = 0;
    double last = now_ms(), max_gap = 0, max_latency = 0;
    char first_error[512] = "", idbuf[32];
    const struct timespec pause = {0, 2000000};
    while (!stop) {
        snprintf(idbuf, sizeof idbuf, "%lld", id++);
        const char *params[2] = {argv[2], idbuf};
        double t = now_ms();
        PGresult *r = PQexecParams(c, "INSERT INTO public.orders (tenant_id, id, customer, amount, status, created_at) "
                                      "VALUES ($1, $2, 'writer', 1, 'new', now())", 2, NULL, params, NULL, NULL, 0);
        double done = now_ms();
        if (PQresultStatus(r) == PGRES_COMMAND_OK) {
            ok++;
            if (done - last > max_gap) max_gap = done - last;
            if (done - t > max_latency) max_latency = done - t;
            last = done;
        } else {
            if (errors++ == 0) snprintf(first_error, sizeof first_error, "%s", PQerrorMessage(c));
            if (PQstatus(c) != CONNECTION_OK) PQreset(c);
        }
        PQclear(r);
        nanosleep(&pause, NULL);
    }
    for (char *p = first_error; *p; p++) if (*p == '\n') *p = ' ';
    printf("%lld %lld %.1f %.1f %s\n", ok, errors, max_gap, max_latency, first_error);
    PQfinish(c);
    return 0;
}
C
cc -O2 -o "$WORK/writer" "$WORK/writer.c" -I/usr/include/postgresql -lpq

PLACE_ID=$(q citus -c "SELECT id FROM tenantctl.tenants WHERE slug = 'bench-place'")
NEXT_ID=$((BIG + 1))
node_of() { tc citus tenant show bench-place -o json --jq '[.shards[].node] | unique | join(",")'; }
# with_writer LABEL CMD...: runs CMD while the writer inserts rows of bench-place, prints the line
# (and what CMD printed on stderr; a failure is reported and the run goes on).
with_writer() {
  local label=$1 t secs ok errors gap latency first present rc=0
  shift
  "$WORK/writer" "$(conninfo citus)" "$PLACE_ID" "$NEXT_ID" >"$WORK/writer.out" &
  WRITER_PID=$!
  sleep 1
  t=$EPOCHREALTIME
  "$@" >/dev/null 2>"$WORK/cmd.err" || rc=$?
  secs=$(echo "$(ms_since "$t") / 1000" | bc -l)
  sleep 1
  kill "$WRITER_PID"
  wait "$WRITER_PID"
  WRITER_PID=
  read -r ok errors gap latency first <"$WORK/writer.out"
  present=$(q citus -c "SELECT count(*) FROM public.orders WHERE tenant_id = '$PLACE_ID' AND id >= $NEXT_ID")
  NEXT_ID=$((NEXT_ID + ok + errors + 1000))
  printf '  %-50s %7.2f s   longest stall %7.0f ms (slowest insert %.0f ms)  writer: %d inserts, %d errors, %d of them there after\n' \
    "$label" "$secs" "$gap" "$latency" "$ok" "$errors" "$present"
  sed 's/^/    /' "$WORK/cmd.err"
  [ "$rc" = 0 ] || fail "$label: \`${*/#tc/tenantctl --context}\` exited $rc"
  [ "$errors" = 0 ] || fail "$label: the writer saw $errors errors, the first: $first"
  [ "$present" = "$ok" ] || fail "$label: the writer wrote $ok rows, $present are there"
  LAST_GAP=$gap
}
echo
echo "## Citus only: bench-place ($BIG app rows) while a writer inserts its rows through the coordinator"
FROM=$(node_of)
with_writer "tenant isolate (was on $FROM)" tc citus -q tenant isolate bench-place
FROM=$(node_of)
case $FROM in
  "127.0.0.1:$W1") TO="127.0.0.1:$W2" ;;
  "127.0.0.1:$W2") TO="127.0.0.1:$W1" ;;
  *) fail "bench-place is on '$FROM' after isolate, not on one worker"; TO="127.0.0.1:$W2" ;;
esac
with_writer "tenant place $FROM -> $TO" tc citus -q tenant place bench-place --node "$TO"
verdict=$(echo "$LAST_GAP < 1000" | bc -l | sed 's/1/ok/;s/0/MISSED/')
echo "    longest stall of place: target < 1000 ms: $verdict"
[ "$verdict" = ok ] || fail "tenant place: longest write stall $LAST_GAP ms (target < 1000 ms)"
[ "$(node_of)" = "$TO" ] || fail "bench-place is on $(node_of) after place, not on $TO"
with_writer "tenant place back, --transfer-mode block_writes" \
  tc citus -q tenant place bench-place --node "$FROM" --transfer-mode block_writes
[ "$(node_of)" = "$FROM" ] || fail "bench-place is on $(node_of) after placing it back, not on $FROM"
total=$(q citus -c "SELECT count(*) FROM public.orders WHERE tenant_id = '$PLACE_ID' AND id <= $BIG")
[ "$total" = "$BIG" ] || fail "bench-place has $total of its $BIG original rows after the moves"

echo
printf '# total bench time %.0f s\n' "$(echo "$EPOCHREALTIME - $STARTED" | bc -l)"
if [ ${#FAILED[@]} -gt 0 ]; then
  printf '# %d check(s) failed:\n' ${#FAILED[@]}
  printf '#   %s\n' "${FAILED[@]}"
  exit 1
fi
