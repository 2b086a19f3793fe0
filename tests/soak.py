#!/usr/bin/python3
"""Soak test (issue 12): an app-like writer keeps inserting and updating encrypted rows for
four tenants while every maintenance command runs in a loop; at the end every value must
decrypt to exactly what the writer last wrote to its row, every row the writer made must exist,
and the audit chains and keys must verify.

    tests/soak.sh [MINUTES]        (default 5; the README's figure is a 30-minute run)

Starts its own throwaway server (`tenantctl sandbox up --dir <tmp>`), installs the example
app (examples/migrations), and removes everything afterwards. Uses Debian's
python3-cryptography and python3-psycopg2 (run with /usr/bin/python3).
"""
import argparse
import base64
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import threading
import time

import psycopg2
from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

HERE = os.path.dirname(os.path.abspath(__file__))
TENANTS = ["soak-a", "soak-b", "soak-c", "soak-d"]


def keyring(cur, master, tenant_id):
    """The tenant's usable data keys, active first (what the app would load)."""
    cur.execute("SELECT version, wrapped_key FROM tenantctl.tenant_keys WHERE tenant_id = %s "
                "AND state IN ('active', 'decrypt_only') ORDER BY state = 'active' DESC, version DESC", (tenant_id,))
    keys = []
    for version, wrapped in cur.fetchall():
        wrapped = bytes(wrapped)
        aad = f"tenantctl:dek:v1|{tenant_id}|{version}".encode()
        keys.append(Fernet(AESGCM(master).decrypt(wrapped[:12], wrapped[12:], aad)))
    return keys


class Writer(threading.Thread):
    """The application: inserts documents and rewrites bodies and phones, remembering the
    plaintext each row must hold in the end."""

    def __init__(self, db_url, master, tenant_ids):
        super().__init__(daemon=True)
        self.db_url, self.master, self.tenant_ids = db_url, master, tenant_ids
        self.expected = {}   # ("documents"|"users", row id) -> plaintext
        self.stop = threading.Event()
        self.writes = 0
        self.errors = []

    def run(self):
        conn = psycopg2.connect(self.db_url)
        cur = conn.cursor()
        n = 0
        rings = {}
        users = {}
        while not self.stop.is_set():
            slug = random.choice(TENANTS)
            tid = self.tenant_ids[slug]
            try:
                if n % 50 == 0 or slug not in rings:   # the app reloads its keys now and then
                    rings[slug] = MultiFernet(keyring(cur, self.master, tid))
                    conn.commit()
                f = rings[slug]
                cur.execute("SELECT set_config('app.tenant_id', %s, true)", (tid,))
                if slug not in users:
                    phone = f"+1 555 {n:06d}"
                    cur.execute("INSERT INTO users (tenant_id, email, full_name, phone) VALUES (%s, %s, %s, %s) "
                                "RETURNING id", (tid, f"user{n}@{slug}.example", f"User {n}",
                                                 f.encrypt(phone.encode()).decode()))
                    users[slug] = cur.fetchone()[0]
                    conn.commit()
                    self.expected[("users", users[slug])] = phone
                    continue
                action = random.random()
                if action < 0.6:
                    text = f"doc {slug} {n}"
                    cur.execute("INSERT INTO documents (tenant_id, owner_id, title, body) VALUES (%s, %s, %s, %s) "
                                "RETURNING id", (tid, users[slug], f"t{n}", f.encrypt(text.encode()).decode()))
                    key = ("documents", cur.fetchone()[0])
                elif action < 0.9:
                    cur.execute("SELECT id FROM documents WHERE tenant_id = %s ORDER BY random() LIMIT 1", (tid,))
                    row = cur.fetchone()
                    if not row:
                        conn.rollback()
                        continue
                    text = f"doc {slug} {n} (edited)"
                    cur.execute("UPDATE documents SET body = %s WHERE id = %s", (f.encrypt(text.encode()).decode(), row[0]))
                    key = ("documents", row[0])
                else:
                    text = f"+1 555 {n:06d}"
                    cur.execute("UPDATE users SET phone = %s WHERE id = %s", (f.encrypt(text.encode()).decode(), users[slug]))
                    key = ("users", users[slug])
                conn.commit()
                self.expected[key] = text
                self.writes += 1
            except psycopg2.errors.DeadlockDetected:
                conn.rollback()   # the app retries; nothing was written
            except Exception as e:  # noqa: BLE001 (a soak reports everything)
                conn.rollback()
                self.errors.append(repr(e))
                if len(self.errors) > 20:
                    return
            n += 1
            time.sleep(0.002)
        conn.close()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("minutes", type=float, nargs="?", default=5)
    ap.add_argument("--binary", default=os.path.join(HERE, "../build/tenantctl"))
    a = ap.parse_args()
    binary = os.path.abspath(a.binary)
    work = tempfile.mkdtemp(prefix="tenantctl-soak-")
    sandbox = os.path.join(work, "sandbox")
    master_b64 = base64.b64encode(os.urandom(32)).decode()
    master = base64.b64decode(master_b64)
    env = dict(os.environ, SOAK_KEY=master_b64, TENANTCTL_MASTER_KEY_SOURCE="env:SOAK_KEY", TENANTCTL_ACTOR="soak",
               XDG_STATE_HOME=os.path.join(work, "state"), TENANTCTL_CONFIG=os.path.join(HERE, "../examples/tenantctl.yaml"),
               PGOPTIONS="-c client_min_messages=warning")
    failures = []
    counts = {}

    def tenantctl(*args, ok=(0,)):
        r = subprocess.run([binary, *args], env=env, capture_output=True, text=True, cwd=os.path.join(HERE, "../examples"))
        counts[args[0] + " " + args[1] if len(args) > 1 else args[0]] = counts.get(args[0], 0) + 1
        if r.returncode not in ok:
            failures.append(f"tenantctl {' '.join(args)} exited {r.returncode}: {r.stderr.strip()[-400:]}")
        return r

    url = subprocess.run([binary, "sandbox", "up", "--dir", sandbox, "--no-init"], env=env, capture_output=True,
                         text=True, check=True).stdout.strip()
    try:
        admin = psycopg2.connect(url)
        admin.autocommit = True
        admin.cursor().execute("CREATE DATABASE soak")
        admin.close()
        db_url = url.replace("/postgres?", "/soak?", 1) if "/postgres?" in url else url.rsplit("/", 1)[0] + "/soak"
        env["TENANTCTL_DATABASE_URL"] = db_url
        tenantctl("init")
        tenantctl("migrate", "up")
        for slug in TENANTS:
            tenantctl("tenant", "create", slug)
        conn = psycopg2.connect(db_url)
        conn.autocommit = True
        cur = conn.cursor()
        cur.execute("SELECT slug, id::text FROM tenantctl.tenants")
        ids = dict(cur.fetchall())
        writer = Writer(db_url, master, ids)
        writer.start()

        deadline = time.monotonic() + a.minutes * 60
        rounds = 0
        out_dir = os.path.join(work, "exports")
        os.makedirs(out_dir)
        while time.monotonic() < deadline:
            slug = TENANTS[rounds % len(TENANTS)]
            tenantctl("keys", "rotate", "--tenant", slug, "--reencrypt", "--batch-size", "50")
            tenantctl("keys", "reencrypt", "--all", "--batch-size", "100")
            tenantctl("audit", "record", "--tenant", slug, "--action", "soak.round", "--metadata", json.dumps({"n": rounds}))
            tenantctl("audit", "seal")
            tenantctl("audit", "verify", "--all")
            tenantctl("audit", "partitions", "ensure")
            tenantctl("keys", "verify", "--all")
            tmp = f"soak-tmp-{rounds}"
            tenantctl("tenant", "create", tmp)
            tenantctl("tenant", "delete", tmp, "--grace", "1s")
            time.sleep(1.1)
            tenantctl("tenant", "purge", "--due", "--yes")
            tenantctl("gdpr", "export", "--tenant", slug, "--all", "-O", os.path.join(out_dir, f"{tmp}.tar.gz"))
            tenantctl("maintain", ok=(0, 9))   # a task may be partial while the writer runs
            rounds += 1
        writer.stop.set()
        writer.join()
        # The writer is gone: one more pass finishes whatever it raced with.
        tenantctl("keys", "reencrypt", "--all")
        tenantctl("audit", "seal")
        tenantctl("audit", "verify", "--all")
        tenantctl("keys", "verify", "--all")

        # Every row the writer wrote holds exactly its last value.
        mismatched = missing = 0
        rings = {slug: MultiFernet(keyring(cur, master, ids[slug])) for slug in TENANTS}
        slug_of = {v: k for k, v in ids.items()}
        for (table, row_id), text in writer.expected.items():
            cur.execute(f"SELECT tenant_id::text, {'body' if table == 'documents' else 'phone'} FROM {table} WHERE id = %s",
                        (row_id,))
            row = cur.fetchone()
            if not row:
                missing += 1
                continue
            try:
                if rings[slug_of[row[0]]].decrypt(row[1].encode()).decode() != text:
                    mismatched += 1
            except InvalidToken:
                mismatched += 1
        cur.execute("SELECT count(*) FROM tenantctl.tenants WHERE slug LIKE 'soak-tmp-%%' AND status <> 'purged'")
        left_tmp = cur.fetchone()[0]
        print(f"soak: {a.minutes:g} min, {rounds} maintenance rounds, {writer.writes} app writes, "
              f"{len(writer.expected)} rows checked: {mismatched} wrong, {missing} missing; "
              f"{len(failures)} command failures; {len(writer.errors)} writer errors; {left_tmp} temp tenants not purged")
        for f in failures[:20]:
            print("  " + f)
        for e in writer.errors[:5]:
            print("  writer: " + e)
        if mismatched or missing or failures or writer.errors or left_tmp:
            sys.exit(1)
    finally:
        subprocess.run([binary, "sandbox", "down", "--dir", sandbox], env=env, capture_output=True)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
