// tenantctl tenant create
#include <fmt/format.h>

#include "cli/registry.hpp"
#include "commands/commands.hpp"
#include "core/tenants/create.hpp"

namespace tenantctl::commands {

namespace {

struct TenantCreateOptions {
    std::string slug;
    std::optional<std::string> name, plan, region, id, admin_email, isolation;
    bool if_not_exists = false;
};

Records run_create(Context& ctx, const TenantCreateOptions& o) {
    tenants::NewTenant spec;
    spec.slug = o.slug;
    spec.name = o.name;
    spec.plan = o.plan;
    spec.region = o.region;
    spec.id = o.id;
    spec.admin_email = o.admin_email;
    spec.isolation = o.isolation.value_or(std::string(config::to_string(ctx.config().tenancy.mode)));
    auto r = tenants::create(ctx, spec, o.if_not_exists);
    std::string outcome = r.created ? "created" : ctx.dry_run() && r.key_version ? "would create" : "exists";
    if (r.created)
        ctx.log().info(fmt::format("tenant '{}' created with data key version {}", r.tenant.slug, r.key_version));
    return Records::table({"slug", "id", "status", "isolation", "key_version", "result"})
        .add({r.tenant.slug, r.tenant.id.empty() ? json(nullptr) : json(r.tenant.id), r.tenant.status,
              r.tenant.isolation, r.key_version ? json(r.key_version) : json(nullptr), outcome});
}

}  // namespace

void declare_tenant_create(cli::Registry& r) {
    r.command<TenantCreateOptions>("tenant create", "Create a tenant with its first data key")
        .positional("SLUG", &TenantCreateOptions::slug, "short name: a-z, 0-9 and single hyphens, 2-63 characters")
        .option("--name", &TenantCreateOptions::name, "display name", "TEXT")
        .option("--plan", &TenantCreateOptions::plan, "billing plan", "PLAN")
        .option("--region", &TenantCreateOptions::region, "where the tenant's data lives", "REGION")
        .option("--id", &TenantCreateOptions::id, "use this UUID instead of a random one", "UUID")
        .option("--admin-email", &TenantCreateOptions::admin_email, "the tenant's administrative contact", "EMAIL")
        .option("--isolation", &TenantCreateOptions::isolation, "shared (RLS) or schema; default: tenancy.mode",
                "MODE")
        .choices({"shared", "schema"})
        .flag("--if-not-exists", &TenantCreateOptions::if_not_exists, "succeed without changes when the slug exists")
        .description("Writes the tenant row, its first data-encryption key (wrapped by the master key) and an audit "
                     "event in one transaction. With --isolation schema it also creates the schema tenant_<slug> "
                     "(hyphens become underscores) and records its tenant migrations as pending. An existing slug "
                     "is refused (exit 5) unless --if-not-exists; slugs of purged tenants stay taken.")
        .mutating()
        .example("tenantctl tenant create acme --name 'Acme Corp' --plan pro --region eu-west-1")
        .example("tenantctl tenant create acme --if-not-exists -o json")
        .run(run_create);
}

}  // namespace tenantctl::commands
