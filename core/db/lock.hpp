// Advisory locks so that two runs never overlap (DESIGN principle 3).
//
// AdvisoryLock is session-level and lives on its own connection: the lock is held exactly as
// long as the object, even while the work connection commits, fails or reconnects, and a
// killed process releases it because the server ends its session.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include <pqxx/pqxx>

#include "core/db/connection.hpp"

namespace tenantctl::db {

// 64-bit lock key derived from a name ("tenantctl:init", "tenantctl:tenant:acme").
std::int64_t lock_key(std::string_view name);

// Describes who holds an advisory lock, from pg_locks + pg_stat_activity ("" if nobody).
std::string describe_lock_holder(pqxx::transaction_base& tx, std::int64_t key);

class AdvisoryLock {
public:
    // Waits up to `timeout` (polling, so the wait is interruptible and bounded), then throws
    // Busy naming the holder. `what` is the human name used in messages ("init").
    AdvisoryLock(const ConnInfo& info, std::string_view name, std::chrono::milliseconds timeout,
                 std::string_view application_name);
    ~AdvisoryLock();
    AdvisoryLock(const AdvisoryLock&) = delete;
    AdvisoryLock& operator=(const AdvisoryLock&) = delete;

    std::int64_t key() const { return m_key; }

private:
    std::unique_ptr<pqxx::connection> m_conn;
    std::int64_t m_key;
};

// Transaction-scoped variant for short per-tenant critical sections: waits up to `timeout`
// (via lock_timeout) and throws Busy naming the holder.
void xact_lock(pqxx::transaction_base& tx, std::string_view name, std::chrono::milliseconds timeout);
// Non-blocking: true when acquired for the rest of the transaction.
bool try_xact_lock(pqxx::transaction_base& tx, std::string_view name);

}  // namespace tenantctl::db
