// JWT signing keys (DESIGN section 5): RS256 (RSA 2048) and ES256 (P-256) private keys,
// their public JWK with kid = RFC 7638 thumbprint, and compact JWS signing. Private keys are
// stored as PKCS#8 DER wrapped by the master key, which Python loads with
// `serialization.load_der_private_key`.
#pragma once

#include <openssl/types.h>

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "core/crypto/bytes.hpp"

namespace tenantctl::crypto {

enum class JwtAlg { RS256, ES256 };

std::string_view jwt_alg_name(JwtAlg alg);
// "RS256" or "ES256"; anything else throws UsageError.
JwtAlg parse_jwt_alg(std::string_view name);

class PrivateKey {
public:
    // RSA 2048 for RS256, P-256 for ES256.
    static PrivateKey generate(JwtAlg alg);
    // Unencrypted PKCS#8 (PrivateKeyInfo) DER, exactly; throws IntegrityError if the bytes
    // are not that or the key does not fit `alg` (RSA under 2048 bits, a curve other than P-256).
    static PrivateKey from_pkcs8_der(std::string_view der, JwtAlg alg);

    PrivateKey(PrivateKey&& other) noexcept;
    PrivateKey& operator=(PrivateKey&& other) noexcept;
    PrivateKey(const PrivateKey&) = delete;
    PrivateKey& operator=(const PrivateKey&) = delete;
    ~PrivateKey();

    JwtAlg alg() const { return m_alg; }
    SecureBytes to_pkcs8_der() const;

    // {"kty","n","e"} or {"kty","crv","x","y"}, then "kid", "alg", "use": "sig".
    nlohmann::ordered_json public_jwk() const;
    // RFC 7638 thumbprint of the public key; used as the kid.
    const std::string& thumbprint() const { return m_kid; }

    // Compact JWS over `claims` (an object). The header is {"alg","typ":"JWT","kid"} followed
    // by the members of `header_extra` (an object or null); it may override "typ" but not
    // "alg" or "kid".
    std::string sign_jwt(const nlohmann::ordered_json& header_extra, const nlohmann::ordered_json& claims) const;

private:
    PrivateKey(EVP_PKEY* pkey, JwtAlg alg);

    EVP_PKEY* m_pkey;
    JwtAlg m_alg;
    std::string m_kid;
};

// RFC 7638: SHA-256 over the required members (RSA: e, kty, n; EC: crv, kty, x, y) in
// lexicographic order without whitespace, as unpadded base64url. Throws UsageError if the
// JWK lacks them or has another key type.
std::string jwk_thumbprint(const nlohmann::ordered_json& public_jwk);

// Checks a compact JWS signature (RS256 or ES256) against a public JWK; false for any
// malformed input, algorithm/key mismatch or kid mismatch. It does not look at claims (exp,
// aud...): it exists for tests and `doctor`, not to authenticate requests.
bool verify_jwt(std::string_view token, const nlohmann::ordered_json& public_jwk);

}  // namespace tenantctl::crypto
