#!/usr/bin/env bash
# Benchmark (a): 200 small migrations on one schema, tenantctl migrate up vs sqitch deploy of the
# same SQL, side by side on one throwaway server, and the floor: `psql -1 -f` of the same SQL
# concatenated into one file (one transaction, no ledger). Prints the times and the ratios.
# Usage: [REPS=5] tests/bench/migrate_vs_sqitch.sh [path/to/tenantctl] [count]
set -euo pipefail
BIN=$(realpath "${1:-build/tenantctl}")
N=${2:-200}
command -v sqitch >/dev/null || { echo "sqitch is not installed (apt-get install sqitch)" >&2; exit 2; }
# shellcheck source=tests/bench/sandbox.sh
source "$(dirname "$0")/sandbox.sh"
bench_sandbox migrate
psql -qX -d postgres -c "CREATE DATABASE bench_sqitch" >/dev/null

# The same SQL for both tools: a table, an index and a row per migration.
mkdir -p "$WORK/migrations" "$WORK/sqitch/deploy" "$WORK/sqitch/revert"
cat > "$WORK/sqitch/sqitch.conf" <<CONF
[core]
	engine = pg
[user]
	name = Bench
	email = bench@example.com
CONF
{ echo "%syntax-version=1.0.0"; echo "%project=bench"; echo; } > "$WORK/sqitch/sqitch.plan"
for i in $(seq 1 "$N"); do
  sql="CREATE TABLE bench_$i (id int PRIMARY KEY, v text NOT NULL);
CREATE INDEX bench_${i}_v_idx ON bench_$i (v);
INSERT INTO bench_$i VALUES (1, 'row $i');"
  printf "%s\n" "$sql" >> "$WORK/floor.sql"
  printf -- "-- migrate:up\n%s\n-- migrate:down\nDROP TABLE bench_%s;\n" "$sql" "$i" \
    > "$WORK/migrations/$(printf '20240101%02d%02d%02d' $((i / 3600)) $((i / 60 % 60)) $((i % 60)))_bench_$i.sql"
  # sqitch's own pg template wraps each deploy script in BEGIN/COMMIT.
  printf "BEGIN;\n%s\nCOMMIT;\n" "$sql" > "$WORK/sqitch/deploy/c$i.sql"
  printf "BEGIN;\nDROP TABLE bench_%s;\nCOMMIT;\n" "$i" > "$WORK/sqitch/revert/c$i.sql"
  echo "c$i 2024-01-01T00:00:00Z Bench <bench@example.com> # change $i" >> "$WORK/sqitch/sqitch.plan"
done

now() { date +%s.%N; }
# tenantctl and the floor take a few hundred ms: each is timed REPS times on fresh databases
# and the medians are compared (one run of each swung the ratio by 0.25). sqitch runs once.
REPS=${REPS:-5}
t_init=() t_up=() t_floor=()
for r in $(seq 1 "$REPS"); do
  psql -qX -d postgres -c "CREATE DATABASE bench_t$r" -c "CREATE DATABASE bench_f$r" >/dev/null
  DB_T="postgresql://postgres@/bench_t$r?host=$HOST&port=$PORT"
  t0=$(now)
  TENANTCTL_DATABASE_URL=$DB_T "$BIN" -q init >/dev/null
  tm=$(now)
  TENANTCTL_DATABASE_URL=$DB_T "$BIN" -q migrate up --dir "$WORK/migrations" >/dev/null
  t1=$(now)
  psql -qX -v ON_ERROR_STOP=1 -1 -f "$WORK/floor.sql" -d "bench_f$r" >/dev/null
  t2=$(now)
  t_init+=("$(echo "$t1 - $t0" | bc)") t_up+=("$(echo "$t1 - $tm" | bc)") t_floor+=("$(echo "$t2 - $t1" | bc)")
  [ "$(psql -qXAt -d "bench_f$r" -c "SELECT count(*) FROM pg_tables WHERE tablename LIKE 'bench\_%'")" = "$N" ] \
    || { echo "psql floor did not create $N tables" >&2; exit 1; }
  applied_t=$(psql -qXAt -d "bench_t$r" -c "SELECT count(*) FROM tenantctl.schema_migrations WHERE state = 'applied'")
  [ "$applied_t" = "$N" ] || { echo "not all applied: tenantctl $applied_t" >&2; exit 1; }
done
t1=$(now)
(cd "$WORK/sqitch" && sqitch deploy "db:pg:bench_sqitch" >/dev/null)
t2=$(now)
applied_s=$(psql -qXAt -d bench_sqitch -c "SELECT count(*) FROM sqitch.changes")
[ "$applied_s" = "$N" ] || { echo "not all applied: sqitch $applied_s" >&2; exit 1; }

python3 - "$(echo "$t2 - $t1" | bc)" "$N" "${t_init[*]}" "${t_up[*]}" "${t_floor[*]}" <<'PY'
import statistics, sys
ts, n = float(sys.argv[1]), int(sys.argv[2])
inits, ups, floors = ([float(x) for x in a.split()] for a in sys.argv[3:6])
tt, tu, tf = statistics.median(inits), statistics.median(ups), statistics.median(floors)
print(f"{n} migrations on one schema (same SQL, same server; tenantctl and floor: median of {len(ups)} runs)")
print(f"  tenantctl init + migrate up : {tt:7.3f} s  ({tt / n * 1000:6.2f} ms/migration)")
print(f"  tenantctl migrate up alone  : {tu:7.3f} s  ({tu / n * 1000:6.2f} ms/migration)  runs: "
      + " ".join(f"{x:.3f}" for x in ups))
print(f"  sqitch deploy               : {ts:7.3f} s  ({ts / n * 1000:6.2f} ms/change)")
print(f"  psql -1 -f (the floor)      : {tf:7.3f} s  (one file, one transaction, no ledger)  runs: "
      + " ".join(f"{x:.3f}" for x in floors))
print(f"  ratio (sqitch / tenantctl)  : {ts / tt:7.1f}x  (target: >= 10x)")
# Each run's tenantctl and floor ran back to back: the median of those paired ratios is what
# other load on the machine disturbs least.
paired = statistics.median(u / f for u, f in zip(ups, floors))
print(f"  ratio (tenantctl up / floor): {paired:7.2f}x  median of the paired runs' ratios (goal: <= 1.5x); "
      f"of the medians {tu / tf:.2f}x, init + up {tt / tf:.2f}x")
PY
