#include "core/crypto/envelope.hpp"

#include <openssl/evp.h>

#include <climits>
#include <cstring>
#include <memory>

#include "core/crypto/fernet.hpp"
#include "core/crypto/openssl_util.hpp"
#include "core/crypto/random.hpp"

namespace tenantctl::crypto {

namespace {

constexpr std::size_t kKekSize = 32;

using CipherCtx = std::unique_ptr<EVP_CIPHER_CTX, CipherCtxFree>;

CipherCtx new_context() {
    CipherCtx ctx(EVP_CIPHER_CTX_new());
    if (!ctx) openssl_failed("allocating an AES-GCM context");
    return ctx;
}

void check_kek(const SecureBytes& kek) {
    if (kek.size() != kKekSize) throw InvalidKey("master key must be 32 bytes");
}

void check_length(std::size_t n) {
    // EVP takes int lengths; wrapped values are keys of a few hundred bytes at most.
    if (n > INT_MAX / 2) throw Error(Exit::usage, "value is too large to wrap");
}

bool is_hex(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

char ascii_lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

}  // namespace

std::string wrap(const SecureBytes& kek, std::string_view plaintext, std::string_view aad) {
    check_kek(kek);
    check_length(plaintext.size());
    check_length(aad.size());
    std::string out(kWrapNonceSize + plaintext.size() + kWrapTagSize, '\0');
    auto* nonce = reinterpret_cast<unsigned char*>(out.data());
    unsigned char* body = nonce + kWrapNonceSize;
    random_fill(nonce, kWrapNonceSize);

    CipherCtx ctx = new_context();
    int len = 0;
    int final_len = 0;
    // GCM is a stream mode: Final writes nothing, and no plaintext is buffered in the context.
    const bool ok =
        EVP_EncryptInit_ex2(ctx.get(), EVP_aes_256_gcm(), kek.data(), nonce, nullptr) == 1 &&
        EVP_EncryptUpdate(ctx.get(), nullptr, &len, bytes_of(aad), static_cast<int>(aad.size())) == 1 &&
        EVP_EncryptUpdate(ctx.get(), body, &len, bytes_of(plaintext), static_cast<int>(plaintext.size())) == 1 &&
        EVP_EncryptFinal_ex(ctx.get(), body + len, &final_len) == 1 &&
        static_cast<std::size_t>(len + final_len) == plaintext.size() &&
        EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, static_cast<int>(kWrapTagSize), body + plaintext.size()) ==
            1;
    if (!ok) openssl_failed("AES-256-GCM encryption");
    return out;
}

SecureBytes unwrap(const SecureBytes& kek, std::string_view wrapped, std::string_view aad) {
    check_kek(kek);
    if (wrapped.size() < kWrapOverhead) throw UnwrapFailed();
    check_length(wrapped.size());
    check_length(aad.size());
    const std::size_t body_size = wrapped.size() - kWrapOverhead;
    const unsigned char* nonce = bytes_of(wrapped);
    const unsigned char* body = nonce + kWrapNonceSize;
    // EVP_CTRL_GCM_SET_TAG wants a writable pointer; give it a copy of the (public) tag.
    unsigned char tag[kWrapTagSize];
    std::memcpy(tag, body + body_size, kWrapTagSize);

    // One spare byte so data() is valid for an empty plaintext.
    SecureBytes plain(body_size + 1);
    CipherCtx ctx = new_context();
    int len = 0;
    int final_len = 0;
    const bool setup = EVP_DecryptInit_ex2(ctx.get(), EVP_aes_256_gcm(), kek.data(), nonce, nullptr) == 1 &&
                       EVP_DecryptUpdate(ctx.get(), nullptr, &len, bytes_of(aad), static_cast<int>(aad.size())) == 1 &&
                       EVP_DecryptUpdate(ctx.get(), plain.data(), &len, body, static_cast<int>(body_size)) == 1 &&
                       EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, static_cast<int>(kWrapTagSize), tag) == 1;
    if (!setup) openssl_failed("AES-256-GCM decryption");
    // Final is where the tag is checked: a failure here means wrong key, AAD or data.
    if (EVP_DecryptFinal_ex(ctx.get(), plain.data() + len, &final_len) != 1) throw UnwrapFailed();
    plain.resize(body_size);
    return plain;
}

std::string dek_aad(std::string_view tenant_uuid, int version) {
    bool canonical = tenant_uuid.size() == 36;
    for (std::size_t i = 0; canonical && i < tenant_uuid.size(); ++i) {
        const bool hyphen_position = i == 8 || i == 13 || i == 18 || i == 23;
        canonical = hyphen_position ? tenant_uuid[i] == '-' : is_hex(tenant_uuid[i]);
    }
    if (!canonical) throw UsageError("tenant id is not a hyphenated UUID: '" + std::string(tenant_uuid) + "'");
    if (version < 1) throw UsageError("key version must be 1 or more, got " + std::to_string(version));
    std::string aad = "tenantctl:dek:v1|";
    for (char c : tenant_uuid) aad.push_back(ascii_lower(c));
    aad += '|';
    aad += std::to_string(version);
    return aad;
}

std::string jwk_aad(std::string_view kid) { return "tenantctl:jwk:v1|" + std::string(kid); }

std::string audit_key_aad(std::string_view tenant_uuid) { return "tenantctl:audit-key:v1|" + std::string(tenant_uuid); }

}  // namespace tenantctl::crypto
