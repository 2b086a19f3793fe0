// Fernet (https://github.com/fernet/spec), byte-compatible with Python `cryptography.fernet`.
//
// Key:   base64url(signing key[16] || encryption key[16]), 44 characters.
// Token: base64url(0x80 || timestamp u64 BE || IV[16] || AES-128-CBC(PKCS7(msg)) || HMAC[32]),
//        HMAC-SHA256 under the signing key over every preceding raw byte.
//
// Tenant DEKs are Fernet keys and encrypted columns hold Fernet tokens (DESIGN section 5).
// Re-encryption runs these functions millions of times, so the OpenSSL cipher and MAC
// implementations are fetched once per process and their contexts reused per thread.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "core/crypto/bytes.hpp"
#include "core/errors.hpp"

namespace tenantctl::crypto {

// A key that is not 32 bytes of canonical base64url (or otherwise unusable). Exit::usage
// because keys reach us from configuration or operator input; the message never holds the key.
struct InvalidKey : Error {
    explicit InvalidKey(std::string message, std::string hint = {})
        : Error(Exit::usage, std::move(message), std::move(hint)) {}
};

// A token that does not verify or decrypt under the key (or has expired). One type for
// every cause, as in Python, so callers cannot leak which check failed; the message never
// contains the token.
struct InvalidToken : Error {
    explicit InvalidToken(std::string message = "Fernet token is invalid or was not made with this key")
        : Error(Exit::integrity, std::move(message)) {}
};

class FernetKey {
public:
    static constexpr std::size_t kHalfSize = 16;
    static constexpr std::size_t kEncodedSize = 44;

    // 32 fresh random bytes.
    static FernetKey generate();
    // Exactly 44 characters of canonical, padded base64url (what Python's
    // Fernet.generate_key() produces); throws InvalidKey otherwise.
    static FernetKey from_base64url(std::string_view text);

    // The 44-character key. The returned string holds the key: prefer the wiped variant
    // for anything that is not printed to the operator.
    std::string to_base64url() const;
    SecureBytes to_base64url_secure() const;

    const SecureBytes& signing_key() const { return m_signing; }
    const SecureBytes& encryption_key() const { return m_encryption; }

private:
    FernetKey(SecureBytes signing, SecureBytes encryption)
        : m_signing(std::move(signing)), m_encryption(std::move(encryption)) {}

    SecureBytes m_signing;     // HMAC-SHA256 key, bytes 0..15
    SecureBytes m_encryption;  // AES-128-CBC key, bytes 16..31
};

struct FernetPlain {
    SecureBytes plaintext;
    std::uint64_t timestamp = 0;  // Unix seconds stored in the token
};

// A token for `plaintext` carrying `timestamp`. `iv16` exists for test vectors; leave it
// null in real use so a fresh random IV is drawn. Re-encryption passes the old token's
// timestamp, as MultiFernet.rotate does.
std::string fernet_encrypt(const FernetKey& key, std::string_view plaintext, std::uint64_t timestamp,
                           const std::uint8_t* iv16 = nullptr);

// True when `token` is well formed and its HMAC verifies under `key`. Does not decrypt: this
// is the cheap test used to find which key version a token was made with. Never throws.
bool fernet_verify(const FernetKey& key, std::string_view token);

// Verifies and decrypts, ignoring the token's age (as MultiFernet.rotate does). Throws
// InvalidToken on any failure.
FernetPlain fernet_decrypt(const FernetKey& key, std::string_view token);

// Also enforces the spec's TTL: fails if timestamp + ttl_seconds < now, or if the token is
// dated more than 60 s after `now` (clock skew), like Python's Fernet.decrypt(token, ttl).
FernetPlain fernet_decrypt(const FernetKey& key, std::string_view token, std::uint64_t ttl_seconds, std::uint64_t now);

// The timestamp of a structurally valid token, WITHOUT authenticating it (no key needed):
// use it for reporting only, never for decisions an attacker could influence. Throws
// InvalidToken if the token is malformed.
std::uint64_t fernet_timestamp(std::string_view token);

// MultiFernet.rotate for one token, as bulk re-encryption needs it: `keys[0]` is the primary
// key, the rest are tried in order. The token is decoded once however many keys are tried.
//   current  the token already verifies under keys[0]: nothing to do (rotate would only
//            draw a new IV, which is pointless churn)
//   rotated  it verifies under keys[key_index]; `token` is the plaintext re-encrypted under
//            keys[0] with a fresh IV and the ORIGINAL timestamp
//   invalid  malformed, or no key authenticates it, or it does not decrypt
enum class RotateStatus { current, rotated, invalid };
struct RotateResult {
    RotateStatus status = RotateStatus::invalid;
    int key_index = -1;
    std::string token;
};
RotateResult fernet_rotate(std::span<const FernetKey* const> keys, std::string_view token);

// Index of the first key in `keys` whose HMAC authenticates `token`, or -1 (malformed or no
// match). Decodes once; does not decrypt. Used to count values per key version.
int fernet_match(std::span<const FernetKey* const> keys, std::string_view token);

}  // namespace tenantctl::crypto
