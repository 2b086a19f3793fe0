// Executing a migration plan (plan.hpp) against one target: the shared schema, or one tenant
// schema. This is the database half of `migrate up|down`; everything here runs on a connection
// it is given, so the fan-out (fleet.hpp) can give each worker its own.
//
// Guarantees (DESIGN section 6):
//   - a transactional migration runs in one transaction together with its ledger row: it is
//     either applied and recorded, or neither;
//   - a `no-transaction` file records a `running` ledger row before its first statement and
//     advances statements_done after each one. Statements that PostgreSQL allows in a
//     transaction block run in a transaction together with that progress update, so they are
//     exactly-once; the others (CREATE INDEX CONCURRENTLY, VACUUM, ...) are detected by the
//     server's refusal (SQLSTATE 25001) and run on their own. On failure the row becomes
//     `failed` with the error, and the next `migrate up` resumes at the failed statement;
//   - resuming at a CREATE INDEX CONCURRENTLY whose index exists (the previous attempt was
//     killed or failed): an INVALID index is dropped concurrently and rebuilt, a valid one is
//     counted as built. Any INVALID index left in the target after a failure is reported;
//   - every migration runs with SET lock_timeout (the file's directive, else 5s) and, when the
//     file sets one, statement_timeout; a lock timeout (SQLSTATE 55P03) rolls the attempt back
//     and retries it with exponential backoff, a bounded number of times;
//   - the server aborts statements of a client that died (client_connection_check_interval),
//     so a killed run stops holding locks quickly.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <pqxx/pqxx>

#include "core/errors.hpp"
#include "core/migrate/plan.hpp"

namespace tenantctl::migrate {

// Ledger target of the shared track (tenant targets are their schema names).
inline constexpr std::string_view kSharedTarget = "shared";

// Where a plan runs.
struct Target {
    std::string name;       // "shared" or the tenant schema
    std::string schema;     // "" for shared (the connection's search_path), else the tenant schema
    std::string tenant_id;  // "" for shared
    std::string slug;       // "" for shared

    bool is_shared() const { return schema.empty(); }
    static Target shared() { return Target{std::string(kSharedTarget), "", "", ""}; }
};

// What the runner needs besides the connection; plain values so worker threads can share it.
struct RunSettings {
    std::string ledger_table;  // quoted, e.g. "tenantctl"."schema_migrations"
    std::string actor;
    std::string run_id;
    int lock_retries = 3;                                   // extra attempts after a lock timeout
    std::chrono::milliseconds retry_backoff{500};           // doubled after each retry
    std::chrono::milliseconds default_lock_timeout{5000};   // when the file sets none
    // Thread-safe log sink for notes (resumed files, rebuilt indexes, retries).
    std::function<void(std::string_view)> note = [](std::string_view) {};
};

// One migration that ran (or was reverted).
struct MigrationOutcome {
    std::string target;
    std::string version;
    std::string name;
    std::string action;  // "applied" | "resumed" | "reverted"
    long long duration_ms = 0;
    int statements = 0;  // statements executed in this run
    int retries = 0;     // lock-timeout retries it needed
};

// The ledger rows of one target, by version.
std::vector<AppliedMigration> read_ledger(pqxx::transaction_base& tx, const std::string& ledger_table,
                                          std::string_view target);

// Prepares a connection for running migrations (client_connection_check_interval).
void prepare_connection(pqxx::connection& conn);

// Runs `plan` on `conn` for `target`, oldest first (up) or newest first (down), calling
// `on_done` after each migration commits. Stops at the first failure and throws an Error whose
// message is `<target>: <file>:<line>:<col>: <server message> (SQLSTATE xxxxx)` (the target
// prefix only for tenant schemas); its exit code is 6 for a lock timeout that outlasted the
// retries or a statement timeout, 7 for a lost connection, 1 otherwise. Invalid indexes left in
// the target are listed as details.
std::vector<MigrationOutcome> execute_plan(pqxx::connection& conn, const Target& target, const Plan& plan,
                                           const RunSettings& settings,
                                           const std::function<void(const MigrationOutcome&)>& on_done = {});

// INVALID indexes in the target (a failed or killed CREATE INDEX CONCURRENTLY leaves them):
// "schema.index on schema.table".
std::vector<std::string> invalid_indexes(pqxx::connection& conn, const Target& target);

// Session-level advisory lock on one target's schema, held on the worker's own connection while
// it migrates that schema, so a fan-out and `tenant create` never migrate one schema at once.
// Waits up to `timeout`, then throws Busy naming the holder.
class TargetLock {
public:
    TargetLock(pqxx::connection& conn, const Target& target, std::chrono::milliseconds timeout);
    ~TargetLock();
    TargetLock(const TargetLock&) = delete;
    TargetLock& operator=(const TargetLock&) = delete;

    static std::string lock_name(const Target& target);

private:
    pqxx::connection& m_conn;
    std::int64_t m_key;
};

}  // namespace tenantctl::migrate
