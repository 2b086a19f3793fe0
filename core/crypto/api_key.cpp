#include "core/crypto/api_key.hpp"

#include <openssl/crypto.h>

#include "core/crypto/bytes.hpp"
#include "core/crypto/hash.hpp"
#include "core/crypto/random.hpp"

namespace tenantctl::crypto {

namespace {

constexpr std::string_view kScheme = "tk_";
constexpr std::string_view kPrefixAlphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
constexpr std::size_t kSecretBytes = 32;

// Uniform over the 36 characters: bytes >= 252 (7 * 36) are redrawn instead of folded, so
// no character is more likely than another.
std::string random_prefix() {
    constexpr unsigned kLimit = 256 - 256 % kPrefixAlphabet.size();
    std::string prefix;
    while (prefix.size() < kApiKeyPrefixSize) {
        std::uint8_t pool[16];
        random_fill(pool, sizeof pool);
        for (std::uint8_t b : pool) {
            if (b < kLimit && prefix.size() < kApiKeyPrefixSize)
                prefix.push_back(kPrefixAlphabet[b % kPrefixAlphabet.size()]);
        }
        OPENSSL_cleanse(pool, sizeof pool);
    }
    return prefix;
}

bool is_prefix_char(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

}  // namespace

NewApiKey::~NewApiKey() { OPENSSL_cleanse(plaintext.data(), plaintext.size()); }

NewApiKey generate_api_key() {
    SecureBytes secret(kSecretBytes);
    random_fill(secret.data(), secret.size());
    std::string encoded = base64url_encode_nopad(secret.view());

    NewApiKey key;
    key.prefix = random_prefix();
    key.plaintext.reserve(kApiKeySize);  // one buffer, so no unwiped copy is left by growth
    key.plaintext.append(kScheme).append(key.prefix).append("_").append(encoded);
    OPENSSL_cleanse(encoded.data(), encoded.size());
    key.hash_hex = hash_api_key(key.plaintext);
    return key;
}

std::string hash_api_key(std::string_view plaintext) { return sha256_hex(plaintext); }

std::optional<std::string> api_key_prefix(std::string_view plaintext) {
    if (plaintext.size() != kApiKeySize || plaintext.substr(0, kScheme.size()) != kScheme) return std::nullopt;
    const std::string_view prefix = plaintext.substr(kScheme.size(), kApiKeyPrefixSize);
    for (char c : prefix)
        if (!is_prefix_char(c)) return std::nullopt;
    if (plaintext[kScheme.size() + kApiKeyPrefixSize] != '_') return std::nullopt;
    std::string secret;
    const bool canonical = base64url_decode(plaintext.substr(kScheme.size() + kApiKeyPrefixSize + 1), secret, true) &&
                           secret.size() == kSecretBytes;
    OPENSSL_cleanse(secret.data(), secret.size());
    if (!canonical) return std::nullopt;
    return std::string(prefix);
}

}  // namespace tenantctl::crypto
