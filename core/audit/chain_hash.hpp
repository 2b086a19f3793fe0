// The arithmetic of the audit hash chain, free of any database code (unit tested).
//
// Design (also in README "Audit log"):
//   leaf(e)   = SHA-256 of a length-prefixed encoding of the event: tenant_id, id,
//               occurred_at (microseconds since the epoch), actor_type, action,
//               resource_type, request_id in clear, and for each IDENTIFIER FIELD
//               (actor_id, resource_id, ip, user_agent, metadata) its keyed commitment
//               C(v) = HMAC-SHA256(tenant audit key, v) instead of the value (NULL stays NULL).
//   H(0)      = SHA-256("tenantctl.audit.genesis|" || tenant_id)
//   H(n)      = SHA-256(H(n-1) || leaf(event n)), events in (occurred_at ASC, id DESC) order:
//               the order of the index (tenant_id, occurred_at DESC, id) read backwards, so
//               sealing and verifying stream index scans and never sort (ties on occurred_at
//               are the events of one transaction; any fixed tie order is as good).
//
// Why commitments: GDPR erasure must remove a person's identifiers from audit events without
// breaking verification. It replaces the value by its pseudonym `pseudonym:<hex C(v)>` (text
// fields) or NULL / {} (ip, metadata) and records C(v) in the event's `pseudonyms` column;
// the chain committed to C(v) from the start, so the event still verifies. A field listed in
// `pseudonyms` must hold exactly that placeholder, otherwise it counts as modified (so the
// column cannot be used to launder a changed value). The HMAC key is per tenant and wrapped
// by the master key: without it nobody can link a pseudonym to a person, nor recompute a chain
// after editing an event.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/crypto/bytes.hpp"
#include "core/crypto/hash.hpp"

namespace tenantctl::audit {

using crypto::Digest;

// One event as the chain sees it; text exactly as PostgreSQL prints it (ip as inet text,
// metadata as jsonb text, which is canonical).
struct ChainEvent {
    std::string tenant_id;
    std::int64_t id = 0;
    std::int64_t occurred_us = 0;  // microseconds since 1970-01-01 UTC
    std::string actor_type;
    std::optional<std::string> actor_id;
    std::string action;
    std::optional<std::string> resource_type;
    std::optional<std::string> resource_id;
    std::optional<std::string> request_id;
    std::optional<std::string> ip;
    std::optional<std::string> user_agent;
    std::string metadata = "{}";
    std::optional<std::string> pseudonyms;  // jsonb text or NULL
};

// The fields GDPR erasure may replace, in the order the leaf encodes them.
inline constexpr const char* kIdentifierFields[] = {"actor_id", "resource_id", "ip", "user_agent", "metadata"};

inline constexpr std::string_view kPseudonymPrefix = "pseudonym:";

// HMAC-SHA256 under one tenant's audit key, fast for millions of short values: the padded key
// blocks are hashed once, and a fixed-size cache remembers recent values (actor ids, user
// agents and ip addresses repeat a lot). The cached values are identifiers, so the cache
// holds personal data in memory only, like the rows it was computed from.
class Committer {
public:
    explicit Committer(const crypto::SecureBytes& key);
    ~Committer();
    Committer(const Committer&) = delete;
    Committer& operator=(const Committer&) = delete;

    // `repeats`: the value is likely to come again (actor ids, user agents, addresses), so it
    // is worth caching; unique values (metadata, resource ids) would only churn the cache.
    Digest commit(std::string_view value, bool repeats = true);

private:
    struct Slot {
        std::string value;
        Digest digest{};
        bool used = false;
    };
    static constexpr std::size_t kCacheSlots = 1 << 14;
    Digest compute(std::string_view value);
    void* m_inner;  // EVP_MD_CTX* after absorbing key ^ ipad
    void* m_outer;  // EVP_MD_CTX* after absorbing key ^ opad
    void* m_work;
    std::vector<Slot> m_cache;
};

Digest genesis(std::string_view tenant_id);
// Throws nothing: a malformed `pseudonyms` value or placeholder simply yields a leaf that
// cannot match what was sealed.
Digest leaf_hash(const ChainEvent& e, Committer& committer);
Digest chain_next(const Digest& prev, const Digest& leaf);

// `pseudonym:<64 hex>`: what erasure stores in a text identifier field.
std::string pseudonym_text(const Digest& commitment);

std::string digest_hex(const Digest& d);
std::string_view digest_view(const Digest& d);
// From 32 raw bytes (bytea) or 64 hex digits; nullopt otherwise.
std::optional<Digest> digest_from_raw(std::string_view raw);
std::optional<Digest> digest_from_hex(std::string_view hex);

}  // namespace tenantctl::audit
