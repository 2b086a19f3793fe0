// tenantctl tenant update | suspend | resume | delete | restore
#include <fmt/format.h>

#include "cli/registry.hpp"
#include "commands/commands.hpp"
#include "core/tenants/lifecycle.hpp"

namespace tenantctl::commands {

namespace {

// Every change command answers with the fields it changed (or would change).
Records change_records(Context& ctx, const std::string& action, const tenants::ChangeResult& r) {
    const char* result = r.changed ? "applied" : ctx.dry_run() && !r.changes.empty() ? "dry-run" : "unchanged";
    Records out = Records::table({"slug", "action", "field", "from", "to", "result"});
    if (r.changes.empty()) out.add({r.tenant.slug, action, nullptr, nullptr, nullptr, result});
    for (const auto& c : r.changes) out.add({r.tenant.slug, action, c.field, c.from, c.to, result});
    return out;
}

struct TenantUpdateOptions {
    std::string slug;
    std::optional<std::string> name, plan, region, admin_email;
    std::vector<std::string> set, unset, flags;
};

Records run_update(Context& ctx, const TenantUpdateOptions& o) {
    tenants::UpdateSpec spec;
    spec.name = o.name;
    spec.plan = o.plan;
    spec.region = o.region;
    spec.admin_email = o.admin_email;
    for (const auto& s : o.set) spec.set.push_back(tenants::parse_setting(s));
    spec.unset = o.unset;
    for (const auto& f : o.flags) spec.flags.push_back(tenants::parse_flag(f));
    if (!spec.name && !spec.plan && !spec.region && !spec.admin_email && spec.set.empty() && spec.unset.empty() &&
        spec.flags.empty())
        throw UsageError("nothing to update", "pass --name, --plan, --region, --admin-email, --set, --unset or --flag");
    return change_records(ctx, "update", tenants::update(ctx, o.slug, spec));
}

struct TenantStatusOptions {
    std::string slug;
    std::string reason;
    std::string grace = "30d";
    bool force = false;
};

Records run_suspend(Context& ctx, const TenantStatusOptions& o) {
    if (o.reason.empty()) throw UsageError("--reason must not be empty", "say why; it is recorded in the audit log");
    return change_records(ctx, "suspend",
                          tenants::change_status(ctx, o.slug, tenants::Transition::suspend, {o.reason, {}, {}}));
}

Records run_resume(Context& ctx, const TenantStatusOptions& o) {
    return change_records(ctx, "resume", tenants::change_status(ctx, o.slug, tenants::Transition::resume, {o.reason, {}, {}}));
}

Records run_delete(Context& ctx, const TenantStatusOptions& o) {
    auto grace = util::parse_duration(o.grace);
    auto r = tenants::change_status(ctx, o.slug, tenants::Transition::remove, {o.reason, grace, {}});
    if (r.changed)
        ctx.log().info(fmt::format("tenant '{}' is pending deletion; purge after {} (undo with `tenantctl tenant restore {}`)",
                                   o.slug, r.tenant.purge_after.value_or("?"), o.slug));
    return change_records(ctx, "delete", r);
}

Records run_restore(Context& ctx, const TenantStatusOptions& o) {
    return change_records(ctx, "restore",
                          tenants::change_status(ctx, o.slug, tenants::Transition::restore, {o.reason, {}, {}}, o.force));
}

}  // namespace

void declare_tenant_change(cli::Registry& r) {
    r.command<TenantUpdateOptions>("tenant update", "Change a tenant's name, plan, region, settings or flags")
        .positional("SLUG", &TenantUpdateOptions::slug, "the tenant")
        .complete(cli::Completer::tenant_slug)
        .option("--name", &TenantUpdateOptions::name, "new display name", "TEXT")
        .option("--plan", &TenantUpdateOptions::plan, "new plan", "PLAN")
        .option("--region", &TenantUpdateOptions::region, "new region", "REGION")
        .option("--admin-email", &TenantUpdateOptions::admin_email, "new administrative contact", "EMAIL")
        .option("--set", &TenantUpdateOptions::set,
                "set a setting (repeatable); the value is JSON when it parses as JSON (42, true, {\"a\":1}), else a "
                "string",
                "KEY=VALUE")
        .option("--unset", &TenantUpdateOptions::unset, "remove a setting (repeatable)", "KEY")
        .option("--flag", &TenantUpdateOptions::flags, "turn a feature flag on or off (repeatable)", "NAME=on|off")
        .description("Changes only what is given, in one transaction with an audit event naming the changed fields "
                     "(not their values). Values are stored literally, never interpreted as SQL. Nothing to change "
                     "is not an error: it says so and exits 0.")
        .mutating()
        .example("tenantctl tenant update acme --plan enterprise --set max_users=500 --flag beta_ui=on")
        .example("tenantctl tenant update acme --unset legacy_sso --dry-run")
        .run(run_update);
    r.command<TenantStatusOptions>("tenant suspend", "Suspend a tenant until it is resumed")
        .positional("SLUG", &TenantStatusOptions::slug, "the tenant")
        .complete(cli::Completer::tenant_slug)
        .option("--reason", &TenantStatusOptions::reason, "why; recorded in the tenant row and the audit log", "TEXT")
        .required()
        .description("Sets status to suspended (the app reads tenants.status and stops serving the tenant). Data and "
                     "keys are untouched. Suspending a suspended tenant changes nothing.")
        .mutating()
        .example("tenantctl tenant suspend acme --reason 'unpaid invoice 2024-113'")
        .run(run_suspend);
    r.command<TenantStatusOptions>("tenant resume", "Make a suspended tenant active again")
        .positional("SLUG", &TenantStatusOptions::slug, "the tenant")
        .complete(cli::Completer::tenant_slug)
        .option("--reason", &TenantStatusOptions::reason, "why; recorded in the audit log", "TEXT")
        .mutating()
        .example("tenantctl tenant resume acme")
        .run(run_resume);
    r.command<TenantStatusOptions>("tenant delete", "Mark a tenant for deletion after a grace period")
        .positional("SLUG", &TenantStatusOptions::slug, "the tenant")
        .complete(cli::Completer::tenant_slug)
        .option("--grace", &TenantStatusOptions::grace, "how long until it may be purged (default 30d)", "DURATION")
        .option("--reason", &TenantStatusOptions::reason, "why; recorded in the audit log", "TEXT")
        .description("Sets status pending_deletion and purge_after = now + grace. Nothing is deleted yet: "
                     "`tenant restore` undoes it within the grace period, and `tenant purge` (or `purge --due`, "
                     "e.g. from cron) removes the data afterwards.")
        .mutating()
        .example("tenantctl tenant delete acme --grace 30d --reason 'contract ended'")
        .run(run_delete);
    r.command<TenantStatusOptions>("tenant restore", "Undo `tenant delete` within the grace period")
        .positional("SLUG", &TenantStatusOptions::slug, "the tenant")
        .complete(cli::Completer::tenant_slug)
        .flag("--force", &TenantStatusOptions::force, "restore even after the grace period ended (if not purged)")
        .description("Returns a pending_deletion tenant to active (or suspended, if it was suspended before). Refused "
                     "once a purge has started.")
        .mutating()
        .example("tenantctl tenant restore acme")
        .run(run_restore);
}

}  // namespace tenantctl::commands
