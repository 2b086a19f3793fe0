// API keys (DESIGN section 5): `tk_<prefix>_<secret>`, shown once at creation; only the
// SHA-256 of the plaintext and the prefix are stored. A key is named in commands by its
// prefix (8 characters, safe to log) or its id. Rotation issues a new key with the same name,
// scopes and expiry and gives the old one an overlap expiry, so clients can switch without an
// outage; SHA-256 hashes cannot be "re-encrypted", so rotation is always a new key.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/records.hpp"

namespace tenantctl {
class Context;
}

namespace tenantctl::keys {

struct ApiKeyCreate {
    std::string tenant;
    std::string name;
    std::vector<std::string> scopes;
    std::optional<std::string> expires;  // a duration from now (90d) or a time (RFC 3339)
};

Records apikey_create(Context& ctx, const ApiKeyCreate& o);
Records apikey_list(Context& ctx, const std::string& tenant, bool all);
Records apikey_revoke(Context& ctx, const std::string& tenant, const std::string& key);
// `overlap`: how long the old key keeps working (default 24h).
Records apikey_rotate(Context& ctx, const std::string& tenant, const std::string& key, const std::string& overlap);

}  // namespace tenantctl::keys
