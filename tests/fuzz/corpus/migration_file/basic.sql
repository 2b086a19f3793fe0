-- tenantctl:scope=tenant lock-timeout=5s statement-timeout=1h
-- tenantctl:nolint=add-column-default
-- migrate:up
CREATE TABLE documents (id bigint PRIMARY KEY, body text);
-- tenantctl:nolint=create-index
CREATE INDEX ON documents (body);
-- migrate:down
DROP TABLE documents;
