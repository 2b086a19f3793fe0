// tenantctl init
#include <fmt/format.h>

#include <algorithm>

#include "cli/registry.hpp"
#include "commands/commands.hpp"
#include "core/platform/migrations.hpp"
#include "core/util/strings.hpp"

namespace tenantctl::commands {

namespace {

Records run_init(Context& ctx, const platform::InitOptions& o) {
    auto result = platform::init(ctx, o);
    if (result.applied.empty())
        ctx.log().info(fmt::format("platform schema '{}' is up to date (version {})", ctx.schema(), result.to_version));
    else if (ctx.dry_run())
        ctx.log().info(fmt::format("dry run: would apply {} platform migration(s)", result.applied.size()));
    else
        ctx.log().info(fmt::format("platform schema '{}' upgraded from version {} to {}", ctx.schema(),
                                   result.from_version, result.to_version));
    if (result.citus)
        ctx.log().info(result.placed.empty()
                           ? std::string("citus: every platform table is already placed on the cluster")
                           : fmt::format("citus: {} {} platform table(s): {}", ctx.dry_run() ? "would place" : "placed",
                                         result.placed.size(), util::join(result.placed, "; ")));
    Records r = Records::table({"version", "migration", "status"});
    for (const auto& m : platform::embedded_migrations()) {
        std::string label = fmt::format("{:04}_{}", m.version, m.name);
        bool applied_now = std::find(result.applied.begin(), result.applied.end(), label) != result.applied.end();
        std::string status = m.version <= result.from_version ? "installed"
                             : applied_now                    ? (ctx.dry_run() ? "pending" : "applied")
                                                              : "pending";
        r.add({m.version, label, status});
    }
    return r;
}

}  // namespace

void declare_init(cli::Registry& r) {
    r.command<platform::InitOptions>("init", "Install or upgrade the platform schema (idempotent)")
        .flag("--citus", &platform::InitOptions::require_citus,
              "require a Citus coordinator (without it init refuses instead of installing a single-node schema)")
        .description("Applies the platform migrations compiled into this binary that the database lacks, each "
                     "in its own transaction, under an advisory lock, and records an audit event. Safe to run "
                     "on every deploy. On a Citus coordinator (the citus extension is installed; detected) the "
                     "platform tables that hold tenant rows are then distributed by tenant_id in one colocation "
                     "group and the others become reference tables; a database that gained Citus after its "
                     "first init is converted in place, its rows copied into the shards. `tenantctl citus "
                     "distribute` does the same for the app's tables.")
        .mutating()
        .example("tenantctl init")
        .example("tenantctl init --dry-run")
        .example("tenantctl init --citus")
        .run(run_init);
}

}  // namespace tenantctl::commands
