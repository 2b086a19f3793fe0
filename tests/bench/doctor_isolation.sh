#!/usr/bin/env bash
# Benchmark: doctor's isolation checks and probe on a schema of 500 tenant tables with 10
# partitions each (5,500 relations), RLS done right, the app role granted the parents.
#   1. `doctor` (every static check; target under 5 s);
#   2. `doctor --probe` (canary rows in 500 tables, every path tried as the app role; target under 5 s).
# Prints the wall time of each and the number of relations checked.
# Usage: tests/bench/doctor_isolation.sh [path/to/tenantctl] [tables] [partitions]
set -euo pipefail
BIN=$(realpath "${1:-build/tenantctl}")
T=${2:-500}
P=${3:-10}
# shellcheck source=tests/bench/sandbox.sh
source "$(dirname "$0")/sandbox.sh"
bench_sandbox doctor
export TENANTCTL_DATABASE_URL="postgresql://postgres@/postgres?host=$HOST&port=$PORT"
"$BIN" -q init >/dev/null

psql -qX -d postgres >/dev/null <<SQL
DO \$\$ BEGIN CREATE ROLE app NOLOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END \$\$;
DO \$\$
DECLARE t text; lo int; BEGIN
  FOR i IN 1..$T LOOP
    t := format('t%s', lpad(i::text, 4, '0'));
    EXECUTE format('CREATE TABLE public.%I (tenant_id uuid NOT NULL, id bigint NOT NULL, bucket int NOT NULL, '
                   'body text, PRIMARY KEY (tenant_id, id, bucket)) PARTITION BY RANGE (bucket)', t);
    FOR p IN 0..$P - 1 LOOP
      lo := p * 100;
      EXECUTE format('CREATE TABLE public.%I PARTITION OF public.%I FOR VALUES FROM (%s) TO (%s)',
                     t || '_p' || p, t, CASE WHEN p = 0 THEN -2147483648 ELSE lo END,
                     CASE WHEN p = $P - 1 THEN 2147483647 ELSE lo + 100 END);
    END LOOP;
    EXECUTE format('ALTER TABLE public.%I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format('ALTER TABLE public.%I FORCE ROW LEVEL SECURITY', t);
    EXECUTE format('CREATE POLICY tenant_isolation ON public.%I USING '
                   '(tenant_id = nullif(current_setting(''app.tenant_id'', true), '''')::uuid)', t);
    EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON public.%I TO app', t);
    EXECUTE format('INSERT INTO public.%I SELECT gen_random_uuid(), g, g * 97 %% 1000, ''x'' '
                   'FROM generate_series(1, 20) g', t);
  END LOOP;
END \$\$;
ANALYZE;
SQL

now() { date +%s.%N; }
rels=$(psql -qXAt -d postgres -c "SELECT count(*) FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
  JOIN pg_namespace n ON n.oid = c.relnamespace WHERE a.attname = 'tenant_id' AND c.relkind IN ('r', 'p')
  AND n.nspname = 'public'")

t0=$(now)
set +e
"$BIN" doctor -o json >"$WORK/static.json" 2>"$WORK/static.err"
rc_static=$?
t1=$(now)
"$BIN" doctor --probe -o json >"$WORK/probe.json" 2>"$WORK/probe.err"
rc_probe=$?
t2=$(now)
set -e

static_s=$(echo "$t1 - $t0" | bc)
probe_s=$(echo "$t2 - $t1" | bc)
probed=$(/usr/bin/python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))))' "$WORK/probe.json")
leaks=$(/usr/bin/python3 -c 'import json,sys; print(sum(1 for r in json.load(open(sys.argv[1])) if "leak" in (r["read"], r["insert"], r["update"], r["delete"], r["unset"])))' "$WORK/probe.json")
fails=$(/usr/bin/python3 -c 'import json,sys; print(sum(1 for r in json.load(open(sys.argv[1])) if r["status"] == "fail"))' "$WORK/static.json")

printf 'tenant tables: %s parents x %s partitions = %s relations with the tenancy column\n' "$T" "$P" "$rels"
printf 'doctor (static):  %6.2f s  exit %s, %s failure(s)\n' "$static_s" "$rc_static" "$fails"
printf 'doctor --probe:   %6.2f s  exit %s, %s relation(s) in the matrix, %s leaking\n' "$probe_s" "$rc_probe" "$probed" "$leaks"
