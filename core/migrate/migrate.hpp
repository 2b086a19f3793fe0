// `tenantctl migrate`: the operations behind each subcommand, on the database. The pure half
// (files, planning, lint) is file.hpp, plan.hpp and lint.hpp; executing a plan on one target is
// runner.hpp; the schema-mode fan-out is fleet.hpp.
//
// Two tracks. Files with `scope=shared` (the default) form the shared track: they run once, with
// the connection's search_path, and are recorded under target 'shared'. Files with
// `scope=tenant` form the tenant track: they run in every tenant schema (tenants with isolation
// 'schema', schema `tenant_<slug>`), with `search_path = tenant_<slug>, public`, recorded under
// the schema's name. `migrate up` applies the shared track first, then fans the tenant track
// out, so tenant files may rely on shared objects of any version up to the same target.
// Out-of-order detection, drift and --to apply to each track separately (--to V stops each
// track at its newest file not newer than V).
//
// Every run holds the session-level advisory lock 'migrate' on its own connection (a second run
// waits up to --lock-timeout, then exits 6 naming the holder), and each target is migrated under
// its own lock as well (TargetLock), which is what apply_tenant_migrations() takes, so `tenant
// create` can migrate a new schema while a fan-out runs elsewhere.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "core/migrate/fleet.hpp"
#include "core/migrate/plan.hpp"
#include "core/migrate/runner.hpp"

namespace tenantctl {
class Context;
}

namespace tenantctl::migrate {

// --dir when given, else the config's migrations.dir.
std::filesystem::path migrations_dir(const Context& ctx, const std::string& dir_option);

// Applies every pending `scope=tenant` migration of the configured migrations directory to
// `schema_name` (which must exist), under that schema's advisory lock, on ctx.db(), each in
// its own transaction (no-transaction files statement by statement). For `tenant create
// --isolation schema`: call it after the transaction that created the schema has committed.
// Returns what ran (empty when there is no migrations directory or nothing tenant-scoped).
// Throws like `migrate up` (IntegrityError on drift, Error with file:line on a failing
// statement, Busy when another run holds the schema past --lock-timeout).
std::vector<MigrationOutcome> apply_tenant_migrations(Context& ctx, const std::string& schema_name);

// migrations.layout of the config (nullopt: detect it from the directory).
std::optional<Layout> configured_layout(const Context& ctx);

struct Selection {
    std::filesystem::path dir;
    TenantFilter tenants;
    std::optional<Layout> layout;  // nullopt: detect_layout(dir)
};

// --- status ----------------------------------------------------------------------------------
struct TenantStatus {
    Target target;
    bool schema_exists = false;
    MigrationStatus counts;
    std::string newest;  // newest applied version ("" when none)
    std::string state;   // up-to-date | pending | failed | changed | missing-schema
};
struct StatusReport {
    std::vector<StatusRow> shared;
    std::vector<TenantStatus> tenants;
    std::size_t tenant_files = 0;
    bool has_pending() const;
    bool has_drift() const;
};
StatusReport status(Context& ctx, const Selection& sel);

// --- up / plan ---------------------------------------------------------------------------------
struct UpOptions {
    Selection sel;
    std::optional<std::string> to;
    bool allow_out_of_order = false;
    int parallel = 1;
    bool continue_on_error = false;
    std::optional<std::string> resume;  // run id
    int lock_retries = 3;
};

// Targets that share one plan (the same files from the same statements), for `plan` output.
struct PlanGroup {
    std::vector<Target> targets;
    Plan plan;
};

struct RunReport {
    std::string run_id;
    bool dry_run = false;
    std::vector<PlanGroup> plan;                 // dry run: what would run
    std::vector<MigrationOutcome> shared;        // shared-track migrations that ran
    std::vector<TargetResult> tenants;           // tenant targets that had work
    std::size_t tenants_up_to_date = 0;
    std::size_t failed() const;                  // tenant targets failed or not started
};

// `migrate plan` and `migrate up --dry-run`: nothing runs, no lock is taken.
std::vector<PlanGroup> plan(Context& ctx, const UpOptions& o);
RunReport up(Context& ctx, const UpOptions& o);

// --- down ----------------------------------------------------------------------------------------
struct DownOptions {
    Selection sel;
    DownTarget target;
    Scope scope = Scope::shared;
    int parallel = 1;
    bool continue_on_error = false;
    int lock_retries = 3;
};
RunReport down(Context& ctx, const DownOptions& o);

// --- verify --------------------------------------------------------------------------------------
struct TargetDrift {
    std::string target;
    Drift drift;
};
std::vector<TargetDrift> verify(Context& ctx, const Selection& sel);

// --- baseline / repair ---------------------------------------------------------------------------
struct ChangeRow {
    std::string target;
    std::string version;
    std::string name;
    std::string action;  // baselined | checksum-accepted | marked-applied | forgotten
    std::string detail;
};

// Records `version` as the baseline of the shared track (or of every selected tenant schema):
// files up to it count as applied. Refused when the track already has ledger rows.
std::vector<ChangeRow> baseline(Context& ctx, const Selection& sel, const std::string& version, Scope scope);

struct RepairOptions {
    Selection sel;
    Scope scope = Scope::shared;
    std::optional<std::string> mark_applied;  // a failed step a human finished by hand
    std::optional<std::string> forget;        // a ledger row a human undid by hand (or whose file is gone)
};
// Without mark_applied/forget: accepts every changed checksum (the files are the truth).
std::vector<ChangeRow> repair(Context& ctx, const RepairOptions& o);

}  // namespace tenantctl::migrate
