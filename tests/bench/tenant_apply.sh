#!/usr/bin/env bash
# Benchmark (DESIGN section 11): `tenant apply` of 1,000 new tenants in shared mode (target
# under 10 s, including key generation and audit events), re-applying the same file (target
# under 1 s), and, as the peer in the same run, 1,000 sequential `tenant create` invocations.
#
# usage: tests/bench/tenant_apply.sh [BUILD_DIR] [N]
# Starts its own throwaway server (tenantctl sandbox) and removes it afterwards.
set -euo pipefail
BUILD=${1:-build}
N=${2:-1000}
BIN=$(realpath "$BUILD/tenantctl")
WORK=$(mktemp -d /tmp/tenantctl-bench-apply.XXXXXX)
export XDG_STATE_HOME=$WORK/state
cleanup() { "$BIN" sandbox down --dir "$WORK/sandbox" >/dev/null 2>&1 || true; rm -rf "$WORK"; }
trap cleanup EXIT

"$BIN" sandbox up --dir "$WORK/sandbox" --no-init -q >/dev/null
eval "$("$BIN" sandbox env --dir "$WORK/sandbox")"
BASE_URL=$TENANTCTL_DATABASE_URL
export TENANTCTL_ACTOR=bench

fresh_db() {  # fresh_db NAME -> exports TENANTCTL_DATABASE_URL for it, platform installed
    /usr/bin/python3 - "$BASE_URL" "$1" <<'PY'
import os, subprocess, sys
url, name = sys.argv[1], sys.argv[2]
subprocess.run(["psql", url, "-qc", f'DROP DATABASE IF EXISTS "{name}"'], check=True, env={**os.environ, "PGOPTIONS": "-c client_min_messages=warning"})
subprocess.run(["psql", url, "-qc", f'CREATE DATABASE "{name}"'], check=True)
PY
    export TENANTCTL_DATABASE_URL=${BASE_URL/\/postgres\?//$1?}
    "$BIN" init -q >/dev/null
}

/usr/bin/python3 - "$N" >"$WORK/tenants.yaml" <<'PY'
import sys
n = int(sys.argv[1])
print("tenants:")
for i in range(n):
    print(f"  - slug: tenant-{i:05d}\n    name: Tenant {i}\n    plan: {'pro' if i % 3 == 0 else 'free'}\n"
          f"    region: eu-west-1\n    settings: {{max_users: {10 + i % 90}}}\n    flags: {{beta: {'on' if i % 2 else 'off'}}}")
PY

now() { date +%s.%N; }

fresh_db bench_apply
t0=$(now); "$BIN" tenant apply -f "$WORK/tenants.yaml" -q >/dev/null; t1=$(now)
"$BIN" tenant apply -f "$WORK/tenants.yaml" -q >/dev/null; t2=$(now)
created=$(psql "$TENANTCTL_DATABASE_URL" -Atc "SELECT count(*) FROM tenantctl.tenants t JOIN tenantctl.tenant_keys k ON k.tenant_id = t.id")

fresh_db bench_create
t3=$(now)
for ((i = 0; i < N; i++)); do
    "$BIN" tenant create "$(printf 'tenant-%05d' "$i")" --name "Tenant $i" --plan free --region eu-west-1 -q >/dev/null
done
t4=$(now)

/usr/bin/python3 - "$N" "$created" "$t0" "$t1" "$t2" "$t3" "$t4" <<'PY'
import sys
n, created = int(sys.argv[1]), int(sys.argv[2])
t0, t1, t2, t3, t4 = map(float, sys.argv[3:])
apply, reapply, creates = t1 - t0, t2 - t1, t4 - t3
print(f"tenants: {n} (rows with keys after apply: {created})")
print(f"tenant apply, {n} new tenants:      {apply:7.2f} s  (target < 10 s)  {'OK' if apply < 10 else 'SLOW'}")
print(f"tenant apply, same file again:    {reapply:7.2f} s  (target < 1 s)   {'OK' if reapply < 1 else 'SLOW'}")
print(f"{n} sequential tenant create:    {creates:7.2f} s")
print(f"ratio sequential creates / apply:  {creates / apply:7.1f}x")
PY
