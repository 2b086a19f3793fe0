// tenantctl.yaml (DESIGN section 3): where it is found, what it may contain, and the typed
// result every other part of tenantctl reads.
//
// The parser is strict on purpose: an operator's typo in a config file (`retension: 400d`)
// must not silently fall back to a default that deletes audit partitions early. Unknown keys
// at any level, wrong types, invalid enum values and durations, and inconsistent data-map
// entries are all UsageError (exit 2) naming `file:line:col` (1-based) and, for near-miss
// keys and values, a "did you mean" hint.
//
// Decisions the design left open:
//   - `current_context` (top level) names the context used when `--context` is not given, as
//     kubectl's current-context does. Without it and without `--context`, the config supplies
//     no database (libpq's defaults apply) even if exactly one context exists: picking "the
//     only one" silently is how a command meant for staging reaches production.
//   - The refresh-token lifetime (how long retired JWT signing keys stay published) is
//     `keys.refresh_token_lifetime`, default 7d.
//   - Relative paths written in the file (`migrations.dir`, `audit.archive_dir`,
//     `keys.master_key: file:...`) are relative to the directory holding the config file, as
//     kubeconfig paths are, so a command behaves the same from any working directory. The
//     default `migrations` (not written in the file) stays relative to the working directory.
//   - `keys.master_key` must be a source (`env:NAME`, `file:PATH`, `cmd:COMMAND`); a literal
//     key is rejected, because config files get committed, and the value is never echoed.
//   - YAML merge keys (`<<`) and multi-document files are rejected rather than half-supported.
#pragma once

#include "core/util/duration.hpp"

#include <nlohmann/json.hpp>

#include <compare>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tenantctl::config {

// A table name as written in the data map: `users` is public.users, `app.users` is app.users.
// Names are taken as written (no case folding); they are quoted when used in SQL.
struct QualifiedName {
    std::string schema = "public";
    std::string name;

    std::string to_string() const;  // always schema-qualified: "public.users"
    auto operator<=>(const QualifiedName&) const = default;
};

// `TABLE.COLUMN` or `SCHEMA.TABLE.COLUMN`.
struct ColumnRef {
    QualifiedName table;
    std::string column;

    std::string to_string() const;  // "public.users.id"
    auto operator<=>(const ColumnRef&) const = default;
};

// Both throw UsageError (without a file position) on names that are empty, have too many
// parts, or are longer than PostgreSQL's 63-byte identifiers.
QualifiedName parse_qualified_name(std::string_view text);
ColumnRef parse_column_ref(std::string_view text);

struct ContextConfig {
    std::string database;  // a libpq connection string or URI; may hold a password: never log it
    // `protected: true`: every mutating command against it needs the context's name typed
    // (production, where a reflexive --yes is the risk).
    bool is_protected = false;
    bool operator==(const ContextConfig&) const = default;
};

enum class TenancyMode { shared, schema };
std::string_view to_string(TenancyMode mode);

// `tenancy.tenants_table`: the application's own table of tenants (`companies`, `accounts`,
// `"Tenant"`). Its `key` column holds the value every tenancy column holds; `slug` and `name`
// are optional columns tenantctl reads when adopting rows and writes when creating tenants.
struct TenantsTableConfig {
    QualifiedName table;
    std::string key = "id";
    std::optional<std::string> slug;
    std::optional<std::string> name;
    bool operator==(const TenantsTableConfig&) const = default;
};

struct TenancyConfig {
    TenancyMode mode = TenancyMode::shared;
    std::string column = "tenant_id";   // the tenancy column of every tenant-scoped table
    std::string setting = "app.tenant_id";  // the GUC the RLS policies read
    std::string app_role = "app";       // the role the application connects as
    std::optional<TenantsTableConfig> tenants_table;
    bool operator==(const TenancyConfig&) const = default;
};

enum class JwtAlgorithm { rs256, es256 };
std::string_view to_string(JwtAlgorithm alg);  // "RS256", "ES256"

struct KeysConfig {
    std::optional<std::string> master_key;  // a source: env:NAME, file:/abs/path, cmd:COMMAND
    util::Duration rotate_after{0, std::chrono::days{90}};
    util::Duration refresh_token_lifetime{0, std::chrono::days{7}};
    JwtAlgorithm jwt_alg = JwtAlgorithm::rs256;
    bool operator==(const KeysConfig&) const = default;
};

struct AuditConfig {
    util::Duration retention{0, std::chrono::days{400}};
    int premake = 3;  // months of partitions created ahead, 0 to 24
    std::optional<std::filesystem::path> archive_dir;
    bool operator==(const AuditConfig&) const = default;
};

// `maintain.disable`: tasks `tenantctl maintain` leaves out of a full run (`--only` still runs
// one on purpose). The names are kMaintainTasks, checked when the file is read, so a typo
// cannot silently keep a task running.
inline constexpr std::string_view kMaintainTasks[] = {"audit-partitions", "audit-seal",    "audit-prune",
                                                      "tenant-purge",     "key-rotate",    "key-reencrypt",
                                                      "jwt-retire",       "gdpr-due"};

struct MaintainConfig {
    std::vector<std::string> disable;
    bool operator==(const MaintainConfig&) const = default;
};

// migrations.layout: whose file layout the directory follows (core/migrate/file.hpp);
// "auto" detects it from the directory.
inline constexpr std::string_view kMigrationLayouts[] = {"auto",    "tenantctl", "dbmate", "golang-migrate",
                                                         "flyway",  "supabase",  "prisma"};

struct MigrationsConfig {
    std::filesystem::path dir = "migrations";
    std::string layout = "auto";
    bool operator==(const MigrationsConfig&) const = default;
};

// `data.subjects`: the table whose rows are the data subjects (one map, despite the plural
// the design uses). `key` is the column a subject's id is read from; `lookup` lists further
// columns a selector may name (`email:alice@example.com`).
struct SubjectsConfig {
    QualifiedName table;
    std::string key = "id";
    std::vector<std::string> lookup;
    bool operator==(const SubjectsConfig&) const = default;
};

enum class EraseAction { delete_rows, anonymize, retain };
std::string_view to_string(EraseAction action);  // "delete", "anonymize", "retain"

// How `erase: anonymize` overwrites one column: `null` sets NULL, `redact` writes a fixed
// marker, `hash` writes a keyed pseudonym (the same input gives the same output, so joins
// and counts keep working without the value). Columns the map does not name get the gdpr
// module's default treatment.
enum class AnonymizeStrategy { null, redact, hash };
std::string_view to_string(AnonymizeStrategy strategy);

// One entry of `data.tables`.
struct TableConfig {
    QualifiedName table;
    std::optional<std::string> subject;  // column holding the subject's key; absent: reached by foreign keys only
    std::vector<std::string> pii;        // columns holding personal data
    std::vector<std::string> encrypted;  // columns holding Fernet tokens
    std::vector<std::string> non_pii;    // columns declared to hold no personal data (for `gdpr lint`)
    std::optional<EraseAction> erase;
    std::optional<std::string> basis;    // the legal basis; required by, and only allowed with, erase: retain
    std::map<std::string, AnonymizeStrategy> anonymize;  // only with erase: anonymize
    bool operator==(const TableConfig&) const = default;
};

// `data.links`: a reference the catalog has no foreign key for (`from` holds values of `to`).
struct LinkConfig {
    ColumnRef from;
    ColumnRef to;
    bool operator==(const LinkConfig&) const = default;
};

// `data.exclude`: somewhere discovery must not go. The last part of an entry is the column, or
// `*` for the whole table; a single name is a whole table: `audit_copy`, `app.audit_copy.*`,
// `users.manager_id`, `app.users.manager_id`.
struct Exclusion {
    QualifiedName table;
    std::optional<std::string> column;  // absent: the whole table
    bool operator==(const Exclusion&) const = default;
};

struct DataConfig {
    std::optional<SubjectsConfig> subjects;
    std::vector<TableConfig> tables;  // in file order; each table at most once
    std::vector<LinkConfig> links;
    std::vector<Exclusion> exclude;
    // `data.processing`, GDPR Art. 15(1)(a)-(h) and 15(2), copied into the export's
    // processing.json as written: an object whose values are strings or arrays of strings,
    // with the keys purposes (a), categories (b), recipients (c), retention (d), rights (e),
    // complaint (f), source (g), automated_decision_making (h), transfers (15(2)).
    nlohmann::ordered_json processing = nlohmann::ordered_json::object();

    const TableConfig* find_table(const QualifiedName& name) const;
    bool operator==(const DataConfig&) const = default;
};

struct Config {
    std::string source;  // the file this came from; empty for the built-in defaults
    std::map<std::string, ContextConfig> contexts;
    std::optional<std::string> current_context;  // always one of `contexts` when set
    std::string schema = "tenantctl";             // the platform schema
    TenancyConfig tenancy;
    KeysConfig keys;
    AuditConfig audit;
    MigrationsConfig migrations;
    MaintainConfig maintain;
    DataConfig data;

    // The database URL the config supplies: the named context's, else current_context's,
    // else nothing (the caller falls back to libpq's defaults). An unknown name is a
    // UsageError listing the known contexts.
    std::optional<std::string> database_for(std::optional<std::string> context_name) const;

    bool operator==(const Config&) const = default;
};

// Parses the text of a config file; `filename` is used in error messages and to resolve
// relative paths (see above). Empty text gives the defaults.
Config parse_config(std::string_view yaml_text, std::string_view filename);

// Reads and parses a file; an unreadable file is a UsageError naming it.
Config load_config_file(const std::filesystem::path& path);

// The effective configuration (defaults filled in) as YAML that parse_config reads back to an
// equal Config. It contains the database URLs as written: do not log it.
std::string to_yaml(const Config& config);

// Where locate_config looks, injectable so tests need not touch the process environment.
struct SearchEnvironment {
    std::optional<std::string> tenantctl_config;  // $TENANTCTL_CONFIG
    std::optional<std::string> xdg_config_home;   // $XDG_CONFIG_HOME
    std::optional<std::string> home;              // $HOME
    std::filesystem::path working_dir;

    static SearchEnvironment from_process();
};

// Finds the config file: the --config flag, else $TENANTCTL_CONFIG, else ./tenantctl.yaml,
// else $XDG_CONFIG_HOME/tenantctl/config.yaml (XDG_CONFIG_HOME defaulting to ~/.config, and
// ignored when relative, as the XDG spec says). A file named by the flag or the variable
// must exist (UsageError otherwise); a missing default just means no config (nullopt). An
// empty flag or variable counts as not given.
std::optional<std::filesystem::path> locate_config(const std::optional<std::string>& flag_value,
                                                   const SearchEnvironment& env);
std::optional<std::filesystem::path> locate_config(const std::optional<std::string>& flag_value);

}  // namespace tenantctl::config
