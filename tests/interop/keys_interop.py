"""What a Python app does with tenantctl's keys (run by tests/integration/test_keys_interop.cpp).

Uses only Debian's python3-cryptography, python3-jwt and python3-psycopg2.

  keys_interop.py DSN TENANT_ID read          decrypt every value tenantctl wrote, add rows
                                              encrypted here, sign a JWT with the active key
  keys_interop.py DSN TENANT_ID check         decrypt every value again (after tenantctl
                                              re-encrypted them) and MultiFernet.rotate one
  keys_interop.py JWKS_FILE TOKEN verify-jwt  verify a token against `tenantctl keys jwks`
The master key comes from the environment (TENANTCTL_TEST_MASTER_KEY, base64).
"""
import base64
import hashlib
import json
import os
import sys

from cryptography.fernet import Fernet, MultiFernet
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.serialization import load_der_private_key


def master_key():
    return base64.b64decode(os.environ["TENANTCTL_TEST_MASTER_KEY"])


# --- the few lines an app needs (README) --------------------------------------------------
def tenant_fernet(cur, tenant_id):
    kek = AESGCM(master_key())
    cur.execute("SELECT version, state, wrapped_key FROM tenantctl.tenant_keys "
                "WHERE tenant_id = %s AND state IN ('active', 'decrypt_only') "
                "ORDER BY state = 'active' DESC, version DESC", (tenant_id,))
    keys = []
    for version, state, wrapped in cur.fetchall():
        wrapped = bytes(wrapped)
        aad = f"tenantctl:dek:v1|{tenant_id}|{version}".encode()
        keys.append(Fernet(kek.decrypt(wrapped[:12], wrapped[12:], aad)))
    return MultiFernet(keys)  # encrypts with the active key, decrypts with any


def signing_key(cur):
    cur.execute("SELECT kid, alg, wrapped_private_key FROM tenantctl.signing_keys WHERE state = 'active'")
    kid, alg, wrapped = cur.fetchone()
    wrapped = bytes(wrapped)
    der = AESGCM(master_key()).decrypt(wrapped[:12], wrapped[12:], f"tenantctl:jwk:v1|{kid}".encode())
    return kid, alg, load_der_private_key(der, password=None)
# -------------------------------------------------------------------------------------------


def timestamp(token):
    return int.from_bytes(base64.urlsafe_b64decode(token)[1:9], "big")


def checksum(cur, tenant_id, f):
    h = hashlib.sha256()
    n = 0
    cur.execute("SELECT id, secret, note FROM public.secrets WHERE tenant_id = %s ORDER BY id", (tenant_id,))
    for row_id, secret, note in cur.fetchall():
        for column, token in (("secret", secret), ("note", note)):
            if token is None:
                continue
            n += 1
            h.update(f"secrets|{row_id}|{column}|{f.decrypt(token.encode()).decode()}\n".encode())
    return h.hexdigest(), n


def main():
    import psycopg2
    import jwt

    if sys.argv[3] == "verify-jwt":
        with open(sys.argv[1]) as fh:
            jwks = jwt.PyJWKSet.from_dict(json.load(fh))
        token = sys.argv[2]
        kid = jwt.get_unverified_header(token)["kid"]
        key = next(k for k in jwks.keys if k.key_id == kid)
        claims = jwt.decode(token, key.key, algorithms=["RS256", "ES256"], audience="tenantctl-test")
        print(json.dumps(claims))
        return

    dsn, tenant_id, mode = sys.argv[1:4]
    conn = psycopg2.connect(dsn)
    cur = conn.cursor()
    f = tenant_fernet(cur, tenant_id)
    if mode == "read":
        digest, n = checksum(cur, tenant_id, f)
        for i in range(5):  # rows encrypted by Python, for tenantctl to decrypt and rotate
            cur.execute("INSERT INTO public.secrets (tenant_id, id, secret) VALUES (%s, %s, %s)",
                        (tenant_id, 900000 + i, f.encrypt(f"from-python-{i}".encode()).decode()))
        conn.commit()
        kid, alg, key = signing_key(cur)
        token = jwt.encode({"sub": "user-1", "aud": "tenantctl-test"}, key, algorithm=alg, headers={"kid": kid})
        print(json.dumps({"checksum": digest, "values": n, "token": token}))
    elif mode == "check":
        digest, n = checksum(cur, tenant_id, f)
        cur.execute("SELECT secret FROM public.secrets WHERE id = 900000")
        token = cur.fetchone()[0].encode()
        # The value tenantctl re-encrypted is under the active key now: rotate keeps it readable.
        rotated = f.rotate(token)
        assert f.decrypt(rotated) == b"from-python-0"
        assert timestamp(rotated) == timestamp(token)
        print(json.dumps({"checksum": digest, "values": n}))


if __name__ == "__main__":
    main()
