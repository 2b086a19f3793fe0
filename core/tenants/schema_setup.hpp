// Schema-per-tenant isolation (DESIGN section 2, `--isolation schema`): creating the tenant's
// schema and getting its tenant-scoped migrations applied.
//
// Migrations are another module's job (core/migrate, `migrate up --tenants`). Until its
// per-schema runner is wired in, provisioning records the work as a `jobs` row of kind
// `tenant_migrations` (state running, cursor {"pending": true}) in the same transaction as
// the schema, so nothing can be created without its pending migrations being on record;
// run_tenant_migrations() is the single place to switch to
// `migrate::apply_tenant_migrations(ctx, schema)` (then mark that job done).
#pragma once

#include <string>

#include <pqxx/pqxx>

namespace tenantctl {
class Context;
}

namespace tenantctl::tenants {

inline constexpr const char* kTenantMigrationsJob = "tenant_migrations";

// Inside `tx`: CREATE SCHEMA for the tenant (name from util::schema_name_for_slug) and the
// pending-migrations job row. Returns the schema name.
std::string create_tenant_schema(Context& ctx, pqxx::transaction_base& tx, const std::string& tenant_id,
                                 const std::string& slug);

// After the creating transaction committed: brings the schema's tenant-scoped migrations up
// to date. For now it leaves the pending job in place and says so on stderr (see above).
void run_tenant_migrations(Context& ctx, const std::string& tenant_id, const std::string& schema);

}  // namespace tenantctl::tenants
