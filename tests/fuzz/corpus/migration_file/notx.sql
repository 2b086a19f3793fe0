-- tenantctl:no-transaction
-- migrate:up
CREATE INDEX CONCURRENTLY documents_body ON documents (body);
