// SHA-256 and HMAC-SHA256 through OpenSSL 3 (one-shot APIs, not deprecated in 3.0).
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace tenantctl::crypto {

using Digest = std::array<std::uint8_t, 32>;

Digest sha256(std::string_view data);
std::string sha256_hex(std::string_view data);
Digest hmac_sha256(std::string_view key, std::string_view data);
std::string hmac_sha256_hex(std::string_view key, std::string_view data);

// Incremental SHA-256 for streams (archives, exports) whose size is unbounded.
class Sha256Stream {
public:
    Sha256Stream();
    ~Sha256Stream();
    Sha256Stream(const Sha256Stream&) = delete;
    Sha256Stream& operator=(const Sha256Stream&) = delete;
    void update(std::string_view data);
    std::string hex_so_far() const;  // of everything given so far; more may follow
    std::string hex_final();  // once

private:
    void* m_ctx;  // EVP_MD_CTX*, kept opaque so this header stays OpenSSL-free
};

// Constant-time comparison (CRYPTO_memcmp) for MACs and hashes.
bool equal_constant_time(std::string_view a, std::string_view b);

}  // namespace tenantctl::crypto
