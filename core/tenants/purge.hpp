// `tenant purge`: the irreversible end of a tenant (DESIGN principle 2, research pain 4:
// "deleting a tenant leaves data behind").
//
// Steps, each resumable from the `jobs` checkpoint (kind `tenant_purge`):
//   1. start: a job row is written; a --force purge of a live tenant moves it to
//      pending_deletion in the same transaction as the first deleted rows;
//   2. rows: every relation of the data model (tenant tables, dependents that cascade, the
//      app's tenants table last) is emptied of the tenant's rows in batches, children before
//      parents; foreign-key cycles are broken by nulling the nullable side
//      first, or, when the cycle is only deferrable, by doing the row phase in one
//      transaction with the constraints deferred. Each batch commits with the checkpoint;
//   3. schema mode: DROP SCHEMA ... CASCADE of the tenant's schema;
//   4. verify: no row of the tenant is left anywhere (else IntegrityError, exit 8, and the
//      next run redoes every step);
//   5. finish, in one transaction: data keys destroyed (wrapped_key NULL, state destroyed:
//      crypto-shredding, so backups holding encrypted values become unreadable), API keys
//      deleted, GDPR request subjects cleared, the tenant row turned into a tombstone
//      without personal data, the audit event, the job marked done.
// Keys are destroyed only after the rows are verified gone, so a failure never leaves rows
// that nobody can decrypt any more but that are still there.
//
// Tables, row identities, tenancy types, foreign keys and the delete order come from the one
// data model (core/model). Batches are keyset ranges of the row identity, never ctid.
//
// Row-level security never hides a row from purge or from its leftover check: both run with
// `row_security = off` (model::enter_tenant), and a session that a policy binds is refused
// before anything changes (model::require_unfiltered, exit 5). Keys are destroyed only after
// that count shows zero rows.
//
// A new purge's job row and status change commit with its first batch: a purge that fails
// before deleting anything leaves the tenant as it was. One that fails midway keeps its job
// and says so; the next run resumes it.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include <pqxx/pqxx>

#include "core/records.hpp"
#include "core/tenants/model.hpp"

namespace tenantctl {
class Context;
}

namespace tenantctl::tenants {

inline constexpr const char* kPurgeJob = "tenant_purge";

struct PurgeOptions {
    long long batch_size = 5000;
    bool force = false;  // purge even when not pending_deletion or before purge_after
    // Stop between batches once this passes (maintain --max-duration); the job resumes later.
    std::optional<std::chrono::steady_clock::time_point> deadline;
};

struct TableCount {
    std::string table;  // schema.name
    long long rows = 0;
};

struct PurgeResult {
    std::string slug;
    std::string tenant_id;
    // purged | already_purged | interrupted (deadline; resumes) | would_purge (--dry-run)
    std::string outcome;
    long long rows_deleted = 0;
    std::vector<TableCount> tables;  // rows deleted per table (dry run: rows that would be)
    int keys_destroyed = 0;
    std::optional<std::string> schema_dropped;
};

// Purges one tenant (see above). Refused (exit 5) unless it is pending_deletion and past
// purge_after, or `force`. Confirmation is the caller's job.
PurgeResult purge(Context& ctx, const std::string& slug, const PurgeOptions& options);

struct DueResult {
    std::vector<PurgeResult> purged;  // including interrupted ones
    std::vector<std::pair<std::string, std::string>> failed;  // slug, error
    bool deadline_reached = false;
};
// Every tenant whose grace period has ended, oldest first, and every purge left unfinished
// by an earlier run; stops starting new ones after the deadline. For `purge --due` and
// `maintain`. A tenant that fails is reported and the others continue.
DueResult purge_due(Context& ctx, const PurgeOptions& options);

// What a purge leaves of tenantctl's own rows once the app's rows are gone: data keys
// destroyed (the rows stay, as tombstones), API keys deleted, the GDPR register without
// subjects or notes, and the tenants row `purged` without name, e-mail or settings. The audit
// trail stays whole. Also how an aborted move returns a tenant's purged row it came back into
// (core/portability/move_abort.cpp). Returns (keys destroyed, API keys deleted).
std::pair<long long, long long> leave_purged_row(Context& ctx, pqxx::transaction_base& tx, const std::string& tenant_id);

// True when a purge of the tenant has started and not finished.
bool purge_in_progress(Context& ctx, pqxx::transaction_base& tx, const std::string& tenant_id);

// The tenant's rows per relation of the data model (tenant tables, their dependents, the
// app's tenants table), plus every table of its own schema in schema mode. Counted with row
// security off: Refused (exit 5) when a policy binds this session and could hide rows.
std::vector<TableCount> row_counts(Context& ctx, pqxx::transaction_base& tx, const Tenant& tenant);

}  // namespace tenantctl::tenants
