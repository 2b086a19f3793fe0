// tenantctl citus distribute
#include <fmt/format.h>

#include "cli/registry.hpp"
#include "commands/commands.hpp"
#include "core/citus/distribute.hpp"

namespace tenantctl::commands {

namespace {

struct DistributeOptions {};

Records run_distribute(Context& ctx, const DistributeOptions&) {
    const auto result = citus::distribute_app(ctx);
    const auto pending = result.plan.pending();
    if (pending == 0)
        ctx.log().info("every app table with tenant rows is already placed on the cluster");
    else
        ctx.log().info(fmt::format("{} {} of {} app table(s)", ctx.dry_run() ? "dry run: would place" : "placed",
                                   result.placed.size(), result.plan.steps.size()));
    Records r = Records::table({"table", "placement", "colocate_with", "reason", "status"});
    for (const auto& s : result.plan.steps)
        r.add({s.table.display(), s.target.describe(), s.colocate_with ? s.colocate_with->display() : "",
               s.reason, s.done ? "unchanged" : ctx.dry_run() ? "pending" : "placed"});
    return r;
}

}  // namespace

void declare_citus(cli::Registry& r) {
    r.command<DistributeOptions>("citus distribute", "Distribute the app's tenant tables by their tenancy column")
        .description(
            "On a Citus coordinator, places every table of the tenant data model: the app's tenants table becomes a "
            "reference table, every table with the tenancy column is distributed by it, parents before children, in "
            "one colocation group per tenancy column type (uuid tables join the platform's group, so a tenant's keys "
            "and audit trail sit on the node of its rows). Existing rows are copied into the shards. Checked first, "
            "with nothing changed when any check fails: a table whose rows reach the tenant only through a foreign "
            "key (it needs the tenancy column), a unique key or a foreign key without the tenancy column. Each table "
            "is placed in its own transaction; a re-run continues where a failed one stopped. Run `tenantctl init` "
            "first.")
        .mutating()
        .example("tenantctl citus distribute --dry-run")
        .example("tenantctl citus distribute")
        .run(run_distribute);
}

}  // namespace tenantctl::commands
