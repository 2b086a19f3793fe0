#include "core/gdpr/anonymize_hash.hpp"

#include <algorithm>

#include "core/audit/chain.hpp"
#include "core/crypto/hash.hpp"

namespace tenantctl::gdpr {

crypto::SecureBytes anonymize_key(Context& ctx, pqxx::transaction_base& tx, const std::string& tenant_id) {
    static constexpr std::string_view kLabel{"\0tenantctl:gdpr-anonymize:v1", 28};
    const auto audit_key = audit::tenant_audit_key(ctx, tx, tenant_id, true);
    auto digest = crypto::hmac_sha256(audit_key.view(), kLabel);
    crypto::SecureBytes key(digest.data(), digest.size());
    std::fill(digest.begin(), digest.end(), 0);
    return key;
}

std::string anonymized(const crypto::SecureBytes& key, std::string_view value) {
    return "anon_" + crypto::hmac_sha256_hex(key.view(), value).substr(0, 32);
}

}  // namespace tenantctl::gdpr
