// Keyed pseudonyms for data subjects (GDPR Art. 4(5)): audit events are never deleted, so
// on erasure the subject's identifiers in them are replaced by a pseudonym that cannot be
// reversed without the master key, yet stays stable (every event of one person gets the
// same pseudonym, so "what happened to this account" remains answerable).
//
//   tenant pseudonym key = HMAC-SHA256(master key, "tenantctl:gdpr-pseudonym:v1|" + tenant uuid)
//   pseudonym(identifier) = "pseud_" + first 32 hex digits of HMAC-SHA256(tenant key, identifier)
//
// Per-tenant keys keep one tenant's pseudonyms unlinkable to another's. The same function
// derives the `hash` anonymization strategy's values ("anon_..."), under another label.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <pqxx/pqxx>

#include "core/crypto/bytes.hpp"

namespace tenantctl {
class Context;
}

namespace tenantctl::gdpr {

enum class PseudonymPurpose { audit, anonymize };

// The tenant's derived key for `purpose` (32 bytes, wiped on destruction).
crypto::SecureBytes pseudonym_key(Context& ctx, const std::string& tenant_id, PseudonymPurpose purpose);

// "pseud_<32 hex>" (audit) or "anon_<32 hex>" (anonymize).
std::string pseudonym(const crypto::SecureBytes& key, std::string_view identifier,
                      PseudonymPurpose purpose = PseudonymPurpose::audit);

// Replaces each of `identifiers` (the subject key and lookup values such as the email) in
// the tenant's audit events: actor_id, resource_id and any JSON string in metadata equal to
// one of them become its pseudonym. Returns the number of events changed.
//
// THE single place audit events are rewritten for erasure: when the audit hash chain
// (feature/audit) defines how sealed events may be pseudonymized so they still verify,
// wire that rule in here and nowhere else.
long long pseudonymize_audit_identifiers(Context& ctx, pqxx::transaction_base& tx, const std::string& tenant_id,
                                         const std::vector<std::string>& identifiers);

}  // namespace tenantctl::gdpr
