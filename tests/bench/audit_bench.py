#!/usr/bin/python3
"""Audit log benchmark (DESIGN section 11), peers measured side by side in one run.

    tests/bench/audit_bench.py [--events 10000000] [--tenants 500] [--months 12] [--hot 1000000]

Starts its own sandbox server (tenantctl sandbox up), fills it with the generator
(gen_audit.sql: server-side generate_series, one INSERT per million rows, NOTIFY trigger off
for the load), and prints:
  1. `audit query --tenant T --since 30d --limit 100 -o json`: median whole-process time of
     tenantctl vs psql running the ideal SQL vs psql on an unpartitioned copy without index;
  2. `audit seal` of everything, then `audit verify` of the hot tenant (--hot events);
  3. appends/s from 4 concurrent writers (pgbench, the README's prepared INSERT, one event per
     transaction, NOTIFY trigger on) while `audit seal` runs in a loop.
"""
import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.environ.get("TENANTCTL", os.path.join(ROOT, "build", "tenantctl"))


def run(args, env=None, check=True, capture=True):
    r = subprocess.run(args, env=env, stdout=subprocess.PIPE if capture else None,
                       stderr=subprocess.PIPE if capture else None, text=True)
    if check and r.returncode != 0:
        sys.exit(f"failed: {' '.join(args)}\n{r.stderr}")
    return r


def timed(args, env):
    t = time.perf_counter()
    subprocess.run(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    return time.perf_counter() - t


def median_time(args, env, n):
    timed(args, env)  # warm the cache
    return statistics.median(timed(args, env) for _ in range(n))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--events", type=int, default=10_000_000)
    ap.add_argument("--tenants", type=int, default=500)
    ap.add_argument("--months", type=int, default=12)
    ap.add_argument("--hot", type=int, default=None, help="events of one hot tenant (default events/10)")
    ap.add_argument("--runs", type=int, default=15)
    ap.add_argument("--keep", action="store_true", help="keep the sandbox")
    a = ap.parse_args()
    hot = a.hot if a.hot is not None else a.events // 10

    state = tempfile.mkdtemp(prefix="tenantctl-audit-bench-")
    env = dict(os.environ, HOME=state, XDG_STATE_HOME=state)
    url = run([BIN, "sandbox", "up", "--dir", state + "/sb"], env).stdout.strip().splitlines()[-1]
    env["TENANTCTL_DATABASE_URL"] = url
    env["TENANTCTL_MASTER_KEY_SOURCE"] = f"file:{state}/sb/master.key"
    cfg = os.path.join(state, "tenantctl.yaml")
    with open(cfg, "w") as f:
        f.write("audit:\n  retention: 3y\n")
    env["TENANTCTL_CONFIG"] = cfg
    psql = shutil.which("psql") or "/usr/lib/postgresql/15/bin/psql"
    try:
        print(f"# {a.events:,} events, {a.tenants} tenants, {a.months} months, hot tenant {hot:,} events")
        t = time.perf_counter()
        with open(os.path.join(os.path.dirname(__file__), "gen_audit.sql")) as f:
            gen = f.read()
        # Partitions for the past months: one marker row per month, moved by `ensure`.
        run([psql, url, "-qAt", "-v", "ON_ERROR_STOP=1", "-c",
             "INSERT INTO tenantctl.audit_log (tenant_id, occurred_at, action) SELECT "
             "'00000000-0000-0000-0000-000000000000', date_trunc('month', now()) - make_interval(months => g), "
             f"'bench.marker' FROM generate_series(1, {a.months}) g"], env)
        run([BIN, "audit", "partitions", "ensure", "--ahead", "1", "-q"], env)
        chunk = 1_000_000
        for start in range(0, a.events, chunk):
            n = min(chunk, a.events - start)
            subprocess.run([psql, url, "-qAt", "-v", "ON_ERROR_STOP=1", "-v", f"n={n}", "-v", f"tenants={a.tenants}",
                            "-v", f"months={a.months}", "-v", f"hot={hot * n // a.events}",
                            "-v", f"first={'true' if start == 0 else 'false'}"],
                           input=gen, text=True, env=env, check=True, stdout=subprocess.DEVNULL)
            print(f"  generated {start + n:,} events ({time.perf_counter() - t:.0f} s)", flush=True)
        run([psql, url, "-qAt", "-c", "ANALYZE tenantctl.audit_log"], env)
        run([psql, url, "-qAt", "-c", "CREATE TABLE public.audit_flat AS SELECT * FROM tenantctl.audit_log; "
             "ANALYZE public.audit_flat"], env)
        print(f"# load + unpartitioned copy: {time.perf_counter() - t:.0f} s")

        tenant_id = run([psql, url, "-qAt", "-c", "SELECT id FROM tenantctl.tenants WHERE slug = 'bench-42'"],
                        env).stdout.strip()
        cols = ("id, occurred_at, tenant_id, actor_type, actor_id, action, resource_type, resource_id, "
                "request_id, ip, user_agent, metadata")
        ideal = (f"SELECT {cols} FROM tenantctl.audit_log WHERE tenant_id = '{tenant_id}' "
                 "AND occurred_at >= now() - interval '30 days' AND occurred_at < now() "
                 "ORDER BY occurred_at DESC, id LIMIT 100")
        flat = ideal.replace("tenantctl.audit_log", "public.audit_flat")
        ours = median_time([BIN, "audit", "query", "--tenant", "bench-42", "--since", "30d", "--limit", "100",
                            "-o", "json"], env, a.runs)
        ps = median_time([psql, url, "-qAt", "-c", ideal], env, a.runs)
        fl = median_time([psql, url, "-qAt", "-c", flat], env, max(3, a.runs // 5))
        rows = len(run([psql, url, "-qAt", "-c", ideal], env).stdout.splitlines())
        print("\n## audit query --tenant bench-42 --since 30d --limit 100 -o json "
              f"(median whole-process time, {rows} rows)")
        print(f"  tenantctl                      {ours * 1000:8.1f} ms")
        print(f"  psql, ideal SQL                {ps * 1000:8.1f} ms   tenantctl/psql = {ours / ps:.2f} (target <= 1.5)")
        print(f"  psql, unpartitioned, no index  {fl * 1000:8.1f} ms   flat/tenantctl = {fl / ours:.0f}x (target >= 50)")

        t = time.perf_counter()
        run([BIN, "audit", "seal", "--settle", "0s", "-q"], env)
        seal_s = time.perf_counter() - t
        # The seal just wrote 10M chain rows: let VACUUM ANALYZE do now what autovacuum would
        # otherwise do during the measurement (set hint bits, build the visibility map).
        run([psql, url, "-qAt", "-c", "VACUUM ANALYZE tenantctl.audit_chain"], env)
        t = time.perf_counter()
        v = run([BIN, "audit", "verify", "--tenant", "bench-hot", "-o", "json"], env)
        verify_s = time.perf_counter() - t
        print(f"\n## audit seal of {a.events:,} events: {seal_s:.1f} s ({a.events / seal_s:,.0f} events/s)")
        print(f"## audit verify --tenant bench-hot ({hot:,} events): {verify_s:.2f} s (target < 5 s)  {v.stdout.strip()}")

        # Appends while sealing: pgbench, 4 clients, one event per transaction, each the
        # README's application INSERT as a prepared statement (the tenant id is a parameter,
        # as in the app; bench-N's id is computable, see gen_audit.sql).
        script = os.path.join(state, "append.sql")
        with open(script, "w") as f:
            f.write("\\set t random(100000000001, %d)\n"
                    "\\set r random(1, 1000000000)\n"
                    "INSERT INTO tenantctl.audit_log (tenant_id, actor_type, actor_id, action, resource_type, "
                    "resource_id, request_id, ip, user_agent, metadata) VALUES "
                    "(('00000000-0000-4000-8000-' || :t)::uuid, 'user', 'user-' || :t, 'user.login', 'session', "
                    "'session-' || :r, NULL, '10.1.2.3', 'Mozilla/5.0', '{\"k\": 1}');\n"
                    % (100000000000 + a.tenants))
        sealer = subprocess.Popen(["sh", "-c", f"while :; do '{BIN}' audit seal --settle 1s -q >/dev/null; done"],
                                  env=env, start_new_session=True)
        pgbench = shutil.which("pgbench") or "/usr/lib/postgresql/15/bin/pgbench"
        out = run([pgbench, "-n", "-M", "prepared", "-c", "4", "-j", "2", "-T", "10", "-f", script, url], env).stdout
        os.killpg(sealer.pid, 15)  # the loop and the seal it is running
        sealer.wait()
        tps = next(l for l in out.splitlines() if l.startswith("tps")).split()[2]
        print(f"\n## appends from 4 concurrent writers while `audit seal` loops: {float(tps):,.0f} events/s "
              "(target >= 10,000)")
    finally:
        if not a.keep:
            run([BIN, "sandbox", "down", "--dir", state + "/sb"], env, check=False)
            shutil.rmtree(state, ignore_errors=True)


if __name__ == "__main__":
    main()
