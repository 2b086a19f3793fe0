-- Invoices: kept for 10 years (tax law), so GDPR erasure retains them.
-- tenantctl:scope=shared
-- migrate:up
CREATE TABLE invoices (
    id        uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id uuid NOT NULL,
    user_id   uuid NOT NULL REFERENCES users (id),
    amount    numeric(12, 2) NOT NULL CHECK (amount >= 0),
    issued_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX invoices_tenant_user_idx ON invoices (tenant_id, user_id);

ALTER TABLE invoices ENABLE ROW LEVEL SECURITY;
ALTER TABLE invoices FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON invoices
    USING (tenant_id = current_setting('app.tenant_id')::uuid)
    WITH CHECK (tenant_id = current_setting('app.tenant_id')::uuid);
GRANT SELECT, INSERT, UPDATE, DELETE ON invoices TO app;

-- migrate:down
DROP TABLE invoices;
