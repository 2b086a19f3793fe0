-- Making the example app ready for Citus (examples/tour.sh --citus).
--
-- Citus distributes each table by tenant_id, and can only enforce a key within one shard: every
-- primary key, unique key and foreign key between tenant tables must include tenant_id. The
-- example app keys rows by a global uuid `id`, so `tenantctl citus distribute` refuses it and
-- names each key. This rewrites them as (tenant_id, id), which the app's queries already imply:
-- every one of them runs under RLS for one tenant. One transaction: all or nothing.
BEGIN;
ALTER TABLE users DROP CONSTRAINT users_team_id_fkey;
ALTER TABLE teams DROP CONSTRAINT teams_manager_id_fkey;
ALTER TABLE documents DROP CONSTRAINT documents_owner_id_fkey;
ALTER TABLE invoices DROP CONSTRAINT invoices_user_id_fkey;

ALTER TABLE users DROP CONSTRAINT users_pkey, ADD PRIMARY KEY (tenant_id, id);
ALTER TABLE teams DROP CONSTRAINT teams_pkey, ADD PRIMARY KEY (tenant_id, id);
ALTER TABLE documents DROP CONSTRAINT documents_pkey, ADD PRIMARY KEY (tenant_id, id);
ALTER TABLE invoices DROP CONSTRAINT invoices_pkey, ADD PRIMARY KEY (tenant_id, id);

-- The users <-> teams cycle stays; `citus distribute` distributes both in one transaction.
ALTER TABLE users ADD CONSTRAINT users_team_id_fkey FOREIGN KEY (tenant_id, team_id)
    REFERENCES teams (tenant_id, id) DEFERRABLE INITIALLY IMMEDIATE;
ALTER TABLE teams ADD CONSTRAINT teams_manager_id_fkey FOREIGN KEY (tenant_id, manager_id)
    REFERENCES users (tenant_id, id);
ALTER TABLE documents ADD CONSTRAINT documents_owner_id_fkey FOREIGN KEY (tenant_id, owner_id)
    REFERENCES users (tenant_id, id);
ALTER TABLE invoices ADD CONSTRAINT invoices_user_id_fkey FOREIGN KEY (tenant_id, user_id)
    REFERENCES users (tenant_id, id);
COMMIT;
