#!/usr/bin/env bash
# Benchmark (issue 18): `tenant copy` of one tenant of ROWS rows over 10 tables (default 2M),
# beside the floor an operator would script by hand: per table, `psql \copy (SELECT ... WHERE
# tenant_id = ...) TO STDOUT | psql \copy ... FROM STDIN`, then a count(*) of the tenant's rows
# on both sides (its own verification, the weakest there is: tenantctl checksums every row).
# Two databases of one sandbox server; another tenant holds as many rows again, so the
# tenant's rows are found through the index as in a real database.
# Prints the median wall time of RUNS runs of each, rows/s, the ratio (target >= 1.0) and
# tenantctl's peak RSS (target < 64 MB).
# Then `tenant move`, without and with --online, while the app writes through the contract
# (pgbench, one client on each side: in one transaction, read the tenant's status and insert
# a row only when it is active): the longest gap between two of its committed rows is the
# longest pause the app saw (goal for --online < 1 s), and every row it committed must be at
# the destination.
# Usage: tests/bench/tenant_move.sh [path/to/tenantctl] [rows] [runs]
set -euo pipefail
BIN=$(realpath "${1:-build/tenantctl}")
ROWS=${2:-2000000}
RUNS=${3:-3}
# shellcheck source=tests/bench/sandbox.sh
source "$(dirname "$0")/sandbox.sh"
bench_sandbox move
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

PER_TABLE=$((ROWS / 10))
schema() {
  for i in $(seq 1 10); do
    echo "CREATE TABLE public.t$i (tenant_id uuid NOT NULL, id bigint NOT NULL, name text NOT NULL, qty int,
            price numeric(12,2), created_at timestamptz NOT NULL, tags text[], doc jsonb, PRIMARY KEY (tenant_id, id));"
  done
}
schema | psql -qX -d src >/dev/null
schema | psql -qX -d dst >/dev/null
"$BIN" -q --context src tenant create acme >/dev/null
"$BIN" -q --context src tenant create other >/dev/null
ACME=$(psql -qAtX -d src -c "SELECT id FROM tenantctl.tenants WHERE slug = 'acme'")
OTHER=$(psql -qAtX -d src -c "SELECT id FROM tenantctl.tenants WHERE slug = 'other'")
for i in $(seq 1 10); do
  for t in "$ACME" "$OTHER"; do
    psql -qX -d src -c "INSERT INTO public.t$i SELECT '$t', g, 'item ' || g, g % 100, g * 1.25,
        timestamptz '2026-01-01 00:00:00+00' + g * interval '1 second', ARRAY['a', 'b' || (g % 7)],
        jsonb_build_object('n', g, 'k', 'v' || (g % 13)) FROM generate_series(1, $PER_TABLE) g" >/dev/null
  done
done
psql -qX -d src -c "VACUUM ANALYZE" >/dev/null
echo "# tenant copy of $ROWS rows over 10 tables (another tenant holds as many), $RUNS runs each"

reset_dst() {
  psql -qX -d dst >/dev/null <<SQL
SET session_replication_role = replica;
$(for i in $(seq 1 10); do echo "TRUNCATE public.t$i;"; done)
DELETE FROM tenantctl.audit_log WHERE tenant_id = '$ACME';
DELETE FROM tenantctl.audit_chain WHERE tenant_id = '$ACME';
DELETE FROM tenantctl.audit_keys WHERE tenant_id = '$ACME';
DELETE FROM tenantctl.audit_seals WHERE tenant_id = '$ACME';
DELETE FROM tenantctl.tenant_keys WHERE tenant_id = '$ACME';
DELETE FROM tenantctl.tenants WHERE id = '$ACME';
SQL
  psql -qX -d dst -c "CHECKPOINT" >/dev/null
}

floor_copy() {
  for i in $(seq 1 10); do
    psql -qX -d src -c "\\copy (SELECT * FROM public.t$i WHERE tenant_id = '$ACME') TO STDOUT" |
      psql -qX -d dst -c "\\copy public.t$i FROM STDIN"
    a=$(psql -qAtX -d src -c "SELECT count(*) FROM public.t$i WHERE tenant_id = '$ACME'")
    b=$(psql -qAtX -d dst -c "SELECT count(*) FROM public.t$i WHERE tenant_id = '$ACME'")
    [ "$a" = "$b" ] || { echo "floor: counts differ in t$i ($a vs $b)" >&2; exit 1; }
  done
}

now() { date +%s.%N; }
ours=() floor=() rss=()
for run in $(seq 1 "$RUNS"); do
  reset_dst
  t0=$(now)
  /usr/bin/time -f %M -o "$WORK/rss" "$BIN" -q --context src tenant copy acme --to dst >/dev/null
  t1=$(now)
  ours+=("$(echo "$t1 - $t0" | bc)")
  rss+=("$(cat "$WORK/rss")")
  reset_dst
  t0=$(now)
  floor_copy
  t1=$(now)
  floor+=("$(echo "$t1 - $t0" | bc)")
done
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
O=$(median "${ours[@]}")
F=$(median "${floor[@]}")
R=$(printf '%s\n' "${rss[@]}" | sort -g | tail -1)
printf '  tenantctl tenant copy (checksums every row at both ends)  %7.2f s  %9.0f rows/s  peak RSS %.1f MB\n' \
  "$O" "$(echo "$ROWS / $O" | bc -l)" "$(echo "$R / 1024" | bc -l)"
printf '  psql \\copy | psql \\copy per table + count(*) both sides  %7.2f s  %9.0f rows/s\n' \
  "$F" "$(echo "$ROWS / $F" | bc -l)"
printf '  tenantctl / floor, rows/s: %.2f (target >= 1.0); peak RSS target < 64 MB\n' "$(echo "$F / $O" | bc -l)"

echo "# tenant move while the app writes through the contract (the longest pause it saw; goal for --online < 1 s)"
for db in src dst; do psql -qX -d $db -c "DROP SEQUENCE IF EXISTS writer_seq" >/dev/null 2>&1; done
psql -qX -d src -c "CREATE SEQUENCE writer_seq START 1000000000000" >/dev/null
psql -qX -d dst -c "CREATE SEQUENCE writer_seq START 2000000000000" >/dev/null
cat >"$WORK/writer.sql" <<'SQL'
BEGIN;
SELECT count(*) AS ok FROM tenantctl.tenants WHERE slug = 'acme' AND status = 'active' \gset
\if :ok
INSERT INTO public.t1 (tenant_id, id, name, created_at)
  SELECT id, nextval('writer_seq'), 'writer', clock_timestamp() FROM tenantctl.tenants WHERE slug = 'acme';
\else
\sleep 1 ms
\endif
COMMIT;
SQL
reset_src() {
  psql -qX -d src >/dev/null <<SQL
DELETE FROM public.t1 WHERE tenant_id = '$ACME' AND name = 'writer';
UPDATE tenantctl.tenants SET status = 'active', moving_from_status = NULL, moved_to = NULL, purge_after = NULL,
       status_reason = NULL WHERE slug = 'acme';
SQL
}
move_with_writer() {
  reset_src
  reset_dst
  pgbench -n -c 1 -T 900 -f "$WORK/writer.sql" src >/dev/null 2>&1 & local w1=$!
  pgbench -n -c 1 -T 900 -f "$WORK/writer.sql" dst >/dev/null 2>&1 & local w2=$!
  sleep 1
  local t0 t1
  t0=$(now)
  "$BIN" -v --context src tenant move acme --to dst "$@" >/dev/null 2>"$WORK/move.err"
  t1=$(now)
  sleep 1
  kill "$w1" "$w2"; wait "$w1" "$w2" 2>/dev/null || true
  local here there pause
  here=$(psql -qAtX -d src -c "SELECT count(*) FROM public.t1 WHERE tenant_id = '$ACME' AND name = 'writer'")
  there=$(psql -qAtX -d dst -c "SELECT count(*) FROM public.t1 WHERE tenant_id = '$ACME' AND name = 'writer' AND id < 2000000000000")
  [ "$here" = "$there" ] || { echo "move $*: the app wrote $here rows here, $there of them are there" >&2; exit 1; }
  pause=$(psql -qAtX -d dst -c "SELECT extract(epoch FROM max(gap)) FROM (SELECT created_at - lag(created_at)
            OVER (ORDER BY created_at) AS gap FROM public.t1 WHERE tenant_id = '$ACME' AND name = 'writer') g")
  printf '  tenant move %-9s  %6.2f s in all, longest write pause %6.3f s (%s rows written by the app)\n' \
    "${*:-(offline)}" "$(echo "$t1 - $t0" | bc)" "$pause" \
    "$(psql -qAtX -d dst -c "SELECT count(*) FROM public.t1 WHERE tenant_id = '$ACME' AND name = 'writer'")"
  # Where the pause went: each step from the freeze on, as `tenant move -v` timed it.
  printf '    steps: %s\n' "$(sed -nE 's/^debug: tenant move: (.*) after ([0-9]+) ms$/\1 \2 ms/p' "$WORK/move.err" |
    sed -n '/^froze/,/^activated/p' | paste -sd, | sed 's/,/, /g')"
  sed -nE 's/^debug: tenant move: ([0-9]+ of [0-9]+ fingerprints derived.*)$/    \1/p' "$WORK/move.err"
}
for run in $(seq 1 "$RUNS"); do
  move_with_writer
  move_with_writer --online
done

echo "# the way back: its copy here purged, then moved back into its purged row (audit trail merged)"
t0=$(now)
"$BIN" -q --context src tenant purge acme --force --yes >/dev/null
t1=$(now)
"$BIN" -v --context dst tenant move acme --to src >/dev/null 2>"$WORK/back.err"
t2=$(now)
grep -q "came back into its purged row at --to src" "$WORK/back.err" || { echo "move back: not into its purged row" >&2; exit 1; }
"$BIN" -q --context src tenant diff acme --against dst >/dev/null || { echo "move back: the two sides differ" >&2; exit 1; }
[ "$(psql -qAtX -d src -c "SELECT status FROM tenantctl.tenants WHERE slug = 'acme'")" = active ] ||
  { echo "move back: not active here" >&2; exit 1; }
printf '  tenant purge of the copy left here   %6.2f s\n' "$(echo "$t1 - $t0" | bc)"
printf '  tenant move back (offline)           %6.2f s   steps: %s\n' "$(echo "$t2 - $t1" | bc)" \
  "$(sed -nE 's/^debug: tenant move: (.*) after ([0-9]+) ms$/\1 \2 ms/p' "$WORK/back.err" | paste -sd, | sed 's/,/, /g')"
