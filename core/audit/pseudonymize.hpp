// GDPR erasure of a data subject from the audit log, without breaking the hash chain.
//
// Audit events are never deleted (DESIGN section 7). Instead every occurrence of the subject's
// identifiers is replaced by a keyed pseudonym that the chain has committed to since the
// event was written (see core/audit/chain_hash.hpp for the arithmetic):
//
//   C(v)       = HMAC-SHA256(the tenant's audit key, v)       (key: table audit_keys, wrapped
//                                                              by the master key)
//   actor_id, resource_id, user_agent equal to / belonging to the subject
//              -> 'pseudonym:' || hex(C(v))
//   ip of the subject's own events (actor_id was the subject)  -> NULL
//   metadata containing an identifier as any string value      -> '{}'
//   and in every case pseudonyms = pseudonyms || {"<field>": hex(C(original value))}
//
// The same person gets the same pseudonym in every event and field of a tenant, so the key
// holder (an operator with the master key) can still answer "what did this pseudonymous
// subject do" with `audit query --actor pseudonym:...`, while nobody else can link it back.
// `audit verify` accepts an erased field only when it holds exactly this placeholder.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <pqxx/pqxx>

namespace tenantctl {
class Context;
}

namespace tenantctl::audit {

struct PseudonymizeResult {
    std::int64_t actor_fields = 0;     // events whose actor_id was replaced
    std::int64_t resource_fields = 0;  // events whose resource_id was replaced
    std::int64_t network_fields = 0;   // ip / user_agent values removed from the subject's events
    std::int64_t metadata_fields = 0;  // events whose metadata mentioned an identifier
    std::int64_t total() const { return actor_fields + resource_fields + network_fields + metadata_fields; }
};

// Replaces the subject's identifiers (user id, email, ... exactly as they appear in audit
// events) in all of the tenant's events, sealed or not. Call inside the erasure transaction;
// it needs the master key (ctx.master_key()). Idempotent: running it again changes nothing.
// Append your own `gdpr.erase` event afterwards (without the identifiers).
PseudonymizeResult pseudonymize_subject(Context& ctx, pqxx::transaction_base& tx, const std::string& tenant_id,
                                        const std::vector<std::string>& identifiers);

// The pseudonym text erasure stores for `value` in this tenant ('pseudonym:<64 hex>').
std::string pseudonym_for(Context& ctx, pqxx::transaction_base& tx, const std::string& tenant_id,
                          const std::string& value);

}  // namespace tenantctl::audit
