#!/usr/bin/python3
"""Seed the example app with a few users, teams, documents and invoices for one tenant,
the way the application itself would: unwrap the tenant's active data key with the master
key (AES-256-GCM, AAD tenantctl:dek:v1|<tenant uuid>|<version>) and store Fernet tokens in
the encrypted columns (users.phone, documents.body).

    seed_app_data.py SLUG     (reads TENANTCTL_DATABASE_URL and TENANTCTL_MASTER_KEY_SOURCE=file:...)
"""
import base64
import os
import sys

import psycopg2
from cryptography.fernet import Fernet
from cryptography.hazmat.primitives.ciphers.aead import AESGCM


def master_key() -> bytes:
    source = os.environ["TENANTCTL_MASTER_KEY_SOURCE"]
    if not source.startswith("file:"):
        sys.exit("this demo reads the sandbox's file: master key")
    with open(source[len("file:"):]) as f:
        return base64.b64decode(f.read().strip())


def main() -> None:
    slug = sys.argv[1]
    conn = psycopg2.connect(os.environ["TENANTCTL_DATABASE_URL"])
    cur = conn.cursor()
    cur.execute(
        "SELECT t.id, k.version, k.wrapped_key FROM tenantctl.tenants t "
        "JOIN tenantctl.tenant_keys k ON k.tenant_id = t.id AND k.state = 'active' WHERE t.slug = %s",
        (slug,),
    )
    tenant_id, version, wrapped = cur.fetchone()
    wrapped = bytes(wrapped)
    aad = f"tenantctl:dek:v1|{tenant_id}|{version}".encode()
    dek = AESGCM(master_key()).decrypt(wrapped[:12], wrapped[12:], aad)
    fernet = Fernet(dek)

    # The app sets the tenancy setting in every transaction; RLS does the rest.
    cur.execute("SELECT set_config('app.tenant_id', %s, true)", (str(tenant_id),))
    people = [("alice@example.com", "Alice Liddell", "+44 20 7946 0001"),
              ("bob@example.com", "Bob Builder", "+44 20 7946 0002"),
              ("carol@example.com", "Carol Danvers", "+1 555 0100")]
    ids = []
    for email, name, phone in people:
        cur.execute(
            "INSERT INTO users (tenant_id, email, full_name, phone) VALUES (%s, %s, %s, %s) "
            "ON CONFLICT DO NOTHING RETURNING id",
            (tenant_id, email, name, fernet.encrypt(phone.encode()).decode()),
        )
        row = cur.fetchone()
        if row:
            ids.append(row[0])
    if ids:
        cur.execute("INSERT INTO teams (tenant_id, name, manager_id) VALUES (%s, 'Platform', %s) RETURNING id",
                    (tenant_id, ids[0]))
        team = cur.fetchone()[0]
        cur.execute("UPDATE users SET team_id = %s WHERE tenant_id = %s", (team, tenant_id))
        for uid in ids:
            for n in range(3):
                cur.execute("INSERT INTO documents (tenant_id, owner_id, title, body) VALUES (%s, %s, %s, %s)",
                            (tenant_id, uid, f"Note {n}", fernet.encrypt(f"secret note {n}".encode()).decode()))
            cur.execute("INSERT INTO invoices (tenant_id, user_id, amount) VALUES (%s, %s, 42.00)", (tenant_id, uid))
    conn.commit()
    print(f"seeded {len(ids)} users for {slug}", file=sys.stderr)


if __name__ == "__main__":
    main()
