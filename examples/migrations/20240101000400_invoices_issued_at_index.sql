-- Reports list a tenant's invoices by date. The table is live, so the index is built
-- CONCURRENTLY, which PostgreSQL refuses inside a transaction: this file runs statement by
-- statement, and a failed build resumes here after the INVALID index is dropped.
-- tenantctl:scope=shared
-- tenantctl:no-transaction
-- tenantctl:lock-timeout=5s
-- migrate:up
CREATE INDEX CONCURRENTLY invoices_tenant_issued_idx ON invoices (tenant_id, issued_at DESC);

-- migrate:down
DROP INDEX CONCURRENTLY IF EXISTS invoices_tenant_issued_idx;
