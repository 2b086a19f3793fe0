// tenantctl tenant restore-from
#include <fmt/format.h>

#include "cli/registry.hpp"
#include "commands/commands.hpp"
#include "core/portability/restore.hpp"
#include "core/util/strings.hpp"

namespace tenantctl::commands {

namespace {

Records run_restore_from(Context& ctx, portability::RestoreOptions o) {
    // `--tables users,documents` and `--tables users --tables documents` alike.
    std::vector<std::string> tables;
    for (const auto& value : o.tables)
        for (auto& name : util::split(value, ','))
            if (!util::trim(name).empty()) tables.push_back(std::string(util::trim(name)));
    o.tables = std::move(tables);
    const auto result = portability::restore_from(ctx, o);
    for (const auto& w : result.warnings) ctx.log().warn(w);
    ctx.log().info(fmt::format("{} tenant '{}' from {} ({}): {} rows deleted, {} inserted in {} tables{}",
                               result.dry_run ? "would restore" : "restored", o.slug, o.from, result.source,
                               result.deleted, result.inserted, result.tables.size(),
                               result.dry_run ? "; verified and rolled back" : ", verified"));
    Records r = Records::table({"table", "here_before", "backup", "deleted", "inserted", "here_after", "differed"});
    for (const auto& t : result.tables)
        r.add({t.table, t.here_before, t.backup, t.deleted, t.inserted, t.here_after, !t.same_before});
    return r;
}

}  // namespace

void declare_tenant_restore_from(cli::Registry& r) {
    r.command<portability::RestoreOptions>("tenant restore-from",
                                           "Bring one tenant's rows back from a backup restored to a scratch server")
        .positional("CONTEXT", &portability::RestoreOptions::from, "the context of the server holding the backup")
        .complete(cli::Completer::context)
        .positional("SLUG", &portability::RestoreOptions::slug, "the tenant")
        .complete(cli::Completer::tenant_slug)
        .option("--mode", &portability::RestoreOptions::mode,
                "replace: the tenant's rows become the backup's; merge: the backup's rows missing here are added", "MODE")
        .required()
        .choices({"replace", "merge"})
        .option("--tables", &portability::RestoreOptions::tables,
                "only these tables (schema.table or table, comma-separated or repeated); default: every table of the "
                "tenant's data",
                "TABLES")
        .option("--point-in-time-note", &portability::RestoreOptions::note,
                "what the backup is (\"PITR 2026-12-01 09:00 UTC, before the bulk delete\"): kept in the audit event",
                "TEXT")
        .flag("--fire-triggers", &portability::RestoreOptions::fire_triggers,
              "run the app's triggers on the rows deleted and written, as its own writes would (by default they stay "
              "quiet: the backup's rows hold what they wrote)")
        .mutating()
        .description(
            "Reads the tenant's rows of the app's tables from the backup (one snapshot; the server is only read) and "
            "writes them here in one transaction. --mode replace deletes the tenant's current rows of those tables, "
            "children first, and writes the backup's, parents first; it asks first (--yes without a terminal) and is "
            "refused when a table left out of --tables would lose rows by ON DELETE CASCADE. --mode merge inserts the "
            "backup's rows whose primary key (or unique key) is missing here and leaves the others as they are. "
            "Nothing is committed before the result was read back: after replace each table's rows of the tenant equal "
            "the backup's (count and checksum); after merge every backup row's key is here and the inserted rows are "
            "the backup's. --dry-run does all of it and rolls back: its table is the difference the real run makes. "
            "The tenant's platform rows (status, keys, API keys, audit trail) are not touched; a data key the backup's "
            "values may need that is destroyed here is warned about. The schema here must match the backup's (every "
            "difference listed). An audit event records the tables, counts and the note.")
        .example("tenantctl tenant restore-from backup acme --mode replace --dry-run")
        .example("tenantctl tenant restore-from backup acme --mode merge --tables documents,comments "
                 "--point-in-time-note \"PITR 2026-12-01 09:00 UTC\"")
        .run(run_restore_from);
}

}  // namespace tenantctl::commands
