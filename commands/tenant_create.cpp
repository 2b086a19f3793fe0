// tenantctl tenant create
#include <fmt/format.h>

#include "cli/registry.hpp"
#include "commands/commands.hpp"
#include "core/tenants/app_tenants.hpp"
#include "core/tenants/create.hpp"

namespace tenantctl::commands {

namespace {

struct TenantCreateOptions {
    std::string slug;
    std::optional<std::string> name, plan, region, id, admin_email, isolation, key;
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
    spec.tenancy_key = o.key;
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
        .option("--key", &TenantCreateOptions::key,
                "the value the app's tenancy columns hold for this tenant, when it is not the tenant's uuid "
                "(a bigint, a text code, the app's tenants table key)",
                "VALUE")
        .option("--admin-email", &TenantCreateOptions::admin_email, "the tenant's administrative contact", "EMAIL")
        .option("--isolation", &TenantCreateOptions::isolation, "shared (RLS) or schema; default: tenancy.mode",
                "MODE")
        .choices({"shared", "schema"})
        .flag("--if-not-exists", &TenantCreateOptions::if_not_exists, "succeed without changes when the slug exists")
        .description("Writes the tenant row, its first data-encryption key (wrapped by the master key) and an audit "
                     "event in one transaction. With --isolation schema it also creates the schema tenant_<slug> "
                     "(hyphens become underscores) and records its tenant migrations as pending. With "
                     "tenancy.tenants_table configured it also inserts the app's row (key, slug, name) in the same "
                     "transaction. An existing slug is refused (exit 5) unless --if-not-exists; slugs of purged "
                     "tenants stay taken.")
        .mutating()
        .example("tenantctl tenant create acme --name 'Acme Corp' --plan pro --region eu-west-1")
        .example("tenantctl tenant create acme --if-not-exists -o json")
        .example("tenantctl tenant create acme --key 42   # the app's tenant_id columns are bigint")
        .run(run_create);
}

namespace {
struct TenantAdoptOptions {};
}  // namespace

void declare_tenant_adopt(cli::Registry& r) {
    r.command<TenantAdoptOptions>("tenant adopt", "Register the app's existing tenants (tenancy.tenants_table)")
        .description("Reads the app's own tenants table (tenancy.tenants_table) and registers every row whose key no "
                     "tenant has yet: slug from the slug column, else the name slugified and made unique, else "
                     "t-<key>; each gets its first data key and a tenant.adopt audit event, all in one transaction. "
                     "Idempotent: a second run finds nothing to do. --dry-run lists what it would adopt.")
        .mutating()
        .example("tenantctl tenant adopt --dry-run")
        .example("tenantctl tenant adopt --yes -o json")
        .run([](Context& ctx, const TenantAdoptOptions&) { return tenants::adopt(ctx); });
}

}  // namespace tenantctl::commands
