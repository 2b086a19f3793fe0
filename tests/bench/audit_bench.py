#!/usr/bin/python3
"""Audit log benchmark (DESIGN section 11, issue 15), peers measured side by side in one run.

    tests/bench/audit_bench.py [--events 10000000] [--tenants 500] [--months 36] [--hot EVENTS/10]
                               [--runs 15] [--no-partman] [--flat] [--keep]

    e.g. the 100M run: tests/bench/audit_bench.py --events 100000000   (500 tenants, 36 months,
    hot tenant 10M)

Starts its own sandbox server (tenantctl sandbox up), fills it with the generator
(gen_audit.sql: server-side generate_series, one INSERT per million rows, NOTIFY trigger off
for the load), and prints, each with the peak RSS of the measured process (wait4, in a small C
launcher):
  1. `audit query --tenant T --since 30d --limit 100 -o json`: median whole-process time of
     tenantctl vs psql running the ideal SQL vs a tiny C program linking only libpq running the
     same SQL (the floor; built here with cc -lpq); with --flat also psql on an unpartitioned
     copy without index;
  2. `audit seal` of everything (events/s), then `audit verify` of the hot tenant, against the
     plain read: psql reading the same events and ledger rows at once, unordered, to /dev/null;
  3. `audit partitions prune` of one full month with its archive (fsync, read-back), while 4
     writers append (pgbench, the README's prepared INSERT, one event per transaction), then the
     next month while `audit seal` loops as well: appends/s and the longest append, i.e. the lock
     time a writer saw; the writers are first measured alone, the machine's ceiling for them;
  4. pg_partman side by side (installs postgresql-15-partman with apt-get when missing; skip with
     --no-partman): the same events in a table managed by partman.create_parent +
     run_maintenance with 13 months retention, against `audit partitions ensure` + `prune
     --older-than 13mo --archive` on tenantctl's table, each with a writer appending meanwhile:
     time of the maintenance run, longest append, rows dropped, rows archived, rows kept
     (including rows older than the first partition, which sit in the default partition).
"""
import argparse
import glob
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.environ.get("TENANTCTL", os.path.join(ROOT, "build", "tenantctl"))

FLOOR_C = r"""
/* The floor: one libpq connection, one query, rows written to stdout, nothing else. */
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
int main(int argc, char **argv) {
    PGconn *c = PQconnectdb(argv[1]);
    if (PQstatus(c) != CONNECTION_OK) { fprintf(stderr, "%s", PQerrorMessage(c)); return 7; }
    PGresult *r = PQexec(c, argv[2]);
    if (PQresultStatus(r) != PGRES_TUPLES_OK) { fprintf(stderr, "%s", PQerrorMessage(c)); return 1; }
    int n = PQntuples(r), f = PQnfields(r);
    for (int i = 0; i < n; i++)
        for (int j = 0; j < f; j++) {
            fputs(PQgetvalue(r, i, j), stdout);
            fputc(j + 1 < f ? '\t' : '\n', stdout);
        }
    PQclear(r);
    PQfinish(c);
    return 0;
}
"""

# What the chain covers of an event (core/audit/chain_rows.hpp, kChainEventColumns).
CHAIN_EVENT_COLUMNS = ("id, occurred_at, actor_type, actor_id, action, resource_type, resource_id, request_id, ip, "
                       "user_agent, metadata, pseudonyms")

RSS_C = r"""
/* Runs argv[2..] and writes its peak RSS (kB) to the file argv[1]. A child forked by Python
 * itself would report at least Python's own RSS: Linux keeps the pre-exec peak. */
#include <stdio.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
int main(int argc, char **argv) {
    pid_t pid = fork();
    if (pid == 0) { execvp(argv[2], argv + 2); _exit(127); }
    int status; struct rusage ru;
    if (wait4(pid, &status, 0, &ru) < 0) return 126;
    FILE *f = fopen(argv[1], "w");
    fprintf(f, "%ld\n", ru.ru_maxrss);
    fclose(f);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
"""
RSS_LAUNCHER = None  # built in main()


def run(args, env=None, check=True, capture=True, input=None):
    r = subprocess.run(args, env=env, stdout=subprocess.PIPE if capture else None,
                       stderr=subprocess.PIPE if capture else None, text=True, input=input)
    if check and r.returncode != 0:
        sys.exit(f"failed: {' '.join(args)}\n{r.stderr}")
    return r


def measured(args, env, stdout=subprocess.DEVNULL):
    """Runs a process; returns (seconds, peak RSS in MB, exit code)."""
    with tempfile.TemporaryFile() as errf, tempfile.NamedTemporaryFile(mode="r") as rssf:
        # A file, not a pipe, for stderr: a chatty child never blocks.
        t = time.perf_counter()
        p = subprocess.run([RSS_LAUNCHER, rssf.name] + args, env=env, stdout=stdout, stderr=errf)
        dt = time.perf_counter() - t
        errf.seek(0)
        err = errf.read().decode(errors="replace")
        rss_kb = int(rssf.read().strip() or 0)
    if p.returncode != 0:
        sys.exit(f"failed ({p.returncode}): {' '.join(args)}\n{err}")
    return dt, rss_kb / 1024, p.returncode


def median_measured(args, env, n):
    measured(args, env)  # warm the cache
    xs = [measured(args, env) for _ in range(n)]
    return statistics.median(x[0] for x in xs), max(x[1] for x in xs)


class Writers:
    """4 pgbench clients appending one event per transaction, in 3 s chunks until stopped;
    per-transaction logs give the rate and the longest append (the lock time a writer saw)."""

    def __init__(self, url, env, state, table, tenants):
        self.url, self.env, self.state = url, env, state
        self.script = os.path.join(state, f"append-{table.replace('.', '_')}.sql")
        with open(self.script, "w") as f:
            f.write("\\set t random(100000000001, %d)\n"
                    "\\set r random(1, 1000000000)\n"
                    "INSERT INTO %s (tenant_id, actor_type, actor_id, action, resource_type, "
                    "resource_id, request_id, ip, user_agent, metadata) VALUES "
                    "(('00000000-0000-4000-8000-' || :t)::uuid, 'user', 'user-' || :t, 'user.login', 'session', "
                    "'session-' || :r, NULL, '10.1.2.3', 'Mozilla/5.0', '{\"k\": 1}');\n"
                    % (100000000000 + tenants, table))
        self.stop_flag = threading.Event()
        self.count = 0
        self.max_latency_ms = 0.0
        self.seconds = 0.0
        self.thread = threading.Thread(target=self.loop)

    def loop(self):
        pgbench = shutil.which("pgbench") or "/usr/lib/postgresql/15/bin/pgbench"
        prefix = os.path.join(self.state, "pgb")
        while not self.stop_flag.is_set():
            for f in glob.glob(prefix + "*"):
                os.unlink(f)
            t = time.perf_counter()
            subprocess.run([pgbench, "-n", "-M", "prepared", "-c", "4", "-j", "2", "-T", "3", "-l",
                            "--log-prefix", prefix, "-f", self.script, self.url], env=self.env,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=self.state)
            self.seconds += time.perf_counter() - t
            for f in glob.glob(prefix + "*"):
                with open(f) as fh:
                    for line in fh:
                        parts = line.split()
                        if len(parts) >= 3:
                            self.count += 1
                            self.max_latency_ms = max(self.max_latency_ms, int(parts[2]) / 1000)

    def __enter__(self):
        self.thread.start()
        time.sleep(1)
        return self

    def __exit__(self, *exc):
        self.stop_flag.set()
        self.thread.join()

    def summary(self):
        rate = self.count / self.seconds if self.seconds else 0
        return f"{rate:,.0f} appends/s, longest append {self.max_latency_ms:,.0f} ms"


def psql_value(psql, url, env, sql):
    return run([psql, url, "-qAt", "-v", "ON_ERROR_STOP=1", "-c", sql], env).stdout.strip()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--events", type=int, default=10_000_000)
    ap.add_argument("--tenants", type=int, default=500)
    ap.add_argument("--months", type=int, default=36)
    ap.add_argument("--hot", type=int, default=None, help="events of one hot tenant (default events/10)")
    ap.add_argument("--runs", type=int, default=15)
    ap.add_argument("--flat", action="store_true", help="also query an unpartitioned copy without index")
    ap.add_argument("--no-partman", action="store_true", help="skip the pg_partman comparison")
    ap.add_argument("--keep", action="store_true", help="keep the sandbox")
    a = ap.parse_args()
    hot = a.hot if a.hot is not None else a.events // 10
    started = time.perf_counter()

    if not a.no_partman and not os.path.exists("/usr/share/postgresql/15/extension/pg_partman.control"):
        print("# installing postgresql-15-partman", flush=True)
        run(["apt-get", "install", "-y", "-q", "postgresql-15-partman"],
            dict(os.environ, DEBIAN_FRONTEND="noninteractive"))

    state = tempfile.mkdtemp(prefix="tenantctl-audit-bench-")
    env = dict(os.environ, HOME=state, XDG_STATE_HOME=state)
    url = run([BIN, "sandbox", "up", "--dir", state + "/sb"], env).stdout.strip().splitlines()[-1]
    env["TENANTCTL_DATABASE_URL"] = url
    env["TENANTCTL_MASTER_KEY_SOURCE"] = f"file:{state}/sb/master.key"
    cfg = os.path.join(state, "tenantctl.yaml")
    with open(cfg, "w") as f:
        f.write(f"audit:\n  retention: {a.months + 2}mo\n")
    env["TENANTCTL_CONFIG"] = cfg
    psql = shutil.which("psql") or "/usr/lib/postgresql/15/bin/psql"
    floor = os.path.join(state, "floor")
    with open(floor + ".c", "w") as f:
        f.write(FLOOR_C)
    run(["cc", "-O2", "-o", floor, floor + ".c", "-I/usr/include/postgresql", "-lpq"])
    global RSS_LAUNCHER
    RSS_LAUNCHER = os.path.join(state, "rss")
    with open(RSS_LAUNCHER + ".c", "w") as f:
        f.write(RSS_C)
    run(["cc", "-O2", "-o", RSS_LAUNCHER, RSS_LAUNCHER + ".c"])
    try:
        print(f"# {a.events:,} events, {a.tenants} tenants, {a.months} months, hot tenant {hot:,} events")
        t = time.perf_counter()
        with open(os.path.join(os.path.dirname(__file__), "gen_audit.sql")) as f:
            gen = f.read()
        # Partitions for the past months: one marker row per month, moved by `ensure`.
        psql_value(psql, url, env,
                   "INSERT INTO tenantctl.audit_log (tenant_id, occurred_at, action) SELECT "
                   "'00000000-0000-0000-0000-000000000000', date_trunc('month', now()) - make_interval(months => g), "
                   f"'bench.marker' FROM generate_series(0, {a.months + 1}) g")
        run([BIN, "audit", "partitions", "ensure", "--ahead", "3", "-q"], env)
        chunk = 1_000_000
        for start in range(0, a.events, chunk):
            n = min(chunk, a.events - start)
            subprocess.run([psql, url, "-qAt", "-v", "ON_ERROR_STOP=1", "-v", f"n={n}", "-v", f"tenants={a.tenants}",
                            "-v", f"months={a.months}", "-v", f"hot={hot * n // a.events}",
                            "-v", f"first={'true' if start == 0 else 'false'}"],
                           input=gen, text=True, env=env, check=True, stdout=subprocess.DEVNULL)
            if (start // chunk) % 5 == 4 or start + n == a.events:
                print(f"  generated {start + n:,} events ({time.perf_counter() - t:.0f} s)", flush=True)
        psql_value(psql, url, env, "VACUUM ANALYZE tenantctl.audit_log")
        if a.flat:
            psql_value(psql, url, env, "CREATE TABLE public.audit_flat AS SELECT * FROM tenantctl.audit_log; "
                                       "ANALYZE public.audit_flat")
        parts = psql_value(psql, url, env, "SELECT count(*) FROM pg_inherits WHERE inhparent = "
                                           "'tenantctl.audit_log'::regclass")
        print(f"# load: {time.perf_counter() - t:.0f} s, {parts} partitions, "
              f"{psql_value(psql, url, env, 'SELECT pg_size_pretty(pg_total_relation_size(' + chr(39) + 'tenantctl.audit_log' + chr(39) + '::regclass) + coalesce((SELECT sum(pg_total_relation_size(inhrelid)) FROM pg_inherits WHERE inhparent = ' + chr(39) + 'tenantctl.audit_log' + chr(39) + '::regclass), 0))')}")

        # 1. query
        tenant_id = psql_value(psql, url, env, "SELECT id FROM tenantctl.tenants WHERE slug = 'bench-42'")
        cols = ("id, occurred_at, tenant_id, actor_type, actor_id, action, resource_type, resource_id, "
                "request_id, ip, user_agent, metadata")
        ideal = (f"SELECT {cols} FROM tenantctl.audit_log WHERE tenant_id = '{tenant_id}' "
                 "AND occurred_at >= now() - interval '30 days' AND occurred_at < now() "
                 "ORDER BY occurred_at DESC, id LIMIT 100")
        ours, ours_rss = median_measured([BIN, "audit", "query", "--tenant", "bench-42", "--since", "30d", "--limit",
                                          "100", "-o", "json"], env, a.runs)
        ps, ps_rss = median_measured([psql, url, "-qAt", "-c", ideal], env, a.runs)
        fl, fl_rss = median_measured([floor, url, ideal], env, a.runs)
        rows = len(run([floor, url, ideal], env).stdout.splitlines())
        print(f"\n## audit query --tenant bench-42 --since 30d --limit 100 -o json ({rows} rows; median "
              f"whole-process time of {a.runs} runs)")
        print(f"  tenantctl                 {ours * 1000:8.1f} ms  peak RSS {ours_rss:6.1f} MB   "
              f"tenantctl/libpq = {ours / fl:.2f} (target <= 1.5)")
        print(f"  psql, ideal SQL           {ps * 1000:8.1f} ms  peak RSS {ps_rss:6.1f} MB   "
              f"tenantctl/psql = {ours / ps:.2f} (target < 1)")
        print(f"  C + libpq only (floor)    {fl * 1000:8.1f} ms  peak RSS {fl_rss:6.1f} MB")
        if a.flat:
            flat = ideal.replace("tenantctl.audit_log", "public.audit_flat")
            fq, _ = median_measured([psql, url, "-qAt", "-c", flat], env, max(3, a.runs // 5))
            print(f"  psql, unpartitioned, no index {fq * 1000:8.1f} ms   flat/tenantctl = {fq / ours:.0f}x")

        # 2. seal and verify
        total = int(psql_value(psql, url, env, "SELECT count(*) FROM tenantctl.audit_log"))
        seal_s, seal_rss, _ = measured([BIN, "audit", "seal", "--settle", "0s", "-q"], env)
        # The seal just wrote a chain row per event: let VACUUM ANALYZE do now what autovacuum
        # would otherwise do during the measurement (hint bits, visibility map).
        psql_value(psql, url, env, "VACUUM ANALYZE tenantctl.audit_chain")
        hot_n = int(psql_value(psql, url, env, "SELECT count(*) FROM tenantctl.audit_log l JOIN tenantctl.tenants t "
                                               "ON t.id = l.tenant_id WHERE t.slug = 'bench-hot'"))
        out = os.path.join(state, "verify.json")
        with open(out, "w") as fh:
            verify_s, verify_rss, _ = measured([BIN, "audit", "verify", "--tenant", "bench-hot", "-o", "json"], env, fh)
        with open(out) as fh:
            v = json.load(fh)[0]
        # The plain way to read what verify reads: the tenant's events (the columns the chain covers)
        # and its ledger rows, each in one unordered COPY, both at once, to clients that do nothing
        # with them. When the log is larger than memory this is mostly reading it from disk: the hot
        # tenant has events on nearly every page. (Verify reads month by month with prefetching, so
        # it can be the faster of the two: this is a peer, not a floor.)
        hot_id = psql_value(psql, url, env, "SELECT id FROM tenantctl.tenants WHERE slug = 'bench-hot'")
        plain_sql = [f"COPY (SELECT {CHAIN_EVENT_COLUMNS} FROM tenantctl.audit_log WHERE tenant_id = '{hot_id}') TO STDOUT",
                     f"COPY (SELECT seq, occurred_at, event_id, hash FROM tenantctl.audit_chain "
                     f"WHERE tenant_id = '{hot_id}') TO STDOUT"]
        t = time.perf_counter()
        readers = [subprocess.Popen([psql, url, "-qAt", "-v", "ON_ERROR_STOP=1", "-c", sql], env=env,
                                    stdout=subprocess.DEVNULL) for sql in plain_sql]
        if any(r.wait() != 0 for r in readers):
            sys.exit("the plain read of verify's rows failed")
        plain_s = time.perf_counter() - t
        print(f"\n## audit seal of {total:,} events: {seal_s:.1f} s ({total / seal_s:,.0f} events/s, target >= 150,000)"
              f"  peak RSS {seal_rss:.1f} MB")
        print(f"## audit verify --tenant bench-hot ({hot_n:,} events): {verify_s:.1f} s (target < 45 s for 10M)"
              f"  peak RSS {verify_rss:.1f} MB  status {v['status']}, {v['verified']:,} verified")
        print(f"   psql reading the same events and ledger rows at once, unordered, unhashed: {plain_s:.1f} s   "
              f"verify/psql = {verify_s / plain_s:.2f}")

        # 3. prune one full month with archive while 4 writers append (the target), then the next
        # month while `audit seal` loops too: on 2 cores the seal takes CPU from the writers, so both
        # figures are shown rather than one mixed one.
        archive = os.path.join(state, "archive")
        os.mkdir(archive)
        # What the writers do with nothing else running: the ceiling of this machine, against
        # which their rate during the prunes below reads.
        with Writers(url, env, state, "tenantctl.audit_log", a.tenants) as w:
            time.sleep(6)
        print(f"\n## 4 writers alone, nothing else running: {w.summary()}")
        # First the marker month and the partial oldest one (the events start `months` before today,
        # mid-month), so that each measured run drops exactly one full month.
        run([BIN, "audit", "partitions", "prune", "--older-than", f"{a.months - 1}mo", "--archive", archive, "-q"], env)
        for step, with_seal in ((1, False), (2, True)):
            sealer = None
            if with_seal:
                sealer = subprocess.Popen(["sh", "-c", f"while :; do '{BIN}' audit seal --settle 1s -q >/dev/null; done"],
                                          env=env, start_new_session=True)
            out = os.path.join(state, f"prune{step}.json")
            with Writers(url, env, state, "tenantctl.audit_log", a.tenants) as w:
                with open(out, "w") as fh:
                    prune_s, prune_rss, _ = measured([BIN, "audit", "partitions", "prune", "--older-than",
                                                      f"{a.months - 1 - step}mo", "--archive", archive, "-o", "json"],
                                                     env, fh)
            if sealer:
                os.killpg(sealer.pid, 15)  # the loop and the seal it is running
                sealer.wait()
            with open(out) as fh:
                pruned = json.load(fh)
            months = ", ".join(f"{p['partition']} ({p['rows']:,} events)" for p in pruned)
            pruned_rows = sum(p["rows"] for p in pruned)
            print(f"\n## audit partitions prune of one month with archive: {months}: {prune_s:.1f} s "
                  f"({pruned_rows / max(prune_s, 1e-9):,.0f} events/s; target < 60 s for 3M)  peak RSS "
                  f"{prune_rss:.1f} MB (target < 64 MB)")
            print(f"## meanwhile 4 writers{' and `audit seal` looping' if with_seal else ''}: {w.summary()} "
                  "(targets >= 15,000/s, < 1000 ms)")

        # 4. pg_partman side by side
        if not a.no_partman:
            partman(a, psql, url, env, state, archive)
    finally:
        print(f"\n# total bench time {time.perf_counter() - started:.0f} s")
        if not a.keep:
            run([BIN, "sandbox", "down", "--dir", state + "/sb"], env, check=False)
            shutil.rmtree(state, ignore_errors=True)


def partman(a, psql, url, env, state, archive):
    q = lambda sql: psql_value(psql, url, env, sql)
    # Rows older than the first partition: they sit in each table's default partition.
    q("INSERT INTO tenantctl.audit_log (tenant_id, occurred_at, action) SELECT "
      "'00000000-0000-4000-8000-100000000001', date_trunc('month', now()) - interval '60 months' + "
      "make_interval(mins => g), 'bench.ancient' FROM generate_series(1, 1000) g")
    first = q("SELECT to_char(min(lower_bound), 'YYYY-MM-DD') FROM (SELECT (regexp_match(pg_get_expr(c.relpartbound, "
              "c.oid), 'FROM \\(''([^'']+)''\\)'))[1]::timestamptz AS lower_bound FROM pg_inherits i JOIN pg_class c "
              "ON c.oid = i.inhrelid WHERE i.inhparent = 'tenantctl.audit_log'::regclass) b")
    t = time.perf_counter()
    q("CREATE SCHEMA partman; CREATE EXTENSION pg_partman SCHEMA partman")
    q("CREATE TABLE public.pm_audit (LIKE tenantctl.audit_log INCLUDING DEFAULTS) PARTITION BY RANGE (occurred_at); "
      "CREATE UNIQUE INDEX ON public.pm_audit (tenant_id, occurred_at DESC, id)")
    q(f"SELECT partman.create_parent(p_parent_table => 'public.pm_audit', p_control => 'occurred_at', "
      f"p_type => 'native', p_interval => 'monthly', p_premake => 3, p_start_partition => '{first}')")
    q("SET session_replication_role = replica; INSERT INTO public.pm_audit SELECT * FROM tenantctl.audit_log")
    q("VACUUM ANALYZE public.pm_audit")
    q("UPDATE partman.part_config SET retention = '13 months', retention_keep_table = false, "
      "infinite_time_partitions = true WHERE parent_table = 'public.pm_audit'")
    # tenantctl's own events (one per month created or pruned, here and in the copy) are not the
    # application's: they are left out of every count on both sides, so that dropped + kept adds
    # up to the events copied.
    app_events = "SELECT count(*) FROM {} WHERE action NOT LIKE 'audit.partition.%'"
    rows_pm = int(q(app_events.format("public.pm_audit")))
    rows_tc = int(q(app_events.format("tenantctl.audit_log")))
    # Each table's writers with nothing else running: the tables differ (pg_partman's copy has one
    # index and none of tenantctl's triggers), so each side's rate meanwhile reads against its own.
    # Their events, like those of the writers below, are left out of what is kept.
    with Writers(url, env, state, "public.pm_audit", a.tenants) as alone_pm:
        time.sleep(6)
    with Writers(url, env, state, "tenantctl.audit_log", a.tenants) as alone_tc:
        time.sleep(6)
    print(f"\n## pg_partman {q('SELECT extversion FROM pg_extension WHERE extname = ' + chr(39) + 'pg_partman' + chr(39))}"
          f" vs tenantctl, 13 months retention, {rows_pm:,} events each (copy made in {time.perf_counter() - t:.0f} s; "
          "1,000 of them older than the first partition)")

    with Writers(url, env, state, "public.pm_audit", a.tenants) as w_pm:
        pm_s, pm_rss, _ = measured([psql, url, "-qAt", "-v", "ON_ERROR_STOP=1", "-c",
                                    "SELECT partman.run_maintenance('public.pm_audit')"], env)
    kept_pm = int(q(app_events.format("public.pm_audit"))) - w_pm.count - alone_pm.count
    default_pm = int(q("SELECT count(*) FROM public.pm_audit_default"))

    out = os.path.join(state, "pm_prune.json")
    with Writers(url, env, state, "tenantctl.audit_log", a.tenants) as w_tc:
        t = time.perf_counter()
        ens_s, ens_rss, _ = measured([BIN, "audit", "partitions", "ensure", "-q"], env)
        with open(out, "w") as fh:
            pr_s, pr_rss, _ = measured([BIN, "audit", "partitions", "prune", "--older-than", "13mo", "--archive",
                                        archive, "-o", "json"], env, fh)
        tc_s = time.perf_counter() - t
    with open(out) as fh:
        pruned = json.load(fh)
    archived = sum(p["rows"] for p in pruned)
    kept_tc = int(q(app_events.format("tenantctl.audit_log"))) - w_tc.count - alone_tc.count
    default_tc = int(q("SELECT count(*) FROM tenantctl.audit_log_default"))
    lost_pm = rows_pm - kept_pm
    print(f"  {'':28} {'pg_partman run_maintenance':>30} {'tenantctl ensure + prune':>30}")
    print(f"  {'maintenance run':28} {pm_s:>28.1f} s {tc_s:>28.1f} s")
    print(f"  {'peak RSS of the client':28} {pm_rss:>27.1f} MB {max(ens_rss, pr_rss):>27.1f} MB")
    print(f"  {'longest append meanwhile':28} {w_pm.max_latency_ms:>27,.0f} ms {w_tc.max_latency_ms:>27,.0f} ms")
    print(f"  {'appends/s meanwhile':28} {w_pm.count / max(w_pm.seconds, 1e-9):>30,.0f} "
          f"{w_tc.count / max(w_tc.seconds, 1e-9):>30,.0f}")
    print(f"  {'appends/s, nothing running':28} {alone_pm.count / max(alone_pm.seconds, 1e-9):>30,.0f} "
          f"{alone_tc.count / max(alone_tc.seconds, 1e-9):>30,.0f}")
    print(f"  {'events dropped':28} {lost_pm:>30,} {rows_tc - kept_tc:>30,}")
    print(f"  {'of them in an archive':28} {0:>30,} {archived:>30,}")
    print(f"  {'events kept':28} {kept_pm:>30,} {kept_tc:>30,}")
    print(f"  {'left in default partition':28} {default_pm:>30,} {default_tc:>30,}")


if __name__ == "__main__":
    main()
