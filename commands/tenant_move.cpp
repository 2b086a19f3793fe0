// tenantctl tenant move
#include <fmt/format.h>

#include "cli/registry.hpp"
#include "commands/commands.hpp"
#include "core/portability/move.hpp"
#include "core/util/strings.hpp"

namespace tenantctl::commands {

namespace {

Records run_move(Context& ctx, const portability::MoveOptions& o) {
    const auto result = portability::move(ctx, o);
    if (o.abort)
        ctx.log().info(fmt::format("{} the move of tenant '{}' to --to {}: {}; {} rows {} there", result.dry_run ? "would abort" : "aborted",
                                   o.slug, o.to, util::join(result.steps, ", "), result.rows,
                                   result.dry_run ? "would be deleted" : "deleted"));
    else if (result.dry_run)
        ctx.log().info(fmt::format("would move tenant '{}' to --to {} ({}): {} rows copied, verified there and rolled "
                                   "back; nothing was frozen",
                                   o.slug, o.to, result.target, result.rows));
    else if (!result.steps.empty())
        ctx.log().info(fmt::format("{} tenant '{}' to --to {} ({}): {}; here it is moved, purged after {}",
                                   result.resumed ? "resumed and finished moving" : "moved", o.slug, o.to, result.target,
                                   util::join(result.steps, ", "), result.purge_after));
    Records r = Records::table({"tenant", "to", "target", "steps", "rows", "purge_after"});
    r.add({result.tenant, result.to, result.target, util::join(result.steps, ","), result.rows, result.purge_after});
    return r;
}

}  // namespace

void declare_tenant_move(cli::Registry& r) {
    r.command<portability::MoveOptions>("tenant move", "Move one tenant into another database: copy, verify, switch over")
        .positional("SLUG", &portability::MoveOptions::slug, "the tenant")
        .complete(cli::Completer::tenant_slug)
        .option("--to", &portability::MoveOptions::to, "the destination: a context of the config file", "CONTEXT")
        .required()
        .complete(cli::Completer::context)
        .option("--to-master-key", &portability::MoveOptions::to_master_key,
                "where the destination's master key is read from (env:NAME, file:PATH or cmd:COMMAND); default: the "
                "master key in use here",
                "SOURCE")
        .option("--grace", &portability::MoveOptions::grace,
                "how long the tenant's rows stay here once it has moved, before `maintain` purges them (default 7d)",
                "DURATION")
        .option("--drain-timeout", &portability::MoveOptions::drain_timeout,
                "how long to wait for transactions that began before the freeze to end, and with --online for the "
                "destination to apply the last changes (default 30s)",
                "DURATION")
        .flag("--online", &portability::MoveOptions::online,
              "stream the rows by logical replication while the app writes; it pauses only for the switch")
        .flag("--abort", &portability::MoveOptions::abort,
              "roll back a move that cannot finish: the copy deleted at the destination, the tenant's status back "
              "here (refused once the destination has activated it)")
        .option("--batch-size", &portability::MoveOptions::batch_size,
                "rows per transaction of the copy at the destination: a killed move goes on from the last one "
                "committed (default 50000)",
                "N")
        .flag("--fire-triggers", &portability::MoveOptions::fire_triggers,
              "run the app's triggers on the rows the copy writes, as its own inserts would (by default they stay "
              "quiet: the rows hold what they wrote here)")
        .mutating()
        .description(
            "The tenant becomes `moving` here (the app must pause its writes for any status but active: see the "
            "README's contract), every transaction that began before that is waited for, the tenant is copied as "
            "`tenant copy` copies it, in batches of --batch-size rows that each commit at the destination with their "
            "checkpoint there (a re-run goes on from the last one), then a last transaction that verifies every table "
            "before it commits, "
            "both sides are compared again, the destination gets the tenant's status back, and here it becomes "
            "`moved` (moved_to names the destination) and is purged by `maintain` after --grace. Each step is "
            "committed before the next; a kill or a lost connection at any point is resumed by running the same "
            "command again, and the tenant is never active in two databases. --dry-run runs the copy, verified, and "
            "rolls it back without freezing anything. With --online the rows go first by PostgreSQL 15's logical "
            "replication, a publication with a row filter on each tenant table (wal_level = logical here, a "
            "superuser there, and on each table a replica identity that includes the tenancy column; what is missing "
            "is listed before anything is made): the app keeps writing while they stream, and is paused only from "
            "the freeze until the destination has applied the last change, received the platform rows and the "
            "tables without a tenancy column, and been verified. While it streams, row triggers on each streamed "
            "table on both sides (tenantctl_move_*, enabled ALWAYS, called only for this tenant's rows) journal its "
            "changes, so the verification reads only the rows changed since a comparison made before the freeze; "
            "they are dropped once the tenant is active there. "
            "A tenant can move back into a database it left once its copy there is purged: it comes back into its "
            "purged row there, and its audit trail there keeps its events and gains those recorded since it left "
            "(the chain there is verified, cut back to the first of them, and sealed again by the next `audit seal`). "
            "While the copy it left there is only `moved`, the move is refused with the purge that clears it.")
        .example("tenantctl tenant move acme --to eu-west --dry-run")
        .example("tenantctl tenant move acme --to eu-west --grace 14d")
        .example("tenantctl tenant move acme --to eu-west --online")
        .example("tenantctl tenant move acme --to eu-west --abort")
        .run(run_move);
}

}  // namespace tenantctl::commands
