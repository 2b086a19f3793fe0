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
// Errors are SourceError (UsageError, exit 2) reading `path:line:col: what`. A NUL byte or
// invalid UTF-8 anywhere in a file is such an error: the server would truncate the SQL at a NUL
// (while the checksum covers the whole file) and reject invalid UTF-8 only when the file runs.
//
// Other tools' layouts (Layout): the same MigrationFile is read from
//   dbmate            <version>_<name>.sql, any digits as version, the same up/down markers
//   golang-migrate    <version>_<name>.up.sql (+ optional .down.sql), plain SQL
//   flyway            V<version>__<desc>.sql, U<version>__<desc>.sql (its undo, the down section),
//                     R__<desc>.sql (repeatable: re-run after the versioned ones whenever its
//                     checksum changes); versions like 1.1 or 1_1 order numerically
//   supabase          <14 digits>_<name>.sql, names may hold hyphens, plain SQL
//   prisma            <14 digits>_<name>/migration.sql, plain SQL
// In a plain-SQL file the whole file is the up section; tenantctl: directives may still be
// written as whole-line comments before the first statement.
//
// Transaction control (BEGIN, COMMIT, ROLLBACK, SAVEPOINT, ... as statements, not inside
// function or DO bodies) is recorded per section (tx_control) so the planner can refuse such a
// file before anything runs unless it is marked no-transaction.
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

enum class Layout { tenantctl, dbmate, golang_migrate, flyway, supabase, prisma };
std::string_view to_string(Layout layout);  // "tenantctl", "dbmate", "golang-migrate", ...
// "auto" is not a layout: nullopt for it; throws UsageError for an unknown name.
std::optional<Layout> parse_layout(std::string_view name);
inline constexpr std::string_view kLayoutNames = "auto, tenantctl, dbmate, golang-migrate, flyway, supabase, prisma";

// Orders versions the way the tools do: runs of digits compare as numbers (so 1.10 > 1.9 and
// 000002 > 1), separators '.' and '_' are equivalent, and a version that does not start with a
// digit (a Flyway repeatable, "R__name") sorts after every numeric one. For 14-digit
// timestamps this is plain string order.
int compare_versions(std::string_view a, std::string_view b);
struct VersionLess {
    using is_transparent = void;
    bool operator()(std::string_view a, std::string_view b) const { return compare_versions(a, b) < 0; }
};

// The first transaction-control statement of a section.
struct TransactionControl {
    int line = 0;
    int col = 0;
    std::string word;  // as written, upper-cased: "BEGIN", "COMMIT", ...
};

struct MigrationFile {
    std::string version;    // 14 digits, YYYYMMDDHHMMSS (UTC by convention), or the layout's version
    std::string name;       // [a-z0-9_]+ (other layouts: the tool's name or description)
    std::string path;       // as given to the loader, for messages
    std::string down_path;  // where the down section comes from (path, or a .down.sql / U file)
    Layout layout = Layout::tenantctl;
    bool repeatable = false;  // Flyway R__ file: version is "R__<desc>"
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
    std::optional<TransactionControl> up_tx_control;
    std::optional<TransactionControl> down_tx_control;

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

// Parses a file of another layout (the name must follow that layout's pattern).
MigrationFile parse_migration(std::string_view content, const std::filesystem::path& path, Layout layout);

// Adds the down section of a separate file (golang-migrate .down.sql, Flyway U file).
void attach_down_file(MigrationFile& file, std::string_view content, const std::filesystem::path& path);

// Reads and parses one file. Throws SourceError (unreadable file, not a regular file such as a
// FIFO, or as parse_migration).
MigrationFile load_migration(const std::filesystem::path& path);
MigrationFile load_migration(const std::filesystem::path& path, Layout layout);

// Reads a file's bytes; refuses anything but a regular file (a FIFO would block forever).
std::string read_source_file(const std::filesystem::path& path);

// The layout of a directory from its entries: a subdirectory with migration.sql is Prisma,
// V/U/R__ files are Flyway, .up.sql/.down.sql golang-migrate; otherwise files with `-- migrate:up`
// markers are tenantctl, and marker-less files whose names tenantctl would refuse (hyphens, other
// version lengths) Supabase. dbmate is never guessed (its files are tenantctl's; a mistyped
// tenantctl name must stay an error): set it in the config. An empty or missing directory is
// tenantctl.
Layout detect_layout(const std::filesystem::path& dir);

// The file name pattern of a layout, for messages.
std::string_view file_pattern(Layout layout);

// Files that may sit in a migrations directory without being migrations: dotfiles (.gitkeep,
// editor swap files) and README* (any case). Subdirectories are skipped as well.
bool is_ignored_directory_entry(std::string_view file_name);

// Loads every migration in `dir`, sorted by version. Throws UsageError when the directory is
// missing or not a directory, when any other entry's name does not follow the pattern (a
// misnamed migration must never be skipped silently; all such names are listed as details),
// when two files share a version (naming both), and as load_migration.
// `layout`: nullopt detects it (detect_layout). Non-regular files (FIFOs, sockets, devices) are
// refused by name before any file is opened.
std::vector<MigrationFile> load_directory(const std::filesystem::path& dir,
                                          std::optional<Layout> layout = std::nullopt);

// The migration files `load_directory` reads (the up files; for Prisma the migration.sql files),
// sorted by path. For `migrate lint` of a directory.
std::vector<std::filesystem::path> directory_files(const std::filesystem::path& dir, Layout layout);

// The versions the file names in `dir` carry (nothing is read or parsed); empty when the
// directory does not exist. For `migrate new`, which must work beside an untouched scaffold.
std::vector<std::string> directory_versions(const std::filesystem::path& dir, Layout layout);

}  // namespace tenantctl::migrate
