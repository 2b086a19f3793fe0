// Monthly partitions of the audit log: list, ensure (premake), prune (archive, then drop).
//
// What pg_partman users hit and what happens here instead:
//   - Maintenance holding locks for minutes (#834, #207): every DDL step runs in its own short
//     transaction with lock_timeout (1 s) and is retried with backoff a bounded number of times
//     (10), then the command exits 6 (busy). The application waits at most one lock_timeout.
//   - Creating partitions already past retention after a gap (#649): ensure never creates a
//     month whose end is older than now - audit.retention.
//   - Rows sitting in the default partition block creating their month ("updated partition
//     constraint for default partition would be violated"): ensure moves them into the new
//     partition in the same transaction that attaches it.
//   - Retention that skips rows: events in the default partition (backfills, clock skew, late
//     events of a pruned month) are covered by prune: every month of them that ended before the
//     cutoff is moved into its partition and archived and dropped with the others.
//   - Overwritten archives: an archive is never replaced; a month archived twice (late events
//     after its prune, a re-run after a kill) gets NAME.2.ndjson.gz, NAME.3..., and ensure does
//     not re-create a pruned month for late events (prune archives them on its next run).
//   - Dropping data without a copy: prune writes the month as NDJSON.gz plus a .sha256 file,
//     fsyncs both, re-reads and verifies them, re-checks under lock that the month did not
//     change since, and only then detaches and drops it (one transaction). A kill at any
//     moment leaves either the partition, or the partition and a complete archive: re-running
//     completes the job.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <set>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <pqxx/pqxx>

#include "core/clock.hpp"
#include "core/util/duration.hpp"

namespace tenantctl {
class Context;
}

namespace tenantctl::audit {

// Name of the partition holding a month: audit_log_y2026m11.
std::string partition_name(int year, int month);

// Runs `body` in a fresh transaction with lock_timeout 1 s, retrying lock timeouts with backoff
// (10 attempts, then Busy): the application never queues behind us for longer than 1 s.
// `commit` false: the transaction is rolled back after `body` (a dry run).
void with_lock_retry(Context& ctx, std::string_view what, const std::function<void(pqxx::work&)>& body,
                     bool commit = true);

// Creates and attaches one month's partition inside `tx`, moving its rows out of the default
// partition first; returns the rows moved. The caller holds the audit-partitions lock.
std::int64_t create_month_partition(pqxx::transaction_base& tx, std::string_view schema, int year, int month);

// Names of the audit log's partitions (the default one included).
std::set<std::string> partition_names(pqxx::transaction_base& tx, std::string_view schema);

struct PartitionInfo {
    std::string name;
    bool is_default = false;
    std::optional<TimePoint> from, to;
    std::int64_t rows = 0;
    std::int64_t bytes = 0;
};
// `rows` is counted exactly with RowCounts::exact (a scan of every month), else left 0.
enum class RowCounts { exact, none };
std::vector<PartitionInfo> list_partitions(Context& ctx, RowCounts counts);

struct EnsureResult {
    std::vector<std::string> created;
    std::vector<std::string> past_retention;  // months with rows in the default partition, not created
    std::vector<std::string> pruned_before;   // the same for months pruned earlier (the next prune takes them)
    std::int64_t moved_rows = 0;              // rows moved out of the default partition
};
// Creates the current month and `ahead` months after it, plus any month (within retention)
// that has rows in the default partition, moving those rows in. Takes the partition lock.
EnsureResult ensure_partitions(Context& ctx, int ahead);

// The same inside a caller's transaction (init), without lock or retry.
void ensure_partitions_in(pqxx::transaction_base& tx, std::string_view schema, TimePoint now, int ahead,
                          const util::Duration& retention);

struct PruneOptions {
    util::Duration older_than{13, std::chrono::seconds(0)};
    std::optional<std::filesystem::path> archive_dir;
    bool no_archive = false;
};

struct PruneResult {
    std::string partition;
    std::int64_t rows = 0;
    std::string archive;  // path of the .ndjson.gz, "" without archive
    std::string sha256;
    std::string status;   // dropped | would drop
};
std::vector<PruneResult> prune_partitions(Context& ctx, const PruneOptions& o);

}  // namespace tenantctl::audit
