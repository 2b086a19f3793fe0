#include "core/tenants/schema_setup.hpp"

#include <fmt/format.h>

#include "core/citus/cluster.hpp"
#include "core/context.hpp"
#include "core/db/connection.hpp"
#include "core/errors.hpp"
#include "core/migrate/migrate.hpp"
#include "core/util/slug.hpp"

namespace tenantctl::tenants {

void create_schema_for(pqxx::transaction_base& tx, const std::string& schema, const std::string& slug,
                       const std::string& hint) {
    // A leftover schema (a restored backup, a hand-made one) must not silently become the
    // new tenant's: its tables would be served to a different customer.
    if (tx.exec_params1("SELECT count(*) > 0 FROM pg_namespace WHERE nspname = $1", schema)[0].as<bool>())
        throw Refused(fmt::format("schema {} already exists; tenant '{}' would take over its tables", schema, slug), hint);
    tx.exec0("CREATE SCHEMA " + db::quote_ident(schema));
    // On Citus the schema is a distributed schema (schema-based sharding): the tables its
    // migrations create share one shard group, which lives on one node and moves as a whole
    // (`tenant place`).
    if (citus::installed(tx)) tx.exec_params("SELECT citus_schema_distribute($1::regnamespace)", db::quote_ident(schema));
}

std::string create_tenant_schema(Context& ctx, pqxx::transaction_base& tx, const std::string& tenant_id,
                                 const std::string& slug) {
    const std::string schema = util::schema_name_for_slug(slug);
    create_schema_for(tx, schema, slug, "drop or rename that schema first, or create the tenant with --isolation shared");
    tx.exec_params(fmt::format("INSERT INTO {} (kind, tenant_id, target, cursor, actor) "
                               "VALUES ($1, $2::uuid, $3, '{{\"pending\": true}}'::jsonb, $4)",
                               ctx.platform_table("jobs")),
                   kTenantMigrationsJob, tenant_id, schema, ctx.actor());
    return schema;
}

bool tenant_migrations_pending(Context& ctx, pqxx::transaction_base& tx, const std::string& tenant_id) {
    return tx.exec_params1(fmt::format("SELECT count(*) > 0 FROM {} WHERE kind = $1 AND tenant_id = $2::uuid "
                                       "AND state = 'running'",
                                       ctx.platform_table("jobs")),
                           kTenantMigrationsJob, tenant_id)[0]
        .as<bool>();
}

void run_tenant_migrations(Context& ctx, const std::string& tenant_id, const std::string& schema) {
    const std::string jobs = ctx.platform_table("jobs");
    try {
        auto ran = migrate::apply_tenant_migrations(ctx, schema);
        pqxx::work tx(ctx.db());
        tx.exec_params(fmt::format("UPDATE {} SET state = 'done', finished_at = now(), updated_at = now(), "
                                   "counts = jsonb_build_object('applied', $3::int) "
                                   "WHERE kind = $1 AND tenant_id = $2::uuid AND state = 'running'",
                                   jobs),
                       kTenantMigrationsJob, tenant_id, static_cast<int>(ran.size()));
        tx.exec_params(fmt::format("UPDATE {} SET status = 'active', status_reason = NULL, suspended_at = NULL, "
                                   "updated_at = now() WHERE id = $1::uuid AND status = 'suspended' AND status_reason = $2",
                                   ctx.platform_table("tenants")),
                       tenant_id, kProvisioningReason);
        tx.commit();
        ctx.log().info(fmt::format("schema {}: {} tenant migration(s) applied", schema, ran.size()));
    } catch (const Error& e) {
        // The tenant and its schema exist (committed); the pending job stays on record so
        // `migrate up` finishes the work. Say exactly that instead of hiding the failure.
        throw Error(e.code(),
                    fmt::format("tenant created, but migrating its schema {} failed: {}", schema, e.what()),
                    "fix the cause, then run `tenantctl tenant create SLUG --if-not-exists` to finish it");
    }
}

}  // namespace tenantctl::tenants
