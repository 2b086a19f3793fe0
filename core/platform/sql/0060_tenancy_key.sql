-- The value the application's tenancy columns hold for this tenant (DESIGN section 13). A
-- uuid-keyed app stores the tenant's id there; apps that key tenants by bigint, text or their
-- own tenants table (`companies.id`) store that value, as text. NULL means "the id".
-- The app reads it, and the RLS setting is set to it, so it is unique among tenants.
ALTER TABLE @schema@.tenants ADD COLUMN tenancy_key text;
CREATE UNIQUE INDEX tenants_tenancy_key_key ON @schema@.tenants ((coalesce(tenancy_key, id::text)));
