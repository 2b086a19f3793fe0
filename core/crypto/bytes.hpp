// Byte buffers and text encodings shared by every crypto user.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace tenantctl::crypto {

using Bytes = std::vector<std::uint8_t>;

// A buffer that is wiped (OPENSSL_cleanse) when it goes away: keys and plaintext live here.
class SecureBytes {
public:
    SecureBytes() = default;
    explicit SecureBytes(std::size_t n) : m_data(n) {}
    SecureBytes(const std::uint8_t* p, std::size_t n) : m_data(p, p + n) {}
    explicit SecureBytes(std::string_view s) : m_data(s.begin(), s.end()) {}
    SecureBytes(const SecureBytes&) = default;
    SecureBytes(SecureBytes&& other) noexcept : m_data(std::move(other.m_data)) {}
    SecureBytes& operator=(const SecureBytes& other);
    SecureBytes& operator=(SecureBytes&& other) noexcept;
    ~SecureBytes();

    std::uint8_t* data() { return m_data.data(); }
    const std::uint8_t* data() const { return m_data.data(); }
    std::size_t size() const { return m_data.size(); }
    bool empty() const { return m_data.empty(); }
    // Never leaves a copy behind: growing moves to a new buffer and wipes the old one,
    // shrinking wipes the bytes cut off.
    void resize(std::size_t n);
    std::string_view view() const { return {reinterpret_cast<const char*>(m_data.data()), m_data.size()}; }

private:
    void wipe();
    std::vector<std::uint8_t> m_data;
};

inline std::string_view as_view(const Bytes& b) { return {reinterpret_cast<const char*>(b.data()), b.size()}; }
inline Bytes to_bytes(std::string_view s) { return Bytes(s.begin(), s.end()); }

std::string hex_encode(std::string_view raw);
std::string base64_encode(std::string_view raw);       // standard alphabet, padded
std::string base64url_encode(std::string_view raw);    // URL alphabet, padded (Fernet)
std::string base64url_encode_nopad(std::string_view raw);  // JOSE (JWK, JWS)

// Strict decoders: return false on any character outside the alphabet, bad padding, or
// non-canonical trailing bits. Padding is optional for the *_url variant when `allow_unpadded`.
bool base64_decode(std::string_view text, std::string& out);
bool base64url_decode(std::string_view text, std::string& out, bool allow_unpadded = false);

}  // namespace tenantctl::crypto
