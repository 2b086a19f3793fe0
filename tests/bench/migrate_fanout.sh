#!/usr/bin/env bash
# Benchmark (b): schema mode with 1,000 tenant schemas.
#   1. `migrate up` of 3 tenant migrations to all schemas with --parallel 1 and --parallel 4
#      (two identical databases), and the speed-up;
#   2. `migrate status` with nothing pending (target: under 1 s, one ledger query).
# Usage: tests/bench/migrate_fanout.sh [path/to/tenantctl] [tenants]
set -euo pipefail
BIN=$(realpath "${1:-build/tenantctl}")
T=${2:-1000}
# shellcheck source=tests/bench/sandbox.sh
source "$(dirname "$0")/sandbox.sh"
bench_sandbox fanout

mkdir -p "$WORK/migrations"
cat > "$WORK/migrations/20240101000001_notes.sql" <<'SQL'
-- tenantctl:scope=tenant
-- migrate:up
CREATE TABLE notes (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, title text NOT NULL, body text);
-- migrate:down
DROP TABLE notes;
SQL
cat > "$WORK/migrations/20240101000002_notes_created_at.sql" <<'SQL'
-- tenantctl:scope=tenant
-- migrate:up
ALTER TABLE notes ADD COLUMN created_at timestamptz NOT NULL DEFAULT now();
-- migrate:down
ALTER TABLE notes DROP COLUMN created_at;
SQL
cat > "$WORK/migrations/20240101000003_notes_title_idx.sql" <<'SQL'
-- tenantctl:scope=tenant
-- tenantctl:no-transaction
-- migrate:up
CREATE INDEX CONCURRENTLY notes_title_idx ON notes (title);
-- migrate:down
DROP INDEX CONCURRENTLY notes_title_idx;
SQL

now() { date +%s.%N; }
declare -A took
for p in 1 4; do
  db="fanout_p$p"
  psql -qX -d postgres -c "CREATE DATABASE $db" >/dev/null
  url="postgresql://postgres@/$db?host=$HOST&port=$PORT"
  TENANTCTL_DATABASE_URL=$url "$BIN" -q init >/dev/null
  psql -qX -d "$db" >/dev/null <<SQL
INSERT INTO tenantctl.tenants (slug, isolation)
  SELECT 't' || lpad(i::text, 5, '0'), 'schema' FROM generate_series(1, $T) i;
DO \$\$ DECLARE s text; BEGIN
  FOR s IN SELECT 'tenant_' || slug FROM tenantctl.tenants LOOP EXECUTE format('CREATE SCHEMA %I', s); END LOOP;
END \$\$;
SQL
  t0=$(now)
  TENANTCTL_DATABASE_URL=$url "$BIN" -q migrate up --dir "$WORK/migrations" --parallel "$p" >/dev/null
  t1=$(now)
  took[$p]=$(python3 -c "print($t1 - $t0)")
  done_rows=$(psql -qXAt -d "$db" -c "SELECT count(*) FROM tenantctl.schema_migrations WHERE state = 'applied'")
  [ "$done_rows" = "$((T * 3))" ] || { echo "parallel $p: $done_rows ledger rows, expected $((T * 3))" >&2; exit 1; }
done

url="postgresql://postgres@/fanout_p4?host=$HOST&port=$PORT"
best=999
for i in 1 2 3 4 5; do
  t0=$(now)
  TENANTCTL_DATABASE_URL=$url "$BIN" -q migrate status --check --dir "$WORK/migrations" >/dev/null
  t1=$(now)
  best=$(python3 -c "print(min($best, $t1 - $t0))")
done
t0=$(now)
TENANTCTL_DATABASE_URL=$url "$BIN" -q migrate up --dir "$WORK/migrations" --parallel 4 >/dev/null
t1=$(now)
noop_up=$(python3 -c "print($t1 - $t0)")

python3 - "${took[1]}" "${took[4]}" "$best" "$noop_up" "$T" <<'PY'
import sys
p1, p4, status, noop, t = map(float, sys.argv[1:6]); t = int(t)
print(f"{t} tenant schemas, 3 tenant migrations (one CREATE INDEX CONCURRENTLY)")
print(f"  migrate up --parallel 1       : {p1:7.2f} s  ({p1 / t * 1000:6.2f} ms/schema)")
print(f"  migrate up --parallel 4       : {p4:7.2f} s  ({p4 / t * 1000:6.2f} ms/schema)")
print(f"  speed-up                      : {p1 / p4:7.2f}x  (2 cores shared with the server)")
print(f"  migrate status, none pending  : {status:7.3f} s  best of 5 (target: < 1 s)")
print(f"  migrate up, none pending      : {noop:7.3f} s")
PY
