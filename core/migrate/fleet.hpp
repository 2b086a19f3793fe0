// Schema mode: the tenant schemas `scope=tenant` files apply to, read with their ledgers in one
// query, and the fan-out that migrates them over N worker connections.
//
// Fan-out design (research/migrations.md pain points 4-7):
//   - one query reads every tenant schema's ledger (the platform ledger is keyed by target), so
//     a run with nothing to do plans 1,000 schemas without opening a connection per schema;
//   - only targets with work go to the workers; each worker has its own connection and, while it
//     migrates a schema, holds that schema's advisory lock (TargetLock) on it, so `tenant
//     create` applying migrations to a new schema never races a fan-out;
//   - each worker re-reads its target's ledger under that lock and re-plans, so the snapshot
//     the run started from can never make it apply something twice;
//   - a run with work is a jobs row (kind migrate.up|migrate.down, id = run id) plus one
//     migration_run_targets row per target, updated as targets finish: `--resume RUN` retries
//     the ones not done; without --continue-on-error the first failure stops new targets from
//     starting (they stay pending for --resume).
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/migrate/runner.hpp"
#include "core/records.hpp"

namespace tenantctl {
class Context;
}

namespace tenantctl::migrate {

struct TenantSchema {
    Target target;
    bool schema_exists = false;
    std::vector<AppliedMigration> applied;
};

// Which tenants: every live tenant with isolation 'schema', or only `only` (slugs), minus
// `exclude`. A slug in `only` or `exclude` that names no tenant is NotFound (exit 4); one in
// `only` whose tenant uses shared isolation is Refused (exit 5).
struct TenantFilter {
    std::vector<std::string> only;
    std::vector<std::string> exclude;
};

// Every selected tenant schema with its ledger rows, ordered by slug: one query.
std::vector<TenantSchema> read_fleet(Context& ctx, pqxx::transaction_base& tx, const TenantFilter& filter);

// A target and what the snapshot says must run there.
struct FanoutItem {
    Target target;
    bool schema_exists = true;
    std::string precheck_error;  // planning failed on the snapshot (drift, out of order...): fails the target
};

struct TargetResult {
    Target target;
    std::string state;  // "done" | "failed" | "pending" (not started: an earlier failure stopped the run)
    int applied = 0;    // migrations applied or reverted here
    long long duration_ms = 0;
    std::string error;
    std::vector<MigrationOutcome> outcomes;
};

struct FanoutRequest {
    std::vector<FanoutItem> items;
    // Re-plans one target from its ledger rows, read under the target's lock.
    std::function<Plan(const std::vector<AppliedMigration>&)> planner;
    int parallel = 1;
    bool continue_on_error = false;
    std::string job_kind;  // "migrate.up" | "migrate.down"
    json job_cursor;       // what --resume needs to plan the same run again
    std::optional<std::string> resume_run;  // continue this run's jobs row instead of creating one
};

// Runs the fan-out and returns one result per item, in item order. The number of workers is
// capped by the targets and by the connections the server has free (max_connections minus
// reserved and current ones), with a note when capped.
std::vector<TargetResult> run_fanout(Context& ctx, const RunSettings& settings, const FanoutRequest& request);

// The run's jobs row: its cursor (options) and the targets not done. NotFound when no migrate run
// has that id; Refused when it finished with every target done.
struct ResumableRun {
    std::string kind;
    json cursor;
    std::vector<std::string> targets;  // target names not done
};
ResumableRun load_run(Context& ctx, pqxx::transaction_base& tx, const std::string& run_id);

// How many worker connections the server can give us now (at least 1).
int available_connections(pqxx::transaction_base& tx);

}  // namespace tenantctl::migrate
