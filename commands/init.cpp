// tenantctl init
#include <fmt/format.h>

#include <algorithm>

#include "cli/registry.hpp"
#include "commands/commands.hpp"
#include "core/platform/migrations.hpp"

namespace tenantctl::commands {

namespace {

struct InitOptions {};

Records run_init(Context& ctx, const InitOptions&) {
    auto result = platform::init(ctx);
    if (result.applied.empty())
        ctx.log().info(fmt::format("platform schema '{}' is up to date (version {})", ctx.schema(), result.to_version));
    else if (ctx.dry_run())
        ctx.log().info(fmt::format("dry run: would apply {} platform migration(s)", result.applied.size()));
    else
        ctx.log().info(fmt::format("platform schema '{}' upgraded from version {} to {}", ctx.schema(),
                                   result.from_version, result.to_version));
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
    r.command<InitOptions>("init", "Install or upgrade the platform schema (idempotent)")
        .description("Applies the platform migrations compiled into this binary that the database lacks, each "
                     "in its own transaction, under an advisory lock, and records an audit event. Safe to run "
                     "on every deploy.")
        .mutating()
        .example("tenantctl init")
        .example("tenantctl init --dry-run")
        .run(run_init);
}

}  // namespace tenantctl::commands
