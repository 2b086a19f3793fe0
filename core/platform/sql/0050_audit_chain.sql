-- Audit log, part 2 (DESIGN section 8): live tail, tamper evidence, GDPR pseudonyms.
-- The design is written down in core/audit/chain.hpp; this file only creates the storage.

-- Fields GDPR erasure replaced by their pseudonym: {"actor_id": "<64 hex>", ...}. The hex is
-- the keyed commitment the chain already holds for that field, so erased events still verify.
-- NULL for every event never erased (adding a nullable column is a catalog-only change).
ALTER TABLE @schema@.audit_log ADD COLUMN pseudonyms jsonb;

-- `audit tail -f` wakes on this: one NOTIFY per tenant per inserting statement (the
-- transition table makes a 10,000-row COPY one notification, not 10,000), on the channel
-- tenantctl_audit_<tenant uuid>, so a tail is woken only by its own tenant. Payloads of one
-- transaction are de-duplicated by the server. Nothing here serializes writers.
CREATE FUNCTION @schema@.audit_log_notify() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    t uuid;
BEGIN
    FOR t IN SELECT DISTINCT tenant_id FROM new_rows LOOP
        PERFORM pg_notify('tenantctl_audit_' || t::text, '');
    END LOOP;
    RETURN NULL;
END
$$;
CREATE TRIGGER audit_log_notify AFTER INSERT ON @schema@.audit_log
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION @schema@.audit_log_notify();

-- Per-tenant key of the keyed commitments (HMAC-SHA256) over identifier fields, wrapped by
-- the master key (AES-256-GCM, AAD tenantctl:audit-key:v1|<tenant uuid>). Without the master
-- key nobody can recompute a chain, nor link a pseudonym back to a person.
CREATE TABLE @schema@.audit_keys (
    tenant_id   uuid PRIMARY KEY,
    wrapped_key bytea NOT NULL,
    kek_id      text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);

-- The chain: one row per sealed event, in chain order per tenant (core/audit/chain_hash.hpp). `hash` is the
-- chain value after this event, H(seq) = SHA-256(H(seq-1) || leaf(event)). Append-only.
CREATE TABLE @schema@.audit_chain (
    tenant_id   uuid NOT NULL,
    seq         bigint NOT NULL CHECK (seq > 0),
    occurred_at timestamptz NOT NULL,
    event_id    bigint NOT NULL,
    hash        bytea NOT NULL CHECK (length(hash) = 32),
    PRIMARY KEY (tenant_id, seq)
);

-- Checkpoints: the chain head after each sealing batch (and where pruning cut the chain's
-- start). Small, so operators can copy heads off the database; verify checks the chain
-- against every checkpoint it passes and starts a --since run from the one before.
CREATE TABLE @schema@.audit_seals (
    tenant_id   uuid NOT NULL,
    seq         bigint NOT NULL CHECK (seq >= 0),
    occurred_at timestamptz,
    event_id    bigint,
    head        bytea NOT NULL CHECK (length(head) = 32),
    kind        text NOT NULL DEFAULT 'seal' CHECK (kind IN ('seal', 'prune')),
    sealed_at   timestamptz NOT NULL DEFAULT now(),
    actor       text,
    PRIMARY KEY (tenant_id, seq, kind)
);
