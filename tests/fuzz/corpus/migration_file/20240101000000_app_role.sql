-- The role the application connects as (tenancy.app_role): no BYPASSRLS, owns no table, so
-- row-level security always applies to it. Roles are cluster-wide: create it only once.
-- tenantctl:scope=shared
-- migrate:up
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'app') THEN
        CREATE ROLE app NOLOGIN NOSUPERUSER NOBYPASSRLS;
    END IF;
END
$$;
GRANT USAGE ON SCHEMA public TO app;

-- migrate:down
-- The role may be used by other databases of the cluster: only revoke what this one granted.
REVOKE USAGE ON SCHEMA public FROM app;
