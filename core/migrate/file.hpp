// Application migration files: naming, sections, header directives, loading a directory.
//
// A migration is `migrations/<YYYYMMDDHHMMSS>_<name>.sql`, name matching [a-z0-9_]+:
//
//     -- Add the invoices table.                      (plain comments are fine anywhere)
//     -- tenantctl:scope=shared                       (header directives, see below)
//     -- tenantctl:lock-timeout=5s
//     -- migrate:up
//     CREATE TABLE invoices (...);
//     -- migrate:down
//     DROP TABLE invoices;
//
// Sections. `-- migrate:up` is required and must contain at least one statement.
// `-- migrate:down` is optional; a down section with no statement counts as absent, so
// `migrate down` refuses to revert that migration instead of silently dropping its ledger row
// while leaving its schema changes behind. (For a deliberate no-op revert write `SELECT 1;`.)
// Markers are whole lines (whitespace around them allowed) and are found line by line, before
// any SQL lexing: a typo such as an unclosed quote in the up section can never swallow the down
// marker and run the down SQL as part of `up`. Near misses (`--migrate:up`, `-- migrate:UP`,
// `-- migrate:up transaction:false`, goose's `-- +goose Up`, sql-migrate's `-- +migrate Up`)
// are errors rather than comments, for the same reason. Being line-based, markers and directives
// are recognised even inside a dollar-quoted body; such a body is then cut in two, which fails as
// an unterminated dollar quote rather than running something unintended.
//
// Header directives: whole-line comments before `-- migrate:up` (only blank lines and `--`
// comments may precede the marker):
//   -- tenantctl:no-transaction          run statement by statement, outside a transaction
//                                        (needed for CREATE INDEX CONCURRENTLY); progress is
//                                        recorded per statement so a failure resumes
//   -- tenantctl:scope=shared|tenant     shared schema (default) or every tenant schema
//   -- tenantctl:lock-timeout=5s         SET lock_timeout for this migration
//   -- tenantctl:statement-timeout=1m    SET statement_timeout for this migration
//   -- tenantctl:nolint=RULE[,RULE]      silence lint rules (core/migrate/lint.hpp) for the file
// Durations are an integer and a unit: ms, s, m or h (`500ms`, `30s`, `15m`, `1h`; 0 means no
// timeout, as in PostgreSQL). Spaces after `tenantctl:` and around `=` are tolerated. Each
// directive may appear once, except nolint which accumulates.
//
// nolint inside the up section: a whole-line `-- tenantctl:nolint=RULE` comment there silences
// RULE for the next statement that starts after that line only (statement_nolint). It is an
// error when no statement follows it, and in the down section, which is not linted. Every other
// directive outside the header is an error: a no-transaction written below the marker would
// otherwise be silently ignored.
//
// Errors are SourceError (UsageError, exit 2) reading `path:line:col: what`.
#pragma once

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "core/migrate/statements.hpp"

namespace tenantctl::migrate {

// Where a migration applies: the shared schema, or each tenant's schema (schema-per-tenant).
enum class Scope { shared, tenant };
std::string_view to_string(Scope scope);

struct MigrationFile {
    std::string version;    // 14 digits, YYYYMMDDHHMMSS (UTC by convention)
    std::string name;       // [a-z0-9_]+
    std::string path;       // as given to the loader, for messages
    std::string checksum;   // sha256 hex of the whole file's bytes, exactly as on disk
    std::string up_sql;     // the text between the up marker and the down marker (or the end)
    int up_first_line = 0;  // file line of up_sql's first line
    std::string down_sql;
    int down_first_line = 0;
    bool has_down = false;  // a down section with at least one statement
    bool no_transaction = false;
    Scope scope = Scope::shared;
    std::optional<std::chrono::milliseconds> lock_timeout;
    std::optional<std::chrono::milliseconds> statement_timeout;
    std::set<std::string> nolint;  // rules silenced for the whole file (header directive)
    // Rules silenced for single statements: key is the index into
    // split_statements(up_sql, up_first_line).
    std::map<std::size_t, std::set<std::string>> statement_nolint;

    // "<version>_<name>", how migrations are named in messages.
    std::string id() const { return version + "_" + name; }
};

inline constexpr std::string_view kMigrationFilePattern = "<YYYYMMDDHHMMSS>_<name>.sql with name matching [a-z0-9_]+";

// True for exactly 14 digits forming a plausible UTC timestamp (month 01-12, day 01-31,
// hour < 24, minute and second < 60): what `migrate new` writes.
bool is_valid_version(std::string_view version);

// Throws UsageError when `version` (a --to argument, say) is not a valid version.
void require_valid_version(std::string_view version);

struct MigrationFileName {
    std::string version;
    std::string name;
};

// Splits "<version>_<name>.sql"; nullopt when the file name does not follow the pattern.
std::optional<MigrationFileName> parse_migration_file_name(std::string_view file_name);

// "500ms", "30s", "15m", "1h" (integer and unit, no sign, no spaces, at most 2^31-1 ms, the
// largest value PostgreSQL accepts for lock_timeout/statement_timeout); nullopt otherwise.
// Deliberately not the CLI's duration grammar: these become PostgreSQL timeouts.
std::optional<std::chrono::milliseconds> parse_timeout(std::string_view text);

// Parses a migration from its bytes. `path` supplies the version and name (its file name must
// follow the pattern) and appears in messages. Both sections are lexed, so an unterminated quote
// or comment is reported here, before anything runs. Throws SourceError.
MigrationFile parse_migration(std::string_view content, const std::filesystem::path& path);

// Reads and parses one file. Throws SourceError (unreadable file, or as parse_migration).
MigrationFile load_migration(const std::filesystem::path& path);

// Files that may sit in a migrations directory without being migrations: dotfiles (.gitkeep,
// editor swap files) and README* (any case). Subdirectories are skipped as well.
bool is_ignored_directory_entry(std::string_view file_name);

// Loads every migration in `dir`, sorted by version. Throws UsageError when the directory is
// missing or not a directory, when any other entry's name does not follow the pattern (a
// misnamed migration must never be skipped silently; all such names are listed as details),
// when two files share a version (naming both), and as load_migration.
std::vector<MigrationFile> load_directory(const std::filesystem::path& dir);

}  // namespace tenantctl::migrate
