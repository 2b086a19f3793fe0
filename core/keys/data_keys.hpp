// Tenant data-encryption keys (DESIGN section 5): Fernet keys, one active version per
// tenant, wrapped with AES-256-GCM under the master key and stored in tenant_keys.
#pragma once

#include <string>
#include <vector>

#include <pqxx/pqxx>

#include "core/crypto/fernet.hpp"

namespace tenantctl {
class Context;
}

namespace tenantctl::keys {

// Adds a new active version for the tenant inside `tx`, demoting the current active one to
// decrypt_only. Returns the new version number. The one code path for every key creation
// (tenant create, keys rotate), so the wrapping format is written in one place.
int create_data_key(Context& ctx, pqxx::transaction_base& tx, const std::string& tenant_id);

struct UnwrappedKey {
    int version = 0;
    std::string state;  // active | decrypt_only
    crypto::FernetKey key;
};

// The tenant's usable keys (active and decrypt_only), newest first, unwrapped with the
// master key. Throws IntegrityError (exit 8) when a key was wrapped under another master key
// (kek_id mismatch) or does not unwrap.
std::vector<UnwrappedKey> load_usable_keys(Context& ctx, pqxx::transaction_base& tx, const std::string& tenant_id);

// Unwraps one stored key, checking the master key fingerprint first.
crypto::FernetKey unwrap_data_key(Context& ctx, const std::string& tenant_id, int version,
                                  const std::string& wrapped, const std::string& kek_id);

}  // namespace tenantctl::keys
