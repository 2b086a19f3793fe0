-- Platform schema, version 1. @schema@ is replaced by the configured, quoted schema name.
-- Every table that holds tenant data leads its primary key and unique constraints with
-- tenant_id (DESIGN section 4), so it can be distributed by tenant later (Citus).

CREATE TABLE @schema@.tenants (
    id                  uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    slug                text NOT NULL CHECK (slug ~ '^[a-z][a-z0-9-]{1,62}$'),
    name                text,
    status              text NOT NULL DEFAULT 'active'
                        CHECK (status IN ('active', 'suspended', 'pending_deletion', 'purged')),
    status_reason       text,
    plan                text,
    region              text,
    isolation           text NOT NULL DEFAULT 'shared' CHECK (isolation IN ('shared', 'schema')),
    admin_email         text,
    settings            jsonb NOT NULL DEFAULT '{}'::jsonb CHECK (jsonb_typeof(settings) = 'object'),
    flags               jsonb NOT NULL DEFAULT '{}'::jsonb CHECK (jsonb_typeof(flags) = 'object'),
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    suspended_at        timestamptz,
    delete_requested_at timestamptz,
    purge_after         timestamptz,
    purged_at           timestamptz
);
CREATE UNIQUE INDEX tenants_slug_key ON @schema@.tenants (slug);
CREATE INDEX tenants_status_idx ON @schema@.tenants (status, purge_after);

-- Data-encryption keys: Fernet keys wrapped by the master key (AES-256-GCM).
CREATE TABLE @schema@.tenant_keys (
    tenant_id     uuid NOT NULL REFERENCES @schema@.tenants (id),
    version       integer NOT NULL CHECK (version > 0),
    state         text NOT NULL CHECK (state IN ('active', 'decrypt_only', 'retired', 'destroyed')),
    wrapped_key   bytea,                 -- NULL once destroyed (crypto-shredding)
    kek_id        text NOT NULL,         -- fingerprint of the master key that wrapped it
    created_at    timestamptz NOT NULL DEFAULT now(),
    activated_at  timestamptz,
    demoted_at    timestamptz,
    retired_at    timestamptz,
    destroyed_at  timestamptz,
    PRIMARY KEY (tenant_id, version),
    CHECK ((state = 'destroyed') = (wrapped_key IS NULL))
);
CREATE UNIQUE INDEX tenant_keys_one_active ON @schema@.tenant_keys (tenant_id) WHERE state = 'active';

-- JWT signing keys (platform-wide): next -> active -> retiring -> retired.
CREATE TABLE @schema@.signing_keys (
    kid                 text PRIMARY KEY,
    alg                 text NOT NULL CHECK (alg IN ('RS256', 'ES256')),
    state               text NOT NULL CHECK (state IN ('next', 'active', 'retiring', 'retired')),
    public_jwk          jsonb NOT NULL,
    wrapped_private_key bytea,
    kek_id              text NOT NULL,
    created_at          timestamptz NOT NULL DEFAULT now(),
    activated_at        timestamptz,
    retiring_at         timestamptz,
    retire_after        timestamptz,
    retired_at          timestamptz
);
CREATE UNIQUE INDEX signing_keys_one_active ON @schema@.signing_keys ((true)) WHERE state = 'active';

-- API keys: only the SHA-256 of the plaintext is stored.
CREATE TABLE @schema@.api_keys (
    tenant_id    uuid NOT NULL REFERENCES @schema@.tenants (id),
    id           uuid NOT NULL DEFAULT gen_random_uuid(),
    prefix       text NOT NULL,
    key_hash     text NOT NULL,
    name         text NOT NULL,
    scopes       text[] NOT NULL DEFAULT '{}',
    created_at   timestamptz NOT NULL DEFAULT now(),
    expires_at   timestamptz,
    revoked_at   timestamptz,
    last_used_at timestamptz,
    replaced_by  uuid,
    PRIMARY KEY (tenant_id, id)
);
CREATE UNIQUE INDEX api_keys_prefix_key ON @schema@.api_keys (tenant_id, prefix);
CREATE INDEX api_keys_hash_idx ON @schema@.api_keys (key_hash);

-- The audit log: monthly range partitions plus a default partition (DESIGN section 8).
-- Platform-level events (init, migrations) use the nil UUID as tenant_id.
CREATE SEQUENCE @schema@.audit_log_id_seq AS bigint;
CREATE TABLE @schema@.audit_log (
    tenant_id     uuid NOT NULL,
    id            bigint NOT NULL DEFAULT nextval('@schema@.audit_log_id_seq'),
    occurred_at   timestamptz NOT NULL DEFAULT now(),
    actor_type    text NOT NULL DEFAULT 'user',
    actor_id      text,
    action        text NOT NULL CHECK (action ~ '^[a-z0-9_]+(\.[a-z0-9_]+)*$'),
    resource_type text,
    resource_id   text,
    request_id    text,
    ip            inet,
    user_agent    text,
    metadata      jsonb NOT NULL DEFAULT '{}'::jsonb
) PARTITION BY RANGE (occurred_at);
ALTER SEQUENCE @schema@.audit_log_id_seq OWNED BY @schema@.audit_log.id;
CREATE UNIQUE INDEX audit_log_tenant_time_idx ON @schema@.audit_log (tenant_id, occurred_at DESC, id);
CREATE TABLE @schema@.audit_log_default PARTITION OF @schema@.audit_log DEFAULT;

-- GDPR request register (Art. 12(3): one month to answer).
CREATE TABLE @schema@.gdpr_requests (
    tenant_id       uuid NOT NULL REFERENCES @schema@.tenants (id),
    id              uuid NOT NULL DEFAULT gen_random_uuid(),
    kind            text NOT NULL CHECK (kind IN ('export', 'export_all', 'erase')),
    subject         text,
    status          text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'completed', 'closed', 'failed')),
    received_at     timestamptz NOT NULL DEFAULT now(),
    due_at          timestamptz NOT NULL DEFAULT now() + interval '1 month',
    completed_at    timestamptz,
    closed_at       timestamptz,
    artifact_sha256 text,
    actor           text,
    note            text,
    PRIMARY KEY (tenant_id, id)
);

-- Checkpoints of resumable bulk work (re-encryption, purge, fan-out migrations, prune).
CREATE TABLE @schema@.jobs (
    id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    kind         text NOT NULL,
    tenant_id    uuid,
    target       text,
    state        text NOT NULL DEFAULT 'running' CHECK (state IN ('running', 'done', 'failed', 'cancelled')),
    cursor       jsonb NOT NULL DEFAULT '{}'::jsonb,
    counts       jsonb NOT NULL DEFAULT '{}'::jsonb,
    error        text,
    actor        text,
    started_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    heartbeat_at timestamptz NOT NULL DEFAULT now(),
    finished_at  timestamptz
);
CREATE INDEX jobs_open_idx ON @schema@.jobs (kind, tenant_id, target) WHERE state = 'running';
