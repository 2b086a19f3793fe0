#include "core/db/lock.hpp"
#include "core/db/lock_check.hpp"

#include <algorithm>
#include <mutex>
#include <optional>
#include <vector>

#include <fmt/format.h>

#include <cstring>
#include <thread>

#include "core/crypto/hash.hpp"
#include "core/db/errors.hpp"
#include "core/errors.hpp"

namespace tenantctl::db {

namespace {

// The live locks of this process, with what verifying one needs. AdvisoryLock's layout stays
// as it is; the constructor and destructor keep this list.
struct HeldLock {
    const AdvisoryLock* lock;
    pqxx::connection* conn;
    std::int64_t key;
    std::string name;
    std::shared_ptr<std::mutex> conn_mutex;  // a pqxx connection is not thread-safe
};

std::mutex& held_mutex() {
    static std::mutex m;
    return m;
}
std::vector<HeldLock>& held() {
    static std::vector<HeldLock> v;
    return v;
}

void remember(const AdvisoryLock* lock, pqxx::connection* conn, std::int64_t key, std::string_view name) {
    std::lock_guard<std::mutex> guard(held_mutex());
    held().push_back(HeldLock{lock, conn, key, std::string(name), std::make_shared<std::mutex>()});
}

void forget(const AdvisoryLock* lock) {
    std::lock_guard<std::mutex> guard(held_mutex());
    auto& v = held();
    v.erase(std::remove_if(v.begin(), v.end(), [lock](const HeldLock& h) { return h.lock == lock; }), v.end());
}

void verify(const HeldLock& h) {
    std::lock_guard<std::mutex> guard(*h.conn_mutex);
    bool still_held = false;
    try {
        // pqxx 6 may reconnect a broken connection behind our back: a new session holds no
        // lock, so the check asks pg_locks about this session instead of trusting the socket.
        // Prepared (a no-op once defined): the check runs before every batch and migration,
        // and planning it each time cost more than running it (0.35 of 0.5 ms, measured).
        h.conn->prepare("tenantctl_lock_held",
                        "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted "
                        "  AND pid = pg_backend_pid() AND objsubid = 1 "
                        "  AND classid = (($1::bigint >> 32) & 4294967295)::oid "
                        "  AND objid = ($1::bigint & 4294967295)::oid)");
        pqxx::nontransaction tx(*h.conn);
        still_held = tx.exec_prepared1("tenantctl_lock_held", h.key)[0].as<bool>();
    } catch (const pqxx::failure&) {
        still_held = false;
    }
    if (!still_held)
        throw DbUnavailable(fmt::format("lost the '{}' lock: its connection to the database dropped, so another run "
                                        "may have started; stopped here",
                                        h.name),
                            "re-run the command: completed work is kept and it resumes");
}

}  // namespace

void verify_lock(const AdvisoryLock& lock) {
    std::optional<HeldLock> h;
    {
        std::lock_guard<std::mutex> guard(held_mutex());
        for (const auto& x : held())
            if (x.lock == &lock) h = x;
    }
    if (h) verify(*h);
}

void verify_held_locks() {
    std::vector<HeldLock> copy;
    {
        std::lock_guard<std::mutex> guard(held_mutex());
        copy = held();
    }
    for (const auto& h : copy) verify(h);
}

std::int64_t lock_key(std::string_view name) {
    auto digest = crypto::sha256(std::string("tenantctl-lock:") + std::string(name));
    std::int64_t key = 0;
    std::memcpy(&key, digest.data(), sizeof key);
    return key;
}

std::string describe_lock_holder(pqxx::transaction_base& tx, std::int64_t key) {
    // A bigint advisory lock shows up as classid = high 32 bits, objid = low 32 bits, objsubid 1.
    auto r = tx.exec_params(
        "SELECT a.pid, coalesce(nullif(a.application_name, ''), '?'), a.usename, "
        "       coalesce(host(a.client_addr), 'local'), "
        "       to_char(a.backend_start AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') "
        "FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
        "WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1 "
        "  AND l.classid = (($1::bigint >> 32) & 4294967295)::oid "
        "  AND l.objid = ($1::bigint & 4294967295)::oid "
        "LIMIT 1",
        key);
    if (r.empty()) return "";
    return fmt::format("pid {} '{}' (role {}, from {}, connected since {})", r[0][0].c_str(), r[0][1].c_str(),
                       r[0][2].c_str(), r[0][3].c_str(), r[0][4].c_str());
}

AdvisoryLock::AdvisoryLock(const ConnInfo& info, std::string_view name, std::chrono::milliseconds timeout,
                           std::string_view application_name)
    : m_conn(connect(info, application_name)), m_key(lock_key(name)) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    auto pause = std::chrono::milliseconds(20);
    try {
        for (;;) {
            {
                pqxx::nontransaction tx(*m_conn);
                if (tx.exec_params1("SELECT pg_try_advisory_lock($1)", m_key)[0].as<bool>()) {
                    remember(this, m_conn.get(), m_key, name);
                    return;
                }
            }
            if (std::chrono::steady_clock::now() >= deadline) break;
            std::this_thread::sleep_for(std::min(pause, std::chrono::duration_cast<std::chrono::milliseconds>(
                                                            deadline - std::chrono::steady_clock::now()) +
                                                            std::chrono::milliseconds(1)));
            pause = std::min(pause * 2, std::chrono::milliseconds(250));
        }
        pqxx::nontransaction look(*m_conn);
        std::string holder = describe_lock_holder(look, m_key);
        throw Busy(fmt::format("another run holds the '{}' lock{}", name, holder.empty() ? "" : ": " + holder),
                   "wait for it to finish, or pass a longer --lock-timeout");
    } catch (...) {
        rethrow_translated(fmt::format("taking the '{}' lock", name));
    }
}

AdvisoryLock::~AdvisoryLock() {
    forget(this);
    try {
        pqxx::nontransaction tx(*m_conn);
        tx.exec_params("SELECT pg_advisory_unlock($1)", m_key);
    } catch (...) {
        // The session ends with the connection, which releases the lock anyway.
    }
}

void xact_lock(pqxx::transaction_base& tx, std::string_view name, std::chrono::milliseconds timeout) {
    const auto key = lock_key(name);
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    auto pause = std::chrono::milliseconds(10);
    for (;;) {
        if (tx.exec_params1("SELECT pg_try_advisory_xact_lock($1)", key)[0].as<bool>()) return;
        if (std::chrono::steady_clock::now() >= deadline) break;
        std::this_thread::sleep_for(pause);
        pause = std::min(pause * 2, std::chrono::milliseconds(200));
    }
    std::string holder = describe_lock_holder(tx, key);
    throw Busy(fmt::format("another run holds the '{}' lock{}", name, holder.empty() ? "" : ": " + holder),
               "wait for it to finish, or pass a longer --lock-timeout");
}

bool try_xact_lock(pqxx::transaction_base& tx, std::string_view name) {
    return tx.exec_params1("SELECT pg_try_advisory_xact_lock($1)", lock_key(name))[0].as<bool>();
}

}  // namespace tenantctl::db

