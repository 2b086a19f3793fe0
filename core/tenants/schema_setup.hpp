// Schema-per-tenant isolation (DESIGN section 2, `--isolation schema`): creating the tenant's
// schema and getting its tenant-scoped migrations applied.
//
// Provisioning records the work as a `jobs` row of kind `tenant_migrations` (state running)
// in the same transaction as the schema, so no schema exists without its pending migrations
// on record, and a tenant created active is suspended as provisioning until they ran; after
// the commit, run_tenant_migrations() applies them through migrate::apply_tenant_migrations,
// marks the job done and activates the tenant. If that fails (or the process is killed), the
// job stays open, the tenant stays suspended, and `tenant create SLUG --if-not-exists`
// finishes it.
#pragma once

#include <string>

#include <pqxx/pqxx>

namespace tenantctl {
class Context;
}

namespace tenantctl::tenants {

inline constexpr const char* kTenantMigrationsJob = "tenant_migrations";
// The status_reason of a schema-isolated tenant created active whose schema is not migrated
// yet: it stays suspended until run_tenant_migrations() finishes.
inline constexpr const char* kProvisioningReason = "provisioning: schema migrations pending";

// Whether the tenant's schema still has its tenant_migrations job open.
bool tenant_migrations_pending(Context& ctx, pqxx::transaction_base& tx, const std::string& tenant_id);

// Inside `tx`: CREATE SCHEMA `schema` for the tenant `slug`, Refused (with `hint`) when it exists:
// a leftover schema must not silently become this tenant's. On Citus a distributed schema.
void create_schema_for(pqxx::transaction_base& tx, const std::string& schema, const std::string& slug,
                       const std::string& hint);

// Inside `tx`: CREATE SCHEMA for the tenant (name from util::schema_name_for_slug) and the
// pending-migrations job row. Returns the schema name.
std::string create_tenant_schema(Context& ctx, pqxx::transaction_base& tx, const std::string& tenant_id,
                                 const std::string& slug);

// After the creating transaction committed: applies the schema's tenant-scoped migrations,
// closes the job and activates a tenant that was suspended as provisioning, in one
// transaction. Throws (keeping the job open, the tenant suspended) when a migration fails;
// `tenant create SLUG --if-not-exists` finishes it later.
void run_tenant_migrations(Context& ctx, const std::string& tenant_id, const std::string& schema);

}  // namespace tenantctl::tenants
