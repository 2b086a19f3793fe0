// tenantctl tenant purge SLUG | --due
#include <fmt/format.h>

#include "cli/registry.hpp"
#include "commands/commands.hpp"
#include "core/tenants/purge.hpp"

namespace tenantctl::commands {

namespace {

struct TenantPurgeOptions {
    std::optional<std::string> slug;
    bool due = false;
    bool force = false;
    long long batch_size = 5000;
    std::optional<std::string> max_duration;
};

void add_result(Records& r, const tenants::PurgeResult& p) {
    json tables = json::object();
    for (const auto& t : p.tables) tables[t.table] = t.rows;
    r.add({p.slug, p.outcome, p.rows_deleted, p.keys_destroyed, tenants::opt(p.schema_dropped), tables});
}

Records run_purge(Context& ctx, const TenantPurgeOptions& o) {
    if (o.due == o.slug.has_value()) throw UsageError("give either SLUG or --due", "tenantctl tenant purge acme --yes");
    if (o.force && o.due) throw UsageError("--force applies to one tenant, not --due");
    tenants::PurgeOptions po;
    po.batch_size = o.batch_size;
    po.force = o.force;
    if (o.max_duration) {
        auto d = util::parse_duration(*o.max_duration);
        if (d.months) throw UsageError("--max-duration must be shorter than a month");
        po.deadline = std::chrono::steady_clock::now() + d.seconds;
    }
    Records r = Records::table({"slug", "outcome", "rows_deleted", "keys_destroyed", "schema_dropped", "tables"});
    if (!ctx.dry_run()) {
        if (o.force)  // skips the grace period that exists for second thoughts: a typed slug, not a "y"
            ctx.confirm_by_typing(fmt::format("purge tenant '{}' now, whatever its status and grace period, and destroy "
                                              "its keys (irreversible)",
                                              *o.slug),
                                  *o.slug);
        else
            ctx.confirm(o.due ? "purge every tenant whose grace period has ended (irreversible)"
                              : fmt::format("purge tenant '{}' and destroy its keys (irreversible)", *o.slug));
    }
    if (!o.due) {
        add_result(r, tenants::purge(ctx, *o.slug, po));
        return r;
    }
    auto due = tenants::purge_due(ctx, po);
    for (const auto& p : due.purged) add_result(r, p);
    for (const auto& [slug, error] : due.failed) r.add({slug, "failed", nullptr, nullptr, nullptr, error});
    if (!due.failed.empty()) {
        r.exit = due.purged.empty() ? Exit::runtime : Exit::partial;
        r.failure = fmt::format("{} tenant purge(s) failed", due.failed.size());
    }
    if (due.purged.empty() && due.failed.empty()) ctx.log().info("no tenant is due for purge");
    return r;
}

}  // namespace

void declare_tenant_purge(cli::Registry& r) {
    r.command<TenantPurgeOptions>("tenant purge", "Irreversibly delete a tenant's data and destroy its keys")
        .positional("SLUG", &TenantPurgeOptions::slug, "the tenant (or --due)")
        .complete(cli::Completer::tenant_slug)
        .flag("--due", &TenantPurgeOptions::due, "purge every tenant whose grace period has ended")
        .flag("--force", &TenantPurgeOptions::force,
              "purge even if the tenant is not pending deletion or its grace period has not ended")
        .option("--batch-size", &TenantPurgeOptions::batch_size, "rows per transaction (default 5000)", "N")
        .option("--max-duration", &TenantPurgeOptions::max_duration,
                "stop between batches after this long; a re-run resumes", "DURATION")
        .description("Deletes the tenant's rows from every tenant-scoped table found in the catalog, children before "
                     "parents, in batches that each commit with a checkpoint (jobs table), so an interrupted purge "
                     "resumes where it stopped. Schema mode drops the tenant's schema. It then verifies that no row "
                     "is left (exit 8 otherwise), and only then destroys the tenant's data keys (crypto-shredding) and "
                     "turns the tenant row into a tombstone without personal data. Asks first on a terminal (with "
                     "--force: type the slug, even with --yes) and requires --yes elsewhere. Refuses a tenant that is "
                     "not pending deletion past its grace period unless --force.")
        .mutating()
        .example("tenantctl tenant purge acme --yes")
        .example("tenantctl tenant purge --due --yes --max-duration 10m")
        .example("tenantctl tenant purge acme --dry-run")
        .run(run_purge);
}

}  // namespace tenantctl::commands
