// Envelope encryption of stored secrets under the master key (DESIGN section 5):
// AES-256-GCM, stored value nonce(12) || ciphertext || tag(16), with an AAD that binds the
// value to what it is (a tenant's DEK version, a JWT signing key, a tenant's audit key), so a wrapped value copied
// to another row does not unwrap there. Python reads it with
// `AESGCM(kek).decrypt(v[:12], v[12:], aad)`.
#pragma once

#include <string>
#include <string_view>

#include "core/crypto/bytes.hpp"
#include "core/errors.hpp"

namespace tenantctl::crypto {

struct UnwrapFailed : Error {
    UnwrapFailed()
        : Error(Exit::integrity,
                "wrapped key does not decrypt under the master key (wrong key, corrupt value or wrong AAD)",
                "check that the master key source is the one this database was set up with") {}
};

inline constexpr std::size_t kWrapNonceSize = 12;
inline constexpr std::size_t kWrapTagSize = 16;
inline constexpr std::size_t kWrapOverhead = kWrapNonceSize + kWrapTagSize;

// Encrypts `plaintext` under the 32-byte `kek` with a fresh random nonce.
// Throws InvalidKey (core/crypto/fernet.hpp) if the KEK is not 32 bytes.
std::string wrap(const SecureBytes& kek, std::string_view plaintext, std::string_view aad);

// Inverse of wrap; throws UnwrapFailed when the value is too short or does not authenticate.
SecureBytes unwrap(const SecureBytes& kek, std::string_view wrapped, std::string_view aad);

// `tenantctl:dek:v1|<tenant uuid, lowercase hyphenated>|<version>`. The UUID is lowercased
// so the AAD matches Python's str(uuid); anything that is not a hyphenated UUID throws
// UsageError, because a differently spelled id would silently produce an unreadable value.
std::string dek_aad(std::string_view tenant_uuid, int version);

// `tenantctl:jwk:v1|<kid>`.
std::string jwk_aad(std::string_view kid);

// `tenantctl:audit-key:v1|<tenant uuid as PostgreSQL prints it>`: a tenant's audit commitment
// key (core/audit/chain.hpp, table audit_keys).
std::string audit_key_aad(std::string_view tenant_uuid);

}  // namespace tenantctl::crypto
