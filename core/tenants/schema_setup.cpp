#include "core/tenants/schema_setup.hpp"

#include <fmt/format.h>

#include "core/context.hpp"
#include "core/db/connection.hpp"
#include "core/errors.hpp"
#include "core/util/slug.hpp"

namespace tenantctl::tenants {

std::string create_tenant_schema(Context& ctx, pqxx::transaction_base& tx, const std::string& tenant_id,
                                 const std::string& slug) {
    const std::string schema = util::schema_name_for_slug(slug);
    // A leftover schema (a restored backup, a hand-made one) must not silently become the
    // new tenant's: its tables would be served to a different customer.
    if (tx.exec_params1("SELECT count(*) > 0 FROM pg_namespace WHERE nspname = $1", schema)[0].as<bool>())
        throw Refused(fmt::format("schema {} already exists; tenant '{}' would take over its tables", schema, slug),
                      "drop or rename that schema first, or create the tenant with --isolation shared");
    tx.exec0("CREATE SCHEMA " + db::quote_ident(schema));
    tx.exec_params(fmt::format("INSERT INTO {} (kind, tenant_id, target, cursor, actor) "
                               "VALUES ($1, $2::uuid, $3, '{{\"pending\": true}}'::jsonb, $4)",
                               ctx.platform_table("jobs")),
                   kTenantMigrationsJob, tenant_id, schema, ctx.actor());
    return schema;
}

void run_tenant_migrations(Context& ctx, const std::string& /*tenant_id*/, const std::string& schema) {
    // Switch point: migrate::apply_tenant_migrations(ctx, schema), then set the
    // tenant_migrations job of this tenant to done.
    ctx.log().info(fmt::format("schema {} created; its tenant migrations are pending "
                               "(run `tenantctl migrate up` to apply them)",
                               schema));
}

}  // namespace tenantctl::tenants
