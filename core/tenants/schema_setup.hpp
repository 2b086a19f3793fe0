// Schema-per-tenant isolation (DESIGN section 2, `--isolation schema`): creating the tenant's
// schema and getting its tenant-scoped migrations applied.
//
// Provisioning records the work as a `jobs` row of kind `tenant_migrations` (state running)
// in the same transaction as the schema, so no schema exists without its pending migrations
// on record; after the commit, run_tenant_migrations() applies them through
// migrate::apply_tenant_migrations and marks the job done. If that fails (or the process is
// killed), the job stays open and `tenantctl migrate up` completes the schema.
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

// After the creating transaction committed: applies the schema's tenant-scoped migrations
// and closes the job. Throws (keeping the job open) when a migration fails.
void run_tenant_migrations(Context& ctx, const std::string& tenant_id, const std::string& schema);

}  // namespace tenantctl::tenants
