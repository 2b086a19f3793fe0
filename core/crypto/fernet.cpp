#include "core/crypto/fernet.hpp"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include <climits>
#include <cstring>
#include <memory>

#include "core/crypto/openssl_util.hpp"
#include "core/crypto/random.hpp"

namespace tenantctl::crypto {

namespace {

constexpr std::uint8_t kVersion = 0x80;
constexpr std::size_t kTimestampSize = 8;
constexpr std::size_t kIvSize = 16;
constexpr std::size_t kBlockSize = 16;
constexpr std::size_t kMacSize = 32;
constexpr std::size_t kHeaderSize = 1 + kTimestampSize + kIvSize;         // 25
constexpr std::size_t kMinRawSize = kHeaderSize + kBlockSize + kMacSize;  // 73
constexpr std::uint64_t kMaxClockSkew = 60;                               // seconds, as Python
constexpr std::size_t kMaxPlaintext = INT_MAX - 2 * kBlockSize;           // EVP lengths are int

// Implementations are fetched once per process. Handing EVP_aes_128_cbc() to an init call
// instead makes OpenSSL 3 look the provider implementation up again on every call, which
// dominates the cost of a short value. They are deliberately never freed (process lifetime).
const EVP_CIPHER* aes_128_cbc() {
    static EVP_CIPHER* const cipher = EVP_CIPHER_fetch(nullptr, "AES-128-CBC", nullptr);
    if (cipher == nullptr) openssl_failed("loading AES-128-CBC");
    return cipher;
}

EVP_MAC* hmac_algorithm() {
    static EVP_MAC* const mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
    if (mac == nullptr) openssl_failed("loading HMAC");
    return mac;
}

struct MacCtxFree {
    void operator()(EVP_MAC_CTX* c) const { EVP_MAC_CTX_free(c); }
};

// One cipher and one MAC context per thread, re-keyed on every call. They keep the last key
// schedule until the next call re-keys them; OpenSSL wipes it when the thread ends.
// Padding is done here rather than by EVP so no plaintext block lingers in the context.
struct ThreadContexts {
    std::unique_ptr<EVP_CIPHER_CTX, CipherCtxFree> cipher{EVP_CIPHER_CTX_new()};
    std::unique_ptr<EVP_MAC_CTX, MacCtxFree> mac{EVP_MAC_CTX_new(hmac_algorithm())};
    bool cipher_ready = false;  // AES-128-CBC has been set on `cipher`

    ThreadContexts() {
        if (!cipher || !mac) openssl_failed("allocating Fernet contexts");
        // The digest is set once: passing it to every EVP_MAC_init would re-fetch SHA-256.
        char digest[] = "SHA256";
        const OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
                                     OSSL_PARAM_construct_end()};
        if (EVP_MAC_CTX_set_params(mac.get(), params) != 1) openssl_failed("configuring HMAC-SHA256");
    }
};

ThreadContexts& contexts() {
    thread_local ThreadContexts ctx;
    return ctx;
}

void compute_mac(const FernetKey& key, const std::uint8_t* data, std::size_t size, std::uint8_t out[kMacSize]) {
    EVP_MAC_CTX* ctx = contexts().mac.get();
    std::size_t written = 0;
    if (EVP_MAC_init(ctx, key.signing_key().data(), key.signing_key().size(), nullptr) != 1 ||
        EVP_MAC_update(ctx, data, size) != 1 || EVP_MAC_final(ctx, out, &written, kMacSize) != 1 || written != kMacSize)
        openssl_failed("HMAC-SHA256");
}

// AES-128-CBC over whole blocks, no padding (callers pad and unpad). `in` may equal `out`.
void aes_cbc(const FernetKey& key, const std::uint8_t* iv, const std::uint8_t* in, std::size_t size, std::uint8_t* out,
             bool encrypt) {
    ThreadContexts& contexts_now = contexts();
    EVP_CIPHER_CTX* ctx = contexts_now.cipher.get();
    // Naming the cipher again would make OpenSSL free and rebuild the provider context on
    // every call; after the first call a null cipher re-keys the existing one.
    const EVP_CIPHER* cipher = contexts_now.cipher_ready ? nullptr : aes_128_cbc();
    int updated = 0;
    int finished = 0;
    // The padding setting lives in the provider context, so it survives re-keying.
    const bool ok = EVP_CipherInit_ex2(ctx, cipher, key.encryption_key().data(), iv, encrypt ? 1 : 0, nullptr) == 1 &&
                    (cipher == nullptr || EVP_CIPHER_CTX_set_padding(ctx, 0) == 1) &&
                    EVP_CipherUpdate(ctx, out, &updated, in, static_cast<int>(size)) == 1 &&
                    EVP_CipherFinal_ex(ctx, out + updated, &finished) == 1 &&
                    static_cast<std::size_t>(updated + finished) == size;
    if (!ok) {
        contexts_now.cipher_ready = false;  // start from a clean context next time
        openssl_failed(encrypt ? "AES-128-CBC encryption" : "AES-128-CBC decryption");
    }
    contexts_now.cipher_ready = true;
}

void put_be64(std::uint8_t* out, std::uint64_t v) {
    for (int i = 7; i >= 0; --i) {
        out[i] = static_cast<std::uint8_t>(v & 0xff);
        v >>= 8;
    }
}

std::uint64_t get_be64(const std::uint8_t* in) {
    std::uint64_t v = 0;
    for (int i = 0; i < 8; ++i) v = (v << 8) | in[i];
    return v;
}

// Base64 decoding plus the structural checks every entry point shares: version byte, and a
// length of header + at least one whole cipher block + MAC. `raw` holds public bytes only.
bool decode_token(std::string_view token, std::string& raw) {
    if (!base64url_decode(token, raw)) return false;
    if (raw.size() < kMinRawSize || (raw.size() - kHeaderSize - kMacSize) % kBlockSize != 0) return false;
    return static_cast<std::uint8_t>(raw[0]) == kVersion;
}

bool mac_matches(const FernetKey& key, const std::string& raw) {
    std::uint8_t expected[kMacSize];
    const std::size_t signed_size = raw.size() - kMacSize;
    compute_mac(key, bytes_of(raw), signed_size, expected);
    return CRYPTO_memcmp(expected, bytes_of(raw) + signed_size, kMacSize) == 0;
}

std::uint64_t timestamp_of(const std::string& raw) { return get_be64(bytes_of(raw) + 1); }

// Only called after the MAC verified, so a padding failure here is not an oracle.
SecureBytes decrypt_body(const FernetKey& key, const std::string& raw) {
    const std::size_t body_size = raw.size() - kHeaderSize - kMacSize;
    SecureBytes plain(body_size);
    aes_cbc(key, bytes_of(raw) + 1 + kTimestampSize, bytes_of(raw) + kHeaderSize, body_size, plain.data(), false);
    const std::uint8_t pad = plain.data()[body_size - 1];
    bool pad_ok = pad >= 1 && pad <= kBlockSize;
    for (std::size_t i = 0; pad_ok && i < pad; ++i) pad_ok = plain.data()[body_size - 1 - i] == pad;
    if (!pad_ok) throw InvalidToken();
    plain.resize(body_size - pad);
    return plain;
}

FernetPlain verify_and_decrypt(const FernetKey& key, std::string_view token, const std::uint64_t* ttl,
                               std::uint64_t now) {
    std::string raw;
    if (!decode_token(token, raw) || !mac_matches(key, raw)) throw InvalidToken();
    const std::uint64_t timestamp = timestamp_of(raw);
    if (ttl != nullptr) {
        // Written without additions so extreme timestamps cannot overflow.
        const bool expired = timestamp < now && now - timestamp > *ttl;
        const bool from_future = timestamp > now && timestamp - now > kMaxClockSkew;
        if (expired) throw InvalidToken("Fernet token has expired");
        if (from_future) throw InvalidToken("Fernet token is dated in the future beyond the allowed clock skew");
    }
    return FernetPlain{decrypt_body(key, raw), timestamp};
}

}  // namespace

FernetKey FernetKey::generate() {
    SecureBytes signing(kHalfSize);
    SecureBytes encryption(kHalfSize);
    random_fill(signing.data(), signing.size());
    random_fill(encryption.data(), encryption.size());
    return FernetKey(std::move(signing), std::move(encryption));
}

FernetKey FernetKey::from_base64url(std::string_view text) {
    static const char* const kMessage = "Fernet key must be 32 bytes written as 44 characters of URL-safe base64";
    if (text.size() != kEncodedSize) throw InvalidKey(kMessage);
    std::string raw;
    const bool decoded = base64url_decode(text, raw);
    SecureBytes wiped_raw(raw);  // take ownership of the bytes so they are wiped however we leave
    OPENSSL_cleanse(raw.data(), raw.size());
    if (!decoded || wiped_raw.size() != 2 * kHalfSize) throw InvalidKey(kMessage);
    return FernetKey(SecureBytes(wiped_raw.data(), kHalfSize), SecureBytes(wiped_raw.data() + kHalfSize, kHalfSize));
}

SecureBytes FernetKey::to_base64url_secure() const {
    SecureBytes raw(2 * kHalfSize);
    std::memcpy(raw.data(), m_signing.data(), kHalfSize);
    std::memcpy(raw.data() + kHalfSize, m_encryption.data(), kHalfSize);
    std::string encoded = base64url_encode(raw.view());
    SecureBytes result(encoded);
    OPENSSL_cleanse(encoded.data(), encoded.size());
    return result;
}

std::string FernetKey::to_base64url() const { return std::string(to_base64url_secure().view()); }

std::string fernet_encrypt(const FernetKey& key, std::string_view plaintext, std::uint64_t timestamp,
                           const std::uint8_t* iv16) {
    if (plaintext.size() > kMaxPlaintext) throw Error(Exit::usage, "value is too large to encrypt");
    const std::size_t pad = kBlockSize - plaintext.size() % kBlockSize;  // PKCS7: 1..16
    const std::size_t body_size = plaintext.size() + pad;
    std::string raw(kHeaderSize + body_size + kMacSize, '\0');
    auto* out = reinterpret_cast<std::uint8_t*>(raw.data());
    std::uint8_t* iv = out + 1 + kTimestampSize;
    std::uint8_t* body = out + kHeaderSize;

    out[0] = kVersion;
    put_be64(out + 1, timestamp);
    if (iv16 != nullptr)
        std::memcpy(iv, iv16, kIvSize);
    else
        random_fill(iv, kIvSize);
    // The padded plaintext is encrypted in place, so it never exists outside `raw` and is
    // overwritten by the ciphertext; wipe it if encryption fails half way.
    std::memcpy(body, plaintext.data(), plaintext.size());
    std::memset(body + plaintext.size(), static_cast<int>(pad), pad);
    try {
        aes_cbc(key, iv, body, body_size, body, true);
    } catch (...) {
        OPENSSL_cleanse(raw.data(), raw.size());
        throw;
    }
    compute_mac(key, out, kHeaderSize + body_size, out + kHeaderSize + body_size);
    return base64url_encode(raw);
}

bool fernet_verify(const FernetKey& key, std::string_view token) {
    std::string raw;
    return decode_token(token, raw) && mac_matches(key, raw);
}

FernetPlain fernet_decrypt(const FernetKey& key, std::string_view token) {
    return verify_and_decrypt(key, token, nullptr, 0);
}

FernetPlain fernet_decrypt(const FernetKey& key, std::string_view token, std::uint64_t ttl_seconds, std::uint64_t now) {
    return verify_and_decrypt(key, token, &ttl_seconds, now);
}

std::uint64_t fernet_timestamp(std::string_view token) {
    std::string raw;
    if (!decode_token(token, raw)) throw InvalidToken("Fernet token is malformed");
    return timestamp_of(raw);
}

int fernet_match(std::span<const FernetKey* const> keys, std::string_view token) {
    std::string raw;
    if (!decode_token(token, raw)) return -1;
    for (std::size_t i = 0; i < keys.size(); ++i)
        if (mac_matches(*keys[i], raw)) return static_cast<int>(i);
    return -1;
}

RotateResult fernet_rotate(std::span<const FernetKey* const> keys, std::string_view token) {
    RotateResult result;
    std::string raw;
    if (keys.empty() || !decode_token(token, raw)) return result;
    for (std::size_t i = 0; i < keys.size(); ++i) {
        if (!mac_matches(*keys[i], raw)) continue;
        result.key_index = static_cast<int>(i);
        if (i == 0) {
            result.status = RotateStatus::current;
            return result;
        }
        try {
            const SecureBytes plain = decrypt_body(*keys[i], raw);
            result.token = fernet_encrypt(*keys[0], plain.view(), timestamp_of(raw));
            result.status = RotateStatus::rotated;
        } catch (const InvalidToken&) {
            result.status = RotateStatus::invalid;  // authentic but badly padded: never made by Fernet
        }
        return result;
    }
    return result;
}

}  // namespace tenantctl::crypto
