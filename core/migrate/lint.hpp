// `migrate lint`: offline checks for migration statements that lock or break a busy production
// database, or that leave a tenant table unprotected.
//
// The linter reads the up section only (down sections run rarely and by hand), statement by
// statement as split_statements() cuts them, on tokens: comments and string contents never
// match, keywords are case-insensitive, "quoted" identifiers keep their case, schema-qualified
// names are compared by their last part. A table counts as existing unless a CREATE TABLE
// earlier in the same file created it (or a RENAME gave it that name).
//
// Rules (ids are stable: they appear in output and in `-- tenantctl:nolint=` directives):
//
//   index-not-concurrent (error)
//       CREATE INDEX without CONCURRENTLY on an existing table blocks writes for the whole
//       build. Use CREATE INDEX CONCURRENTLY in a `-- tenantctl:no-transaction` file.
//       `ON ONLY parent` (the partitioned-table recipe) is not flagged.
//   concurrently-in-transaction (error)
//       CREATE/DROP INDEX CONCURRENTLY, REINDEX ... CONCURRENTLY or DETACH PARTITION ...
//       CONCURRENTLY in a file without `-- tenantctl:no-transaction`: PostgreSQL refuses to run
//       them inside a transaction block.
//   add-column-not-null-no-default (error)
//       ADD COLUMN ... NOT NULL (or PRIMARY KEY) without DEFAULT on an existing table fails as
//       soon as the table has rows. Add a DEFAULT, or add the column nullable, backfill, then
//       SET NOT NULL. Identity and serial columns have values and are not flagged.
//   volatile-default (error)
//       ADD COLUMN with a volatile DEFAULT (random(), gen_random_uuid(), uuid_generate_v4(),
//       clock_timestamp(), timeofday(), nextval(), gen_random_bytes(), or a serial type) on an
//       existing table rewrites the whole table under an ACCESS EXCLUSIVE lock. Since
//       PostgreSQL 11 a non-volatile default is stored once and costs nothing; now(),
//       CURRENT_TIMESTAMP and statement_timestamp() are STABLE, so they are not flagged (every
//       existing row gets the time of the ALTER).
//   fk-not-valid (error)
//       ADD [CONSTRAINT ...] FOREIGN KEY, or ADD COLUMN ... REFERENCES, on an existing table
//       without NOT VALID scans the table while blocking writes to both tables. Add it NOT VALID,
//       then VALIDATE CONSTRAINT in a later statement.
//   column-type-change (warning)
//       ALTER COLUMN ... [SET DATA] TYPE on an existing table usually rewrites it under an ACCESS
//       EXCLUSIVE lock (binary-compatible changes such as varchar(n) -> text do not: silence the
//       rule for them).
//   set-not-null (warning)
//       ALTER COLUMN ... SET NOT NULL on an existing table scans it under an ACCESS EXCLUSIVE
//       lock. Add CHECK (col IS NOT NULL) NOT VALID, VALIDATE it, then SET NOT NULL (PG 12+
//       skips the scan).
//   rls-missing (error)
//       CREATE TABLE with the tenancy column (LintOptions::tenant_column) but the same file
//       lacks ALTER TABLE <t> ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY, or
//       CREATE POLICY ... ON <t> (in this file or a later one): the new table would be readable
//       across tenants. Not checked
//       for `scope=tenant` files (the schema isolates them), temporary tables, or partitions
//       (PARTITION OF), whose columns are not listed.
//   rls-disabled (error)
//       ALTER TABLE ... DISABLE ROW LEVEL SECURITY or NO FORCE ROW LEVEL SECURITY turns tenant
//       isolation off.
//   transaction-control (error)
//       BEGIN, START TRANSACTION, COMMIT, END, ROLLBACK, ABORT, SAVEPOINT, RELEASE or PREPARE
//       TRANSACTION in a migration: tenantctl owns the transaction (the ledger row commits with
//       the migration), and a COMMIT inside the file would break that guarantee (`migrate up`
//       refuses such a file too). Not reported in a `no-transaction` file, where each
//       BEGIN ... COMMIT block runs as one unit with its progress.
//
//   fk-without-index (warning)
//       FOREIGN KEY / REFERENCES whose referencing columns are not the leading columns of an
//       index, primary key or unique constraint created anywhere in the files linted: deleting a
//       referenced row (and purging a tenant) then scans the referencing table.
//
// Names are resolved with their schema: a qualified name as written; an unqualified one with the
// schema of the file's latest `SET search_path` (its first schema other than "$user",
// pg_catalog, pg_temp), else public. So app.notes and public.notes are different tables.
// Across files: lint_files() reads every file first, so ENABLE/FORCE ROW LEVEL SECURITY and
// CREATE POLICY in a later file (by version) count for a table created earlier; the table then
// gets a `note` naming that file instead of an error. Indexes from any file count for a
// foreign key.
//
// `parse-error` (error) is not a rule but how lint_files() reports a file it cannot parse.
#pragma once

#include <filesystem>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/migrate/file.hpp"

namespace tenantctl::migrate {

struct LintRule {
    std::string_view id;
    std::string_view severity;  // "error" | "warning"
    std::string_view summary;   // one line, for --help and the man page
};

// Every rule, in the order documented above.
std::span<const LintRule> lint_rules();
// nullptr when no rule has this id.
const LintRule* find_lint_rule(std::string_view id);

inline constexpr std::string_view kParseErrorRule = "parse-error";

struct LintOptions {
    std::string tenant_column = "tenant_id";  // the column that marks a table as tenant-scoped
    std::optional<Layout> layout;             // nullopt: detect it per directory
    // Report findings only for these files (canonical paths; `--changed-since`); the other files
    // are still read, for the rules that look across files.
    std::optional<std::set<std::filesystem::path>> only;
};

struct LintFinding {
    std::string file;
    int line = 0;  // 0: the file as a whole
    int col = 0;
    std::string rule;
    std::string message;
    std::string severity;  // "error" | "warning" | "note" (informational: not a failure)
};

// Findings for one parsed file, in statement order. Rules silenced by the file's nolint or the
// statement's nolint are left out.
std::vector<LintFinding> lint(const MigrationFile& file, const LintOptions& options = {});

// Lints each path in order; a directory stands for its entries (sorted, minus the ignored ones of
// is_ignored_directory_entry), and a file reached twice is linted once. A file that cannot be read
// or parsed (bad name, bad directive, unterminated quote...) becomes one `parse-error` finding and
// the run goes on; so does a second file with an already-seen version (load_directory refuses it).
std::vector<LintFinding> lint_files(const std::vector<std::filesystem::path>& paths, const LintOptions& options = {});

// True when any finding has severity "error" (what `migrate lint` turns into a failing exit).
bool has_errors(const std::vector<LintFinding>& findings);

}  // namespace tenantctl::migrate
