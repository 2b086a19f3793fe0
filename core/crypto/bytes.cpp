#include "core/crypto/bytes.hpp"

#include <openssl/crypto.h>

#include <array>

namespace tenantctl::crypto {

SecureBytes& SecureBytes::operator=(const SecureBytes& other) {
    if (this != &other) {
        wipe();
        m_data = other.m_data;
    }
    return *this;
}

SecureBytes& SecureBytes::operator=(SecureBytes&& other) noexcept {
    if (this != &other) {
        wipe();
        m_data = std::move(other.m_data);
    }
    return *this;
}

SecureBytes::~SecureBytes() { wipe(); }

void SecureBytes::resize(std::size_t n) {
    if (n <= m_data.size()) {
        OPENSSL_cleanse(m_data.data() + n, m_data.size() - n);
        m_data.resize(n);
    } else if (n <= m_data.capacity()) {
        m_data.resize(n);
    } else {
        // std::vector would free the old buffer without wiping it.
        std::vector<std::uint8_t> bigger;
        bigger.reserve(n);
        bigger.assign(m_data.begin(), m_data.end());
        bigger.resize(n);
        wipe();
        m_data.swap(bigger);
    }
}

void SecureBytes::wipe() {
    if (!m_data.empty()) OPENSSL_cleanse(m_data.data(), m_data.size());
}

std::string hex_encode(std::string_view raw) {
    static constexpr char digits[] = "0123456789abcdef";
    std::string out;
    out.reserve(raw.size() * 2);
    for (unsigned char c : raw) {
        out.push_back(digits[c >> 4]);
        out.push_back(digits[c & 0xf]);
    }
    return out;
}

namespace {

constexpr char kStd[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr char kUrl[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

std::string encode(std::string_view raw, const char* alphabet, bool pad) {
    std::string out;
    out.reserve((raw.size() + 2) / 3 * 4);
    std::size_t i = 0;
    auto byte = [&](std::size_t k) { return static_cast<unsigned char>(raw[k]); };
    for (; i + 3 <= raw.size(); i += 3) {
        std::uint32_t v = (byte(i) << 16) | (byte(i + 1) << 8) | byte(i + 2);
        out.push_back(alphabet[(v >> 18) & 63]);
        out.push_back(alphabet[(v >> 12) & 63]);
        out.push_back(alphabet[(v >> 6) & 63]);
        out.push_back(alphabet[v & 63]);
    }
    std::size_t rest = raw.size() - i;
    if (rest == 1) {
        std::uint32_t v = byte(i) << 16;
        out.push_back(alphabet[(v >> 18) & 63]);
        out.push_back(alphabet[(v >> 12) & 63]);
        if (pad) out += "==";
    } else if (rest == 2) {
        std::uint32_t v = (byte(i) << 16) | (byte(i + 1) << 8);
        out.push_back(alphabet[(v >> 18) & 63]);
        out.push_back(alphabet[(v >> 12) & 63]);
        out.push_back(alphabet[(v >> 6) & 63]);
        if (pad) out += "=";
    }
    return out;
}

std::array<int, 256> make_table(const char* alphabet) {
    std::array<int, 256> t{};
    t.fill(-1);
    for (int k = 0; k < 64; ++k) t[static_cast<unsigned char>(alphabet[k])] = k;
    return t;
}

bool decode(std::string_view text, std::string& out, const std::array<int, 256>& table, bool allow_unpadded) {
    std::size_t pad = 0;
    while (!text.empty() && text.back() == '=' && pad < 2) {
        text.remove_suffix(1);
        ++pad;
    }
    if (pad == 0 && !allow_unpadded && text.size() % 4 != 0) return false;
    if (pad != 0 && (text.size() + pad) % 4 != 0) return false;
    if (text.size() % 4 == 1) return false;
    out.clear();
    out.reserve(text.size() * 3 / 4);
    std::uint32_t acc = 0;
    int bits = 0;
    for (char c : text) {
        int v = table[static_cast<unsigned char>(c)];
        if (v < 0) return false;
        acc = (acc << 6) | static_cast<std::uint32_t>(v);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out.push_back(static_cast<char>((acc >> bits) & 0xff));
        }
    }
    // Canonical encodings leave the unused low bits zero.
    return bits == 0 || (acc & ((1u << bits) - 1)) == 0;
}

}  // namespace

std::string base64_encode(std::string_view raw) { return encode(raw, kStd, true); }
std::string base64url_encode(std::string_view raw) { return encode(raw, kUrl, true); }
std::string base64url_encode_nopad(std::string_view raw) { return encode(raw, kUrl, false); }

bool base64_decode(std::string_view text, std::string& out) {
    static const auto table = make_table(kStd);
    return decode(text, out, table, false);
}

bool base64url_decode(std::string_view text, std::string& out, bool allow_unpadded) {
    static const auto table = make_table(kUrl);
    return decode(text, out, table, allow_unpadded);
}

}  // namespace tenantctl::crypto
