#!/usr/bin/env bash
# GDPR export benchmarks (DESIGN section 11), side by side in one run:
#   1. whole-tenant export of a tenant with BIG_ROWS rows (default 2M): tenantctl
#      `gdpr export --all` (NDJSON in tar.gz, gzip level 1) against psql `\copy` of the same
#      rows to an uncompressed CSV file; prints rows/s of both, the ratio, and peak RSS
#      (target: ratio >= 0.8, tenantctl peak RSS < 64 MB);
#   2. subject export of one person with 10k rows over 10 tables in a TOTAL_ROWS database
#      (default 10M; set TOTAL_ROWS=2000000 on a slow shared machine and say so).
# Usage: tests/bench/gdpr_export.sh [path/to/tenantctl]
set -euo pipefail
BIN=$(readlink -f "${1:-build/tenantctl}")
TOTAL_ROWS=${TOTAL_ROWS:-10000000}
BIG_ROWS=${BIG_ROWS:-2000000}
WORK=$(mktemp -d /tmp/tenantctl-gdpr-bench.XXXXXX)
chmod 755 "$WORK"
SANDBOX="$WORK/sandbox"
cleanup() { "$BIN" sandbox down --dir "$SANDBOX" >/dev/null 2>&1 || true; rm -rf "$WORK"; }
trap cleanup EXIT

"$BIN" sandbox up --dir "$SANDBOX" >/dev/null
eval "$("$BIN" sandbox env --dir "$SANDBOX")"
URL=$TENANTCTL_DATABASE_URL
export PGOPTIONS='-c client_min_messages=warning'
psql() { command psql -X -q -v ON_ERROR_STOP=1 "$URL" "$@"; }

PER_TABLE=$((TOTAL_ROWS / 10))
BIG_PER_TABLE=$((BIG_ROWS / 10))
echo "generating: 10 tables x $PER_TABLE rows (total $TOTAL_ROWS); tenant 'big' has $BIG_ROWS of them" >&2
T0=$(date +%s)
psql <<SQL
INSERT INTO tenantctl.tenants (id, slug) VALUES ('00000000-0000-4000-8000-000000000001', 'big'),
                                                ('00000000-0000-4000-8000-000000000002', 'rest');
CREATE TABLE users (tenant_id uuid NOT NULL, id uuid PRIMARY KEY, email text NOT NULL, full_name text);
INSERT INTO users SELECT CASE WHEN g % 5 = 0 THEN '00000000-0000-4000-8000-000000000001'::uuid
                              ELSE '00000000-0000-4000-8000-000000000002'::uuid END,
                         md5(g::text)::uuid, 'user' || g || '@example.com', 'User ' || g
                  FROM generate_series(1, 100000) g;
-- the subject: user 5 (tenant big)
CREATE INDEX ON users (tenant_id, email);
SQL
for i in 0 1 2 3 4 5 6 7 8 9; do
psql <<SQL
CREATE TABLE t$i (tenant_id uuid NOT NULL, id bigint PRIMARY KEY, user_id uuid NOT NULL REFERENCES users (id),
                  title text, amount numeric, created_at timestamptz NOT NULL);
-- The first BIG_PER_TABLE rows belong to tenant big; 1000 of them to the subject (user 5).
INSERT INTO t$i SELECT CASE WHEN g <= $BIG_PER_TABLE THEN '00000000-0000-4000-8000-000000000001'::uuid
                            ELSE '00000000-0000-4000-8000-000000000002'::uuid END,
                       g,
                       CASE WHEN g <= 1000 THEN md5('5')::uuid
                            WHEN g <= $BIG_PER_TABLE THEN md5((5 * (1 + g % 19999) + 5)::text)::uuid
                            ELSE md5((1 + g % 100000)::text)::uuid END,
                       'title of row ' || g, (g % 1000) / 10.0, '2024-01-01'::timestamptz + g * interval '1 s'
                FROM generate_series(1, $PER_TABLE) g;
CREATE INDEX ON t$i (user_id);
CREATE INDEX ON t$i (tenant_id);
SQL
done
psql -c "VACUUM ANALYZE"
echo "generated in $(( $(date +%s) - T0 )) s" >&2

CFG="$WORK/tenantctl.yaml"
{
  echo "data:"
  echo "  subjects: {table: users, key: id, lookup: [email]}"
  echo "  tables:"
  echo "    users: {subject: id, pii: [email, full_name], erase: anonymize}"
  for i in 0 1 2 3 4 5 6 7 8 9; do echo "    t$i: {subject: user_id, pii: [title], non_pii: [amount, created_at], erase: delete}"; done
} > "$CFG"

TIME=/usr/bin/time
BIG=00000000-0000-4000-8000-000000000001

echo
echo "== whole-tenant export: $BIG_ROWS rows of tenant big (+ its users) =="
# Peer: psql \copy of the same rows (same tables, same tenant filter) to uncompressed CSV.
$TIME -f "%e %M" -o "$WORK/psql.time" bash -c "
  for i in 0 1 2 3 4 5 6 7 8 9; do
    command psql -X -q '$URL' -c \"\\\\copy (SELECT * FROM t\$i WHERE tenant_id = '$BIG') TO '$WORK/psql_t\$i.csv' CSV\"
  done
  command psql -X -q '$URL' -c \"\\\\copy (SELECT * FROM users WHERE tenant_id = '$BIG') TO '$WORK/psql_users.csv' CSV\""
ROWS=$((BIG_ROWS + 20000))
read -r PSQL_S PSQL_KB < "$WORK/psql.time"
CSV_BYTES=$(cat "$WORK"/psql_*.csv | wc -c)
printf 'psql \\copy to CSV:               %6.2f s  %10.0f rows/s  (%d MB uncompressed)\n' "$PSQL_S" \
  "$(echo "$ROWS / $PSQL_S" | bc -l)" $((CSV_BYTES / 1000000))
for ext in tar.zst tar.gz; do
  $TIME -v -o "$WORK/tenantctl.time" "$BIN" -q -c "$CFG" gdpr export --tenant big --all -O "$WORK/big.$ext" >/dev/null
  TC_S=$(awk -F': ' '/Elapsed \(wall clock\)/ {n=split($2,a,":"); s=0; for(i=1;i<=n;i++) s=s*60+a[i]; print s}' "$WORK/tenantctl.time")
  TC_KB=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$WORK/tenantctl.time")
  python3 - "$ROWS" "$PSQL_S" "$TC_S" "$TC_KB" "$WORK/big.$ext" "$ext" <<'PY'
import os, sys
rows, psql_s, tc_s, tc_kb, path, ext = int(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4]), sys.argv[5], sys.argv[6]
print(f"tenantctl export --all ({ext}): {tc_s:6.2f} s  {rows/tc_s:10,.0f} rows/s  ({os.path.getsize(path)/1e6:.0f} MB, NDJSON)"
      f"  ratio {psql_s/tc_s:.2f}x (target >= 0.8x)  peak RSS {tc_kb/1024:.1f} MB (target < 64 MB)")
PY
done

echo
echo "== subject export: 10k rows over 10 tables in a $TOTAL_ROWS-row database =="
SUBJECT="email:user5@example.com"
"$BIN" -q -c "$CFG" gdpr export --tenant big --subject "$SUBJECT" --format json >/dev/null  # warm the cache
for run in 1 2 3; do
  $TIME -f "%e" -o "$WORK/subject.time" "$BIN" -q -c "$CFG" gdpr export --tenant big --subject "$SUBJECT" \
      -O "$WORK/subject$run.zip" >/dev/null
  echo "run $run: $(cat "$WORK/subject.time") s (target < 1 s)"
done
python3 -c "import zipfile,json,sys; m=json.loads(zipfile.ZipFile(sys.argv[1]).read('manifest.json')); print('rows exported:', sum(f.get('rows',0) for f in m['files'] if f['name'].startswith('data/')))" "$WORK/subject1.zip"
