// The `hash` anonymization strategy of `gdpr erase` (config AnonymizeStrategy::hash): a keyed
// hash that keeps equal inputs equal (joins and counts still work) without the value.
//
//   key(tenant)   = HMAC-SHA256(the tenant's audit key, "\0tenantctl:gdpr-anonymize:v1")
//   hash(value)   = "anon_" + first 32 hex digits of HMAC-SHA256(key(tenant), value)
//
// The key hangs off the tenant's audit key (core/audit/chain.hpp, table audit_keys) rather
// than the master key itself, so `keys rewrap` (a new master key re-wraps the same audit key)
// leaves every anonymized value reproducible: one per-tenant secret for all of erasure. The
// label starts with a NUL byte, which no PostgreSQL text or jsonb value can hold, so it can
// never collide with an audit commitment C(v) = HMAC(audit key, v) of a stored field.
//
// Audit events are pseudonymized by the audit module's own rule (audit::pseudonymize_subject),
// not here.
#pragma once

#include <string>
#include <string_view>

#include <pqxx/pqxx>

#include "core/crypto/bytes.hpp"

namespace tenantctl {
class Context;
}

namespace tenantctl::gdpr {

// The tenant's anonymization key (32 bytes, wiped on destruction). Creates the tenant's audit
// key when it has none yet (so call it in a read-write transaction).
crypto::SecureBytes anonymize_key(Context& ctx, pqxx::transaction_base& tx, const std::string& tenant_id);

// "anon_<32 hex>".
std::string anonymized(const crypto::SecureBytes& key, std::string_view value);

}  // namespace tenantctl::gdpr
