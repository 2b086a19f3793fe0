#include "core/crypto/hash.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

#include <stdexcept>

#include "core/crypto/bytes.hpp"

namespace tenantctl::crypto {

namespace {

// SHA256() and EVP_sha256() look the implementation up in the provider on every call, which
// costs more than hashing a 100-byte row: fetch it once, and keep one context per thread.
const EVP_MD* sha256_md() {
    static EVP_MD* md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
    if (!md) throw std::runtime_error("SHA-256 is not available");
    return md;
}

struct ReusedContext {
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    ReusedContext() {
        if (!ctx) throw std::runtime_error("out of memory");
    }
    ~ReusedContext() { EVP_MD_CTX_free(ctx); }
    ReusedContext(const ReusedContext&) = delete;
    ReusedContext& operator=(const ReusedContext&) = delete;
};

}  // namespace

Digest sha256(std::string_view data) {
    thread_local ReusedContext reused;
    Digest out{};
    unsigned int len = 0;
    if (EVP_DigestInit_ex2(reused.ctx, sha256_md(), nullptr) != 1 ||
        EVP_DigestUpdate(reused.ctx, data.data(), data.size()) != 1 ||
        EVP_DigestFinal_ex(reused.ctx, out.data(), &len) != 1)
        throw std::runtime_error("SHA-256 failed");
    return out;
}

std::string sha256_hex(std::string_view data) {
    auto d = sha256(data);
    return hex_encode({reinterpret_cast<const char*>(d.data()), d.size()});
}

Digest hmac_sha256(std::string_view key, std::string_view data) {
    Digest out{};
    unsigned int len = 0;
    if (!HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
              reinterpret_cast<const unsigned char*>(data.data()), data.size(), out.data(), &len))
        throw std::runtime_error("HMAC-SHA256 failed");
    return out;
}

std::string hmac_sha256_hex(std::string_view key, std::string_view data) {
    auto d = hmac_sha256(key, data);
    return hex_encode({reinterpret_cast<const char*>(d.data()), d.size()});
}

Sha256Stream::Sha256Stream() : m_ctx(EVP_MD_CTX_new()) {
    if (!m_ctx || EVP_DigestInit_ex(static_cast<EVP_MD_CTX*>(m_ctx), EVP_sha256(), nullptr) != 1)
        throw std::runtime_error("SHA-256 init failed");
}

Sha256Stream::~Sha256Stream() { EVP_MD_CTX_free(static_cast<EVP_MD_CTX*>(m_ctx)); }

void Sha256Stream::update(std::string_view data) {
    EVP_DigestUpdate(static_cast<EVP_MD_CTX*>(m_ctx), data.data(), data.size());
}

std::string Sha256Stream::hex_so_far() const {
    EVP_MD_CTX* copy = EVP_MD_CTX_new();
    if (!copy || EVP_MD_CTX_copy_ex(copy, static_cast<const EVP_MD_CTX*>(m_ctx)) != 1) {
        EVP_MD_CTX_free(copy);
        throw std::runtime_error("SHA-256 copy failed");
    }
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    EVP_DigestFinal_ex(copy, out, &len);
    EVP_MD_CTX_free(copy);
    return hex_encode({reinterpret_cast<const char*>(out), len});
}

std::string Sha256Stream::hex_final() {
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    EVP_DigestFinal_ex(static_cast<EVP_MD_CTX*>(m_ctx), out, &len);
    return hex_encode({reinterpret_cast<const char*>(out), len});
}

bool equal_constant_time(std::string_view a, std::string_view b) {
    return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace tenantctl::crypto
