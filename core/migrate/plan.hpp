// What `migrate up|down|status|verify|plan` should do, computed from the migration files and the
// ledger rows alone. No database here: the runner reads the ledger (one schema, or every tenant
// schema in one query), calls these functions, and executes the returned plan.
//
// Ledger model expected from the runner:
//   - a transactional migration writes its row (failed=false) in the same transaction as its
//     SQL, so it is either fully applied or absent: there is no "dirty" state;
//   - a no-transaction migration writes its row when it starts and advances statements_done after
//     each statement commits; on failure the row stays with failed=true, and plan_up() resumes it
//     at statements_done (it is pending, never "dirty"); on success failed=false;
//   - `migrate baseline V` writes one row with baseline=true and version V: every file up to V
//     counts as applied without having run;
//   - optionally the runner stores prefix_checksum(file, statements_done) with the progress
//     (done_checksum), which lets plan_up() prove that a file edited to fix the failed statement
//     did not also change the statements that already ran.
//
// Drift (an applied file whose bytes changed, or an applied version whose file is gone) blocks
// plan_up() and plan_down() with IntegrityError (exit 8): running more SQL on top of a history
// that no longer matches the files is how environments silently diverge. verify() and status()
// report it; `migrate repair` is how an operator accepts it.
#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/migrate/file.hpp"

namespace tenantctl::migrate {

// Flyway repeatables are recorded under "R__<description>".
inline bool is_repeatable_version(std::string_view version) { return version.substr(0, 3) == "R__"; }

// One ledger row, as the runner read it.
struct AppliedMigration {
    std::string version;
    std::string name;
    std::string checksum;         // MigrationFile::checksum when it was applied (or started, if failed)
    bool failed = false;          // a no-transaction migration that stopped part-way; resumable
    int statements_done = 0;      // up statements committed so far (meaningful when failed)
    std::string done_checksum{};  // optional: prefix_checksum(file, statements_done) at the time
    bool baseline = false;        // a `migrate baseline` marker row
};

// The file's own transaction blocks in its up section, for a no-transaction file: statement
// index of each BEGIN / START TRANSACTION -> index of the COMMIT, END, ROLLBACK or ABORT that
// closes it. The runner runs a block in one transaction together with its progress update, so a
// kill inside it re-runs the whole block on resume. Throws SourceError for a nested BEGIN or a
// block that is never closed.
std::map<std::size_t, std::size_t> transaction_blocks(const MigrationFile& file);

// SHA-256 (hex) over the first `statements` up statements of `file` (clamped to how many there
// are), each followed by a NUL byte, which cannot occur in SQL text.
std::string prefix_checksum(const MigrationFile& file, int statements);

struct PlannedMigration {
    MigrationFile file;
    std::size_t first_statement = 0;  // index into split_statements(up_sql, up_first_line) to start at
    bool resume = false;              // continues a failed no-transaction migration
    bool out_of_order = false;        // older than the newest applied version (--allow-out-of-order)
    // Resuming a file whose checksum differs from the failed attempt's, with no done_checksum to
    // prove the statements already run are unchanged: the runner should warn.
    bool changed_since_failure = false;
};

enum class Direction { up, down };

struct Plan {
    Direction direction = Direction::up;
    // up: oldest first, run each file's up section (from first_statement);
    // down: newest first, run each file's down section.
    std::vector<PlannedMigration> migrations;

    bool empty() const { return migrations.empty(); }
};

// Pending migrations up to and including `to_version` (all when nullopt), oldest first.
// Throws UsageError for a malformed --to, NotFound when no file has that version,
// IntegrityError on drift, and Refused when:
//   - a pending file is older than the newest applied version and !allow_out_of_order:
//     "migration 20240101000000_x is older than the newest applied 20240201000000_y; missing:
//     20240101000000_x, ..." (every such file is listed, also as details);
//   - a failed migration's file now has fewer statements than already ran, or its done_checksum
//     no longer matches the statements that already ran.
Plan plan_up(const std::vector<MigrationFile>& files, const std::vector<AppliedMigration>& applied,
             const std::optional<std::string>& to_version, bool allow_out_of_order);

// What to revert: everything newer than `to_version` (which stays applied), or else the newest
// `steps` applied migrations.
struct DownTarget {
    std::optional<std::string> to_version;
    int steps = 1;
};

// Applied migrations to revert, newest first. Throws UsageError for a malformed --to or
// steps < 1, NotFound when --to names no applied version, IntegrityError on drift, and Refused
// when a migration to revert has no down section (all such are listed), stopped part-way
// (finish or repair it first), lies below the baseline, or when steps exceeds the number of
// applied migrations (a typo must not revert everything). Nothing applied: an empty plan.
Plan plan_down(const std::vector<MigrationFile>& files, const std::vector<AppliedMigration>& applied,
               const DownTarget& target);

enum class DriftKind { checksum_changed, file_missing };
std::string_view to_string(DriftKind kind);  // "checksum-changed" | "file-missing"

struct Drift {
    DriftKind kind;
    std::string version;
    std::string name;
    std::string path;  // empty when the file is missing
    std::string applied_checksum;
    std::string file_checksum;  // empty when the file is missing
};

// One line: "20240101000000_x: changed since it was applied (checksum 1a2b3c4d5e6f, file now ...)".
std::string describe(const Drift& drift);

// Applied (not failed) migrations whose file changed, and ledger rows (applied or failed, not
// baseline markers) whose file is missing; by version.
std::vector<Drift> verify(const std::vector<MigrationFile>& files, const std::vector<AppliedMigration>& applied);

enum class MigrationState {
    applied,
    pending,
    failed,        // no-transaction migration stopped part-way; `migrate up` resumes it
    changed,       // applied, but the file's checksum differs
    missing_file,  // in the ledger, but no file
    baselined,     // covered by `migrate baseline`
};
std::string_view to_string(MigrationState state);  // "applied", ..., "missing-file", "baselined"

struct StatusRow {
    std::string version;
    std::string name;
    std::string path;  // empty for missing-file
    MigrationState state;
    std::string applied_checksum;  // empty when not in the ledger
    std::string file_checksum;     // empty when there is no file
    int statements_done = 0;       // failed: how far it got
    int statements_total = 0;      // failed: the file's up statement count
    bool out_of_order = false;     // pending and older than the newest applied version
};

// One row per version found in the files or the ledger, by version.
std::vector<StatusRow> status(const std::vector<MigrationFile>& files, const std::vector<AppliedMigration>& applied);

// Counts over status rows, for the summary line and exit codes.
struct MigrationStatus {
    std::size_t applied = 0;
    std::size_t pending = 0;
    std::size_t failed = 0;
    std::size_t changed = 0;
    std::size_t missing_file = 0;
    std::size_t baselined = 0;

    bool has_pending_work() const { return pending > 0 || failed > 0; }  // `status --check`: exit 3
    bool has_drift() const { return changed > 0 || missing_file > 0; }   // `verify`: exit 8
};
MigrationStatus summarize(const std::vector<StatusRow>& rows);

}  // namespace tenantctl::migrate
