-- Documents owned by a user; body is a Fernet token.
-- tenantctl:scope=shared
-- migrate:up
CREATE TABLE documents (
    id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id  uuid NOT NULL,
    owner_id   uuid NOT NULL REFERENCES users (id),
    title      text NOT NULL,
    body       text,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX documents_tenant_owner_idx ON documents (tenant_id, owner_id);

ALTER TABLE documents ENABLE ROW LEVEL SECURITY;
ALTER TABLE documents FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON documents
    USING (tenant_id = current_setting('app.tenant_id')::uuid)
    WITH CHECK (tenant_id = current_setting('app.tenant_id')::uuid);
GRANT SELECT, INSERT, UPDATE, DELETE ON documents TO app;

-- migrate:down
DROP TABLE documents;
