// `migrate adopt --from flyway|golang-migrate|dbmate|prisma`: take over the history another
// migration tool recorded, so `migrate up` runs only what that tool never applied.
//
// Each tool's own ledger is read as the tool writes it:
//   flyway          flyway_schema_history (installed_rank, version, description, type, script,
//                   checksum, success, ...): rows of type SQL applied, UNDO_SQL / DELETE rows
//                   cancel a version, a BASELINE row becomes tenantctl's baseline, repeatables
//                   (version NULL) are adopted when Flyway's CRC32 of the current file matches
//                   the last run (otherwise `up` re-runs them, as Flyway would); success=false
//                   is a failed migration
//   golang-migrate  schema_migrations (version bigint, dirty boolean): one row, the current
//                   version; every file up to it is applied; dirty=true is refused
//   dbmate          schema_migrations (version varchar): one row per applied version
//   prisma          _prisma_migrations (migration_name, checksum, finished_at, rolled_back_at,
//                   ...): finished and not rolled back is applied; a row neither finished nor
//                   rolled back is a failed migration
// Refused (exit 5) before anything is written when that history is dirty or failed, or names a
// migration whose file is not in the directory. Each applied migration becomes a ledger row of
// the shared track with its file's checksum; rows already there are left alone (idempotent).
// Runs under the migration lock, in one transaction with its audit event.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/migrate/migrate.hpp"

namespace tenantctl::migrate {

enum class Tool { flyway, golang_migrate, dbmate, prisma };
std::string_view to_string(Tool tool);
Tool parse_tool(std::string_view name);  // throws UsageError
Layout layout_of(Tool tool);
std::string_view default_history_table(Tool tool);

// Flyway's checksum of a file: CRC32 over the UTF-8 bytes of each line without its line
// terminator (a leading BOM removed), as a signed 32-bit integer.
int flyway_checksum(std::string_view content);

struct AdoptOptions {
    Selection sel;
    Tool from = Tool::flyway;
    std::string history_table;  // "" = the tool's default, resolved with the search_path
};

struct AdoptRow {
    std::string version;
    std::string name;
    std::string action;  // adopted | baselined | already-recorded | pending-rerun
    std::string detail;
};

struct AdoptReport {
    std::string history_table;  // as the server names it
    std::vector<AdoptRow> rows;
    std::size_t adopted = 0;    // rows written (or that would be, with --dry-run)
    std::size_t pending = 0;    // files the tool never applied: `migrate up` runs them
};

AdoptReport adopt(Context& ctx, const AdoptOptions& o);

}  // namespace tenantctl::migrate
