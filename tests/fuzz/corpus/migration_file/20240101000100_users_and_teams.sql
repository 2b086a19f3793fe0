-- Users and teams. Primary keys are `id uuid` (globally unique, so foreign keys stay one column
-- for the application and for GDPR discovery); every index is led by tenant_id so per-tenant
-- queries stay cheap, and RLS keeps rows of other tenants invisible.
-- users.team_id -> teams and teams.manager_id -> users form a foreign-key cycle on purpose
-- (erase/purge must handle it): the first is DEFERRABLE, the second is not.
-- users.phone holds a Fernet token (keys.master_key / tenant DEK), never plaintext.
-- tenantctl:scope=shared
-- migrate:up
CREATE TABLE users (
    id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id  uuid NOT NULL,
    email      text NOT NULL,
    full_name  text,
    phone      text,
    team_id    uuid,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX users_tenant_email_key ON users (tenant_id, lower(email));
CREATE INDEX users_tenant_team_idx ON users (tenant_id, team_id);

CREATE TABLE teams (
    id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id  uuid NOT NULL,
    name       text NOT NULL,
    manager_id uuid REFERENCES users (id)
);
CREATE INDEX teams_tenant_idx ON teams (tenant_id, manager_id);

ALTER TABLE users ADD CONSTRAINT users_team_id_fkey FOREIGN KEY (team_id) REFERENCES teams (id)
    DEFERRABLE INITIALLY IMMEDIATE;

ALTER TABLE users ENABLE ROW LEVEL SECURITY;
ALTER TABLE users FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON users
    USING (tenant_id = current_setting('app.tenant_id')::uuid)
    WITH CHECK (tenant_id = current_setting('app.tenant_id')::uuid);

ALTER TABLE teams ENABLE ROW LEVEL SECURITY;
ALTER TABLE teams FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON teams
    USING (tenant_id = current_setting('app.tenant_id')::uuid)
    WITH CHECK (tenant_id = current_setting('app.tenant_id')::uuid);

GRANT SELECT, INSERT, UPDATE, DELETE ON users, teams TO app;

-- migrate:down
DROP TABLE teams, users CASCADE;
