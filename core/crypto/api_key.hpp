// API keys (DESIGN section 5): the plaintext `tk_<prefix>_<secret>` is shown once; only its
// SHA-256 and the prefix are stored. The prefix identifies a key in listings and logs
// without revealing it; the secret carries the 256 bits of entropy.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace tenantctl::crypto {

inline constexpr std::size_t kApiKeyPrefixSize = 8;   // [a-z0-9]
inline constexpr std::size_t kApiKeySecretSize = 43;  // 32 bytes, base64url without padding: [A-Za-z0-9_-]
inline constexpr std::size_t kApiKeySize = 3 + kApiKeyPrefixSize + 1 + kApiKeySecretSize;  // 55

struct NewApiKey {
    std::string plaintext;  // tk_<prefix>_<secret>; show once, never store or log
    std::string prefix;     // 8 lowercase letters and digits
    std::string hash_hex;   // hash_api_key(plaintext)

    ~NewApiKey();  // wipes the plaintext
};

NewApiKey generate_api_key();

// Lowercase hex SHA-256 of the full plaintext: what is stored and looked up.
std::string hash_api_key(std::string_view plaintext);

// The prefix if `plaintext` has exactly the format generate_api_key produces (including a
// secret that is canonical base64url of 32 bytes), otherwise nullopt.
std::optional<std::string> api_key_prefix(std::string_view plaintext);

}  // namespace tenantctl::crypto
