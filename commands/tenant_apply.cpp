// tenantctl tenant apply -f tenants.yaml [--prune]
#include <fmt/format.h>

#include "cli/registry.hpp"
#include "commands/commands.hpp"
#include "core/tenants/apply.hpp"
#include "core/tenants/manifest.hpp"

namespace tenantctl::commands {

namespace {

struct TenantApplyOptions {
    std::string file;
    bool prune = false;
    std::string grace = "30d";
};

Records run_apply(Context& ctx, const TenantApplyOptions& o) {
    auto desired = tenants::load_manifest(o.file);
    tenants::ApplyOptions ao;
    ao.source = o.file;
    ao.prune = o.prune;
    ao.grace = util::parse_duration(o.grace);
    auto result = tenants::apply(ctx, desired, ao);
    return tenants::plan_records(result.plan);
}

}  // namespace

void declare_tenant_apply(cli::Registry& r) {
    r.command<TenantApplyOptions>("tenant apply", "Make the tenants match a manifest (declarative, idempotent)")
        .option("-f,--file", &TenantApplyOptions::file, "the manifest (YAML; - reads stdin)", "FILE")
        .required()
        .complete(cli::Completer::file)
        .flag("--prune", &TenantApplyOptions::prune,
              "delete (with --grace) active and suspended tenants the manifest does not list")
        .option("--grace", &TenantApplyOptions::grace, "grace period of pruned tenants (default 30d)", "DURATION")
        .description("Prints the plan (one row per changed field: create, update, suspend, resume, restore, delete) "
                     "and applies it in one transaction: new tenants with their first data keys, changed fields, "
                     "status changes, and an audit event per tenant. Fields a manifest entry leaves out are not "
                     "managed; settings and flags given replace the whole map. Re-applying the same file changes "
                     "nothing, prints an empty plan and exits 0, so it fits a CI/CD step (`-o json` for the plan). "
                     "Errors in the manifest name file:line:col and exit 2.")
        .mutating()
        .example("tenantctl tenant apply -f tenants.yaml --dry-run")
        .example("tenantctl tenant apply -f tenants.yaml -o json")
        .example("tenantctl tenant apply -f tenants.yaml --prune --grace 14d")
        .run(run_apply);
}

}  // namespace tenantctl::commands
