// AES-256-GCM envelope: layout, authentication of every part, AAD binding, and a value
// produced by Python's AESGCM so the app and tenantctl provably agree.
#include <catch2/catch.hpp>
#include <string>

#include "core/crypto/bytes.hpp"
#include "core/crypto/envelope.hpp"
#include "core/crypto/fernet.hpp"
#include "core/crypto/random.hpp"

using namespace tenantctl;
using namespace tenantctl::crypto;

namespace {

SecureBytes test_kek() {
    SecureBytes kek(32);
    for (std::size_t i = 0; i < 32; ++i) kek.data()[i] = static_cast<std::uint8_t>(i);  // 00 01 .. 1f
    return kek;
}

SecureBytes random_kek() { return SecureBytes(random_bytes(32)); }

std::string from_hex(std::string_view hex) {
    std::string out;
    for (std::size_t i = 0; i + 1 < hex.size(); i += 2)
        out.push_back(static_cast<char>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16)));
    return out;
}

constexpr const char* kTenant = "3f2504e0-4f89-11d3-9a0c-0305e82c3301";

}  // namespace

TEST_CASE("envelope: unwraps a value wrapped by Python cryptography's AESGCM", "[crypto][envelope]") {
    // AESGCM(bytes(range(32))).encrypt(bytes(range(100, 112)), b"cw_0x...4e4=", aad), nonce prepended.
    const std::string wrapped = from_hex(
        "6465666768696a6b6c6d6e6f2b6c815601df6ea76c1216c5b01138af75ad4332e3339623d49ae5258de9c438d88c13a21462ec42c9964"
        "c02cbd73ec3ebe22215ab298abd4ee9751a");
    const SecureBytes plain = unwrap(test_kek(), wrapped, dek_aad(kTenant, 3));
    CHECK(plain.view() == "cw_0x689RpI-jtRR7oE8h_eQsKImvJapLeSbXpwF4e4=");
    CHECK_THROWS_AS(unwrap(test_kek(), wrapped, dek_aad(kTenant, 4)), UnwrapFailed);
}

TEST_CASE("envelope: round trip and layout", "[crypto][envelope]") {
    const SecureBytes kek = random_kek();
    const std::string aad = dek_aad(kTenant, 1);
    for (std::size_t n : {0, 1, 44, 1218}) {
        INFO("length " << n);
        const std::string plaintext = random_bytes(n);
        const std::string wrapped = wrap(kek, plaintext, aad);
        CHECK(wrapped.size() == kWrapNonceSize + n + kWrapTagSize);
        if (n >= 16) CHECK(wrapped.find(plaintext) == std::string::npos);  // shorter ones occur by chance
        CHECK(unwrap(kek, wrapped, aad).view() == plaintext);
    }
}

TEST_CASE("envelope: wraps a Fernet key the way keys will store it", "[crypto][envelope]") {
    const SecureBytes kek = random_kek();
    const FernetKey dek = FernetKey::generate();
    const std::string aad = dek_aad(kTenant, 2);
    const std::string wrapped = wrap(kek, dek.to_base64url_secure().view(), aad);
    const FernetKey back = FernetKey::from_base64url(unwrap(kek, wrapped, aad).view());
    CHECK(back.to_base64url() == dek.to_base64url());
}

TEST_CASE("envelope: every wrap uses a fresh nonce", "[crypto][envelope]") {
    const SecureBytes kek = random_kek();
    const std::string a = wrap(kek, "same key", "aad");
    const std::string b = wrap(kek, "same key", "aad");
    CHECK(a.substr(0, kWrapNonceSize) != b.substr(0, kWrapNonceSize));
    CHECK(a != b);
}

TEST_CASE("envelope: a flipped bit in nonce, ciphertext or tag fails", "[crypto][envelope]") {
    const SecureBytes kek = random_kek();
    const std::string wrapped = wrap(kek, "0123456789abcdef0123456789abcdef0123456789ab", "aad");
    for (std::size_t i = 0; i < wrapped.size(); ++i) {
        INFO("byte " << i << (i < 12 ? " (nonce)" : i < wrapped.size() - 16 ? " (ciphertext)" : " (tag)"));
        std::string tampered = wrapped;
        tampered[i] = static_cast<char>(tampered[i] ^ 0x01);
        CHECK_THROWS_AS(unwrap(kek, tampered, "aad"), UnwrapFailed);
    }
}

TEST_CASE("envelope: wrong AAD, wrong key, short or extended input fail", "[crypto][envelope]") {
    const SecureBytes kek = random_kek();
    const std::string aad = dek_aad(kTenant, 1);
    const std::string wrapped = wrap(kek, "secret", aad);

    CHECK_THROWS_AS(unwrap(kek, wrapped, dek_aad(kTenant, 2)), UnwrapFailed);
    CHECK_THROWS_AS(unwrap(kek, wrapped, dek_aad("00000000-0000-0000-0000-000000000000", 1)), UnwrapFailed);
    CHECK_THROWS_AS(unwrap(kek, wrapped, ""), UnwrapFailed);
    CHECK_THROWS_AS(unwrap(kek, wrapped, jwk_aad("kid")), UnwrapFailed);
    CHECK_THROWS_AS(unwrap(random_kek(), wrapped, aad), UnwrapFailed);
    CHECK_THROWS_AS(unwrap(kek, wrapped + "x", aad), UnwrapFailed);
    CHECK_THROWS_AS(unwrap(kek, wrapped.substr(0, wrapped.size() - 1), aad), UnwrapFailed);
    for (std::size_t n = 0; n < kWrapOverhead; ++n) {
        INFO("length " << n);
        CHECK_THROWS_AS(unwrap(kek, wrapped.substr(0, n), aad), UnwrapFailed);
    }
    // A 28-byte value is a well-formed wrap of nothing; a made-up one must still not verify.
    CHECK_THROWS_AS(unwrap(kek, std::string(kWrapOverhead, '\0'), aad), UnwrapFailed);
}

TEST_CASE("envelope: UnwrapFailed is an integrity error with the documented message", "[crypto][envelope]") {
    const SecureBytes kek = random_kek();
    try {
        unwrap(kek, wrap(random_kek(), "x", "a"), "a");
        FAIL("unwrapped under the wrong key");
    } catch (const UnwrapFailed& e) {
        CHECK(e.code() == Exit::integrity);
        CHECK(std::string(e.what()) ==
              "wrapped key does not decrypt under the master key (wrong key, corrupt value or wrong AAD)");
    }
}

TEST_CASE("envelope: the KEK must be 32 bytes", "[crypto][envelope]") {
    for (std::size_t n : {0, 16, 31, 33}) {
        const SecureBytes kek(random_bytes(n));
        CHECK_THROWS_AS(wrap(kek, "x", "a"), InvalidKey);
        CHECK_THROWS_AS(unwrap(kek, std::string(40, 'x'), "a"), InvalidKey);
    }
}

TEST_CASE("envelope: AAD strings", "[crypto][envelope]") {
    CHECK(dek_aad(kTenant, 1) == "tenantctl:dek:v1|3f2504e0-4f89-11d3-9a0c-0305e82c3301|1");
    CHECK(dek_aad("3F2504E0-4F89-11D3-9A0C-0305E82C3301", 12) ==
          "tenantctl:dek:v1|3f2504e0-4f89-11d3-9a0c-0305e82c3301|12");
    CHECK(jwk_aad("NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs") ==
          "tenantctl:jwk:v1|NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs");

    for (const char* bad : {"", "3f2504e04f8911d39a0c0305e82c3301", "{3f2504e0-4f89-11d3-9a0c-0305e82c3301}",
                            "3f2504e0-4f89-11d3-9a0c-0305e82c330", "3f2504e0-4f89-11d3-9a0c-0305e82c33011",
                            "3f2504e0_4f89-11d3-9a0c-0305e82c3301", "3g2504e0-4f89-11d3-9a0c-0305e82c3301"}) {
        INFO(bad);
        CHECK_THROWS_AS(dek_aad(bad, 1), UsageError);
    }
    CHECK_THROWS_AS(dek_aad(kTenant, 0), UsageError);
    CHECK_THROWS_AS(dek_aad(kTenant, -1), UsageError);
}
