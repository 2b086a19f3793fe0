#!/usr/bin/python3
"""Benchmark: re-encryption of N Fernet values (default 1M) by `tenantctl keys reencrypt`,
against a Python MultiFernet.rotate + psycopg2 batched-update loop and the server's own
in-place rewrite of the same rows (UPDATE t SET v = reverse(reverse(v))), in one run.

  tests/bench/keys_reencrypt.py [--rows 1000000] [--python-rows 200000] [--binary build/tenantctl] [--partitioned]

--partitioned: the table is RANGE-partitioned by month (12 partitions) and every row is
written in one COPY, so tuple ids and xmin repeat across partitions (the shape on which a
write-back by ctid + xmin swapped values between rows). After re-encryption every value is
decrypted and compared with the plaintext its row was created with; any mismatch fails.

Starts its own throwaway server with `tenantctl sandbox up --dir <tmp>` and removes it after.
The Python loop runs over the first --python-rows rows of the same table (it does ~8k
values/s, so a full 1M run would take minutes); rates, not times, are compared.
Uses Debian's python3-cryptography and python3-psycopg2 (run with /usr/bin/python3).
"""
import argparse
import base64
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from multiprocessing import Pool

import psycopg2
import psycopg2.extras
from cryptography.fernet import Fernet, MultiFernet
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

TENANT = "00000000-0000-4000-8000-00000000b0b0"


def tenant_keys(cur, master):
    cur.execute("SELECT version, wrapped_key FROM tenantctl.tenant_keys WHERE tenant_id = %s "
                "AND state IN ('active', 'decrypt_only') ORDER BY state = 'active' DESC, version DESC", (TENANT,))
    out = []
    for version, wrapped in cur.fetchall():
        wrapped = bytes(wrapped)
        aad = f"tenantctl:dek:v1|{TENANT}|{version}".encode()
        out.append(Fernet(AESGCM(master).decrypt(wrapped[:12], wrapped[12:], aad)))
    return out


def plaintext(i):
    return f"customer secret number {i:08d}"


def month_of(i):
    return f"2026-{i % 12 + 1:02d}-15"


def make_tokens(args):
    key, start, count = args
    f = Fernet(key)
    return "".join(f"{TENANT}\t{i}\t{month_of(i)}\t{f.encrypt(plaintext(i).encode()).decode()}\n"
                   for i in range(start, start + count))


def check_values(args):
    """Decrypts a slice of (id, token) rows with the tenant's keys; returns the mismatches."""
    keys, rows = args
    mf = MultiFernet([Fernet(k) for k in keys])
    bad = 0
    for i, token in rows:
        try:
            if mf.decrypt(token.encode()).decode() != plaintext(i):
                bad += 1
        except Exception:
            bad += 1
    return bad


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--python-rows", type=int, default=200_000)
    ap.add_argument("--binary", default=os.path.join(os.path.dirname(__file__), "../../build/tenantctl"))
    ap.add_argument("--partitioned", action="store_true")
    a = ap.parse_args()
    binary = os.path.abspath(a.binary)
    work = tempfile.mkdtemp(prefix="tenantctl-bench-keys-")
    sandbox = os.path.join(work, "sandbox")
    master_b64 = base64.b64encode(os.urandom(32)).decode()
    master = base64.b64decode(master_b64)
    env = dict(os.environ, TENANTCTL_BENCH_KEY=master_b64, TENANTCTL_MASTER_KEY_SOURCE="env:TENANTCTL_BENCH_KEY",
               TENANTCTL_ACTOR="bench", XDG_STATE_HOME=os.path.join(work, "state"))
    config = os.path.join(work, "tenantctl.yaml")
    with open(config, "w") as fh:
        fh.write("data:\n  tables:\n    bench_secrets: {encrypted: [secret]}\n")
    env["TENANTCTL_CONFIG"] = config

    def tenantctl(*args, check=True):
        r = subprocess.run([binary, *args], env=env, capture_output=True, text=True)
        if check and r.returncode != 0:
            sys.exit(f"tenantctl {' '.join(args)} failed ({r.returncode}): {r.stderr}")
        return r

    url = tenantctl("sandbox", "up", "--dir", sandbox, "--no-init").stdout.strip()
    try:
        admin = psycopg2.connect(url)
        admin.autocommit = True
        admin.cursor().execute("CREATE DATABASE bench")
        admin.close()
        db_url = url.replace("/postgres?", "/bench?", 1) if "/postgres?" in url else url.rsplit("/", 1)[0] + "/bench"
        env["TENANTCTL_DATABASE_URL"] = db_url
        tenantctl("init")
        conn = psycopg2.connect(db_url)
        conn.autocommit = True
        cur = conn.cursor()
        if a.partitioned:
            cur.execute("CREATE TABLE bench_secrets (tenant_id uuid NOT NULL, id bigint NOT NULL, at date NOT NULL, "
                        "secret text, PRIMARY KEY (id, at)) PARTITION BY RANGE (at)")
            for m in range(1, 13):
                end = f"2027-01-01" if m == 12 else f"2026-{m + 1:02d}-01"
                cur.execute(f"CREATE TABLE bench_secrets_{m:02d} PARTITION OF bench_secrets "
                            f"FOR VALUES FROM ('2026-{m:02d}-01') TO ('{end}')")
        else:
            cur.execute("CREATE TABLE bench_secrets (tenant_id uuid NOT NULL, id bigint PRIMARY KEY, at date NOT NULL, "
                        "secret text)")
        cur.execute("""
            ALTER TABLE bench_secrets ENABLE ROW LEVEL SECURITY;
            ALTER TABLE bench_secrets FORCE ROW LEVEL SECURITY;
            CREATE POLICY tenant_isolation ON bench_secrets
                USING (tenant_id = current_setting('app.tenant_id')::uuid);
            INSERT INTO tenantctl.tenants (id, slug, name) VALUES (%s, 'bench', 'Bench');
        """, (TENANT,))
        tenantctl("keys", "rotate", "--tenant", "bench")
        key = tenant_keys(cur, master)[0]._signing_key + tenant_keys(cur, master)[0]._encryption_key
        key_b64 = base64.urlsafe_b64encode(key)

        print(f"generating {a.rows} Fernet values ...", file=sys.stderr)
        chunk = 50_000
        with Pool(2) as pool:
            parts = pool.map(make_tokens, [(key_b64, s, min(chunk, a.rows - s)) for s in range(0, a.rows, chunk)])
        import io
        # One COPY: one transaction, so in the partitioned variant ctid and xmin repeat.
        cur.copy_expert("COPY bench_secrets (tenant_id, id, at, secret) FROM STDIN", io.StringIO("".join(parts)))
        del parts
        cur.execute("VACUUM ANALYZE bench_secrets")

        # 1. The ceiling: the server rewriting every row in place.
        t = time.perf_counter()
        cur.execute("UPDATE bench_secrets SET secret = reverse(reverse(secret))")
        ceiling = a.rows / (time.perf_counter() - t)
        cur.execute("VACUUM ANALYZE bench_secrets")

        # 2. tenantctl.
        tenantctl("keys", "rotate", "--tenant", "bench")
        t = time.perf_counter()
        r = tenantctl("keys", "reencrypt", "--tenant", "bench", "-o", "json", "--progress", "never")
        tool_seconds = time.perf_counter() - t
        summary = json.loads(r.stdout)
        assert summary["totals"]["reencrypted"] == a.rows, summary
        tool = a.rows / tool_seconds
        cur.execute("VACUUM ANALYZE bench_secrets")

        # Every value must decrypt to the plaintext of its own row.
        keys = [f._signing_key + f._encryption_key for f in tenant_keys(cur, master)]
        keys = [base64.urlsafe_b64encode(k) for k in keys]
        verify_conn = psycopg2.connect(db_url)  # a named (server-side) cursor needs a transaction
        vc = verify_conn.cursor(name="verify")
        vc.itersize = 50_000
        vc.execute("SELECT id, secret FROM bench_secrets ORDER BY id")
        mismatches, checked, slices = 0, 0, []
        with Pool(2) as pool:
            while True:
                rows = vc.fetchmany(50_000)
                if not rows:
                    break
                checked += len(rows)
                slices.append((keys, rows))
                if len(slices) == 4:
                    mismatches += sum(pool.map(check_values, slices))
                    slices = []
            if slices:
                mismatches += sum(pool.map(check_values, slices))
        verify_conn.close()
        if mismatches or checked != a.rows:
            sys.exit(f"VERIFY FAILED: {mismatches} of {checked} values do not decrypt to their own row's plaintext")

        # 3. Python: MultiFernet.rotate + psycopg2 execute_values, batches of 5000, one commit each.
        tenantctl("keys", "rotate", "--tenant", "bench")
        py = psycopg2.connect(db_url)
        pc = py.cursor()
        mf = MultiFernet(tenant_keys(pc, master))
        py.commit()
        t = time.perf_counter()
        last, done = -1, 0
        while done < a.python_rows:
            pc.execute("SELECT set_config('app.tenant_id', %s, true)", (TENANT,))
            pc.execute("SELECT id, secret FROM bench_secrets WHERE tenant_id = %s AND id > %s ORDER BY id LIMIT 5000",
                       (TENANT, last))
            rows = pc.fetchall()
            if not rows:
                break
            new = [(i, mf.rotate(s.encode()).decode()) for i, s in rows]
            psycopg2.extras.execute_values(
                pc, "UPDATE bench_secrets AS t SET secret = v.secret FROM (VALUES %s) AS v(id, secret) "
                    "WHERE t.id = v.id", new, page_size=5000)
            py.commit()
            last, done = rows[-1][0], done + len(rows)
        python = done / (time.perf_counter() - t)
        py.close()

        print(f"rows: {a.rows} {'over 12 monthly partitions, one COPY' if a.partitioned else ''} "
              f"(python loop: first {done})")
        print(f"verified: all {checked} values decrypt to their own row's plaintext")
        print(f"server in-place rewrite (ceiling): {ceiling:10.0f} rows/s")
        print(f"tenantctl keys reencrypt:          {tool:10.0f} values/s  ({tool_seconds:.2f} s)")
        print(f"python MultiFernet.rotate loop:    {python:10.0f} values/s")
        print(f"tenantctl / python:  {tool / python:6.1f}x   (target >= 10x)")
        print(f"tenantctl / ceiling: {tool / ceiling:6.2f}x   (target >= 0.6x)")
        print(f"tenantctl absolute:  {'ok' if tool >= 100_000 else 'BELOW'} (target >= 100000 values/s)")
    finally:
        tenantctl("sandbox", "down", "--dir", sandbox, check=False)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
