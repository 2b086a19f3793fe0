// Tamper evidence for the audit log: `audit seal` and `audit verify` (DESIGN section 8).
//
// Sealing runs from cron and never touches the application's write path: appends stay plain
// INSERTs, and seal reads events that have settled (older than --settle and than the start of
// every open transaction, so a slow writer's event is not passed over) and appends them to the
// per-tenant chain (table audit_chain, one row per event with the chain value after it), plus
// a checkpoint per batch (audit_seals). Each batch is one transaction, so a killed seal simply
// resumes from the last chain row.
//
// Verify recomputes every chain value from the events and compares, walking the chain and the
// events side by side in chain order (chain_hash.hpp) from one snapshot, and names the first:
//   modified  - the event (or its chain row) changed since sealing
//   deleted   - a sealed event is gone
//   inserted  - an event appeared inside the sealed range (e.g. back-dated)
//   checkpoint/ledger problems - chain rows rewritten or removed
// Leaf hashes use keyed commitments (chain_hash.hpp), so rewriting the chain after editing an
// event needs the master key.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <pqxx/pqxx>

#include "core/clock.hpp"
#include "core/crypto/bytes.hpp"
#include "core/util/duration.hpp"

namespace tenantctl {
class Context;
}

namespace tenantctl::audit {

// The tenant's commitment key; created (random, wrapped by the master key) when `create`.
// Returns an empty key when none exists and !create.
crypto::SecureBytes tenant_audit_key(Context& ctx, pqxx::transaction_base& tx, const std::string& tenant_id,
                                     bool create);

struct Scope {
    std::optional<std::string> tenant_slug;  // nullopt: every tenant plus platform events
};

struct SealOptions {
    Scope scope;
    util::Duration settle{0, std::chrono::seconds(60)};
    std::int64_t batch = 20000;
    int parallel = 2;  // tenants sealed at once, one connection each
};

struct SealResult {
    std::string tenant_id;
    std::string tenant;  // slug, or "(platform)"
    std::int64_t sealed = 0;
    std::int64_t head_seq = 0;
    std::string head;  // hex of the chain head after this run ("" when nothing is sealed yet)
};

std::vector<SealResult> seal(Context& ctx, const SealOptions& o);

struct VerifyOptions {
    Scope scope;
    std::optional<TimePoint> since;  // start from the checkpoint before this time
    // Chains longer than this are checked as two stretches in parallel (tests lower it).
    std::int64_t split_above = 200000;
    // A stretch of more than this many events reads them a month at a time (ChainOrderEvents;
    // tests lower it).
    std::int64_t by_month_above = 100000;
};

struct VerifyResult {
    std::string tenant_id;
    std::string tenant;
    std::int64_t verified = 0;   // sealed events recomputed
    std::string status;          // ok | broken | unsealed
    std::string problem;         // modified | deleted | inserted | ledger | checkpoint | chain_start
    std::optional<std::int64_t> event_id;
    std::optional<std::int64_t> seq;
    std::string occurred_at;
    std::string detail;
};

std::vector<VerifyResult> verify(Context& ctx, const VerifyOptions& o);

// The tenant's stored chain from row `from_seq` to its head, recomputed from its events in
// `tx` with the tenant's audit key `key` (the caller unwraps it: `tx` may be another
// database's, a copy's destination, on one connection). Nothing when it verifies, else what
// is wrong.
std::optional<std::string> verify_chain_from(Context& ctx, pqxx::transaction_base& tx, const std::string& tenant_id,
                                             std::int64_t from_seq, const crypto::SecureBytes& key);

}  // namespace tenantctl::audit
