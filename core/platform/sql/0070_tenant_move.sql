-- `tenant move` (issue 18): a tenant on its way to another database is `moving` (the app
-- pauses its writes, as for `suspended`), and once the destination serves it, `moved` here,
-- with where it went, until `maintain` purges what is left after the grace period.
ALTER TABLE @schema@.tenants DROP CONSTRAINT tenants_status_check;
ALTER TABLE @schema@.tenants ADD CONSTRAINT tenants_status_check
    CHECK (status IN ('active', 'suspended', 'pending_deletion', 'purged', 'moving', 'moved'));
-- The destination (host, port, database, user: never a password) while moving and once moved.
ALTER TABLE @schema@.tenants ADD COLUMN moved_to text;
-- The status to give the tenant at the destination (active or suspended) while it is moving.
ALTER TABLE @schema@.tenants ADD COLUMN moving_from_status text
    CHECK (moving_from_status IN ('active', 'suspended'));
