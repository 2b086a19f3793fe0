#include "core/gdpr/pseudonym.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "core/context.hpp"
#include "core/crypto/hash.hpp"

namespace tenantctl::gdpr {

crypto::SecureBytes pseudonym_key(Context& ctx, const std::string& tenant_id, PseudonymPurpose purpose) {
    const char* label = purpose == PseudonymPurpose::audit ? "tenantctl:gdpr-pseudonym:v1|" : "tenantctl:gdpr-anonymize:v1|";
    auto digest = crypto::hmac_sha256(ctx.master_key().key.view(), std::string(label) + tenant_id);
    crypto::SecureBytes key(digest.data(), digest.size());
    std::fill(digest.begin(), digest.end(), 0);
    return key;
}

std::string pseudonym(const crypto::SecureBytes& key, std::string_view identifier, PseudonymPurpose purpose) {
    auto hex = crypto::hmac_sha256_hex(key.view(), identifier);
    return (purpose == PseudonymPurpose::audit ? "pseud_" : "anon_") + hex.substr(0, 32);
}

long long pseudonymize_audit_identifiers(Context& ctx, pqxx::transaction_base& tx, const std::string& tenant_id,
                                         const std::vector<std::string>& identifiers) {
    auto key = pseudonym_key(ctx, tenant_id, PseudonymPurpose::audit);
    const std::string table = ctx.platform_table("audit_log");
    long long changed = 0;
    for (const auto& id : identifiers) {
        std::string p = pseudonym(key, id);
        // metadata: replace whole JSON strings equal to the identifier (to_jsonb(text)::text is
        // its exact JSON spelling), never substrings of other values.
        auto r = tx.exec_params(
            fmt::format("UPDATE {} SET actor_id = CASE WHEN actor_id = $2 THEN $3 ELSE actor_id END, "
                        "  resource_id = CASE WHEN resource_id = $2 THEN $3 ELSE resource_id END, "
                        "  metadata = replace(metadata::text, to_jsonb($2::text)::text, to_jsonb($3::text)::text)::jsonb "
                        "WHERE tenant_id = $1::uuid AND (actor_id = $2 OR resource_id = $2 "
                        "  OR strpos(metadata::text, to_jsonb($2::text)::text) > 0)",
                        table),
            tenant_id, id, p);
        changed += r.affected_rows();
    }
    return changed;
}

}  // namespace tenantctl::gdpr
