// Fernet against the spec's test vectors (fernet/spec master: generate.json, verify.json,
// invalid.json) and against every way a token can be damaged.
#include <catch2/catch.hpp>
#include <cstdint>
#include <limits>
#include <string>
#include <thread>
#include <vector>

#include "core/crypto/bytes.hpp"
#include "core/crypto/fernet.hpp"
#include "core/crypto/hash.hpp"

using namespace tenantctl;
using namespace tenantctl::crypto;

namespace {

// Shared by every spec vector.
constexpr const char* kSpecSecret = "cw_0x689RpI-jtRR7oE8h_eQsKImvJapLeSbXpwF4e4=";
constexpr const char* kSpecToken =
    "gAAAAAAdwJ6wAAECAwQFBgcICQoLDA0ODy021cpGVWKZ_eEwCGM4BLLF_5CV9dOPmrhuVUPgJobwOz7JcbmrR64jVmpU4IwqDA==";
constexpr std::uint64_t k19851026_012000 = 499162800;  // 1985-10-26T01:20:00-07:00
constexpr std::uint64_t k19851026_012001 = 499162801;  // 1985-10-26T01:20:01-07:00
constexpr std::uint64_t k19851026_012131 = 499162891;  // 1985-10-26T01:21:31-07:00

struct InvalidVector {
    const char* desc;
    const char* token;
    std::uint64_t now;
};

// invalid.json; every entry uses kSpecSecret and ttl_sec 60.
const InvalidVector kInvalidVectors[] = {
    {"incorrect mac",
     "gAAAAAAdwJ6xAAECAwQFBgcICQoLDA0OD3HkMATM5lFqGaerZ-fWPAl1-szkFVzXTuGb4hR8AKtwcaX1YdykQUFBQUFBQUFBQQ==",
     k19851026_012001},
    {"too short", "gAAAAAAdwJ6xAAECAwQFBgcICQoLDA0OD3HkMATM5lFqGaerZ-fWPA==", k19851026_012001},
    {"invalid base64",
     "%%%%%%%%%%%%%AECAwQFBgcICQoLDA0OD3HkMATM5lFqGaerZ-fWPAl1-szkFVzXTuGb4hR8AKtwcaX1YdykRtfsH-p1YsUD2Q==",
     k19851026_012001},
    {"payload size not multiple of block size",
     "gAAAAAAdwJ6xAAECAwQFBgcICQoLDA0OD3HkMATM5lFqGaerZ-fWPOm73QeoCk9uGib28Xe5vz6oxq5nmxbx_v7mrfyudzUm",
     k19851026_012001},
    {"payload padding error",
     "gAAAAAAdwJ6xAAECAwQFBgcICQoLDA0ODz4LEpdELGQAad7aNEHbf-JkLPIpuiYRLQ3RtXatOYREu2FWke6CnJNYIbkuKNqOhw==",
     k19851026_012001},
    {"far-future TS (unacceptable clock skew)",
     "gAAAAAAdwStRAAECAwQFBgcICQoLDA0OD3HkMATM5lFqGaerZ-fWPAnja1xKYyhd-Y6mSkTOyTGJmw2Xc2a6kBd-iX9b_qXQcw==",
     k19851026_012001},
    {"expired TTL",
     "gAAAAAAdwJ6xAAECAwQFBgcICQoLDA0OD3HkMATM5lFqGaerZ-fWPAl1-szkFVzXTuGb4hR8AKtwcaX1YdykRtfsH-p1YsUD2Q==",
     k19851026_012131},
    {"incorrect IV (causes padding error)",
     "gAAAAAAdwJ6xBQECAwQFBgcICQoLDA0OD3HkMATM5lFqGaerZ-fWPAkLhFLHpGtDBRLRTZeUfWgHSv49TF2AUEZ1TIvcZjK1zQ==",
     k19851026_012001},
    {"trailing characters after b64 padding",
     "gAAAAAAdwJ6wAAECAwQFBgcICQoLDA0ODy021cpGVWKZ_eEwCGM4BLLF_5CV9dOPmrhuVUPgJobwOz7JcbmrR64jVmpU4IwqDA==trailingdata",
     k19851026_012001},
    {"invalid characters in b64",
     "*gAAAAAAdwJ6wAAECAwQFBgcI!CQoLDA0ODy021?cpGVWKZ_eEwC@GM4BLLF_5CV9dOPmrhuVUPgJobwOz7JcbmrR64jVmpU4IwqDA==",
     k19851026_012001},
    {"invalid non-urlsafe characters in b64",
     "gAAAAAAdwJ6wAAEC/AwQFBgcICQoLDA0ODy+021cpGVWKZ_eEwCGM4BLLF_5CV9dOPmrhuVUPgJobwOz7JcbmrR64jVmpU4IwqDA==",
     k19851026_012001},
};

const std::uint8_t kSpecIv[16] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};

std::string decode(const std::string& token) {
    std::string raw;
    REQUIRE(base64url_decode(token, raw));
    return raw;
}

// Re-signs a raw token so a structural defect is tested on its own, behind a valid MAC.
std::string resign(const FernetKey& key, std::string raw) {
    raw.resize(raw.size() - 32);
    const Digest mac = hmac_sha256(key.signing_key().view(), raw);
    raw.append(reinterpret_cast<const char*>(mac.data()), mac.size());
    return base64url_encode(raw);
}

void require_invalid(const FernetKey& key, const std::string& token) {
    CHECK_FALSE(fernet_verify(key, token));
    CHECK_THROWS_AS(fernet_decrypt(key, token), InvalidToken);
}

}  // namespace

TEST_CASE("fernet: generate.json vector is reproduced byte for byte", "[crypto][fernet]") {
    const FernetKey key = FernetKey::from_base64url(kSpecSecret);
    CHECK(fernet_encrypt(key, "hello", k19851026_012000, kSpecIv) == kSpecToken);
}

TEST_CASE("fernet: verify.json vector decrypts within its TTL", "[crypto][fernet]") {
    const FernetKey key = FernetKey::from_base64url(kSpecSecret);
    const FernetPlain plain = fernet_decrypt(key, kSpecToken, 60, k19851026_012001);
    CHECK(plain.plaintext.view() == "hello");
    CHECK(plain.timestamp == k19851026_012000);
    CHECK(fernet_verify(key, kSpecToken));
    CHECK(fernet_timestamp(kSpecToken) == k19851026_012000);
}

TEST_CASE("fernet: every invalid.json vector is rejected", "[crypto][fernet]") {
    const FernetKey key = FernetKey::from_base64url(kSpecSecret);
    for (const auto& v : kInvalidVectors) {
        INFO(v.desc);
        CHECK_THROWS_AS(fernet_decrypt(key, v.token, 60, v.now), InvalidToken);
    }
}

TEST_CASE("fernet: invalid.json failures come from the right check", "[crypto][fernet]") {
    const FernetKey key = FernetKey::from_base64url(kSpecSecret);
    auto vector = [](std::string_view desc) {
        for (const auto& v : kInvalidVectors)
            if (desc == v.desc) return std::string(v.token);
        FAIL("no vector " << desc);
        return std::string();
    };
    // Authentic tokens (of an empty message, as Python confirms) that only the TTL rule
    // rejects: without a TTL they decrypt.
    const FernetPlain expired = fernet_decrypt(key, vector("expired TTL"));
    CHECK(expired.plaintext.view().empty());
    CHECK(expired.timestamp == k19851026_012001);
    CHECK(fernet_decrypt(key, vector("far-future TS (unacceptable clock skew)")).plaintext.view().empty());
    // Authentic MAC over a body whose padding is wrong: the MAC check passes and the
    // padding check after decryption must still refuse it.
    CHECK(fernet_verify(key, vector("payload padding error")));
    CHECK_THROWS_AS(fernet_decrypt(key, vector("payload padding error")), InvalidToken);
    CHECK(fernet_verify(key, vector("incorrect IV (causes padding error)")));
    CHECK_THROWS_AS(fernet_decrypt(key, vector("incorrect IV (causes padding error)")), InvalidToken);
    // The rest fail before or at the MAC.
    for (const char* desc : {"incorrect mac", "too short", "invalid base64", "payload size not multiple of block size",
                             "trailing characters after b64 padding", "invalid characters in b64",
                             "invalid non-urlsafe characters in b64"}) {
        INFO(desc);
        require_invalid(key, vector(desc));
    }
}

TEST_CASE("fernet: round trip keeps plaintext and timestamp for every length", "[crypto][fernet]") {
    const FernetKey key = FernetKey::generate();
    for (std::size_t n : {0, 1, 15, 16, 17, 31, 32, 33, 100, 1000, 4096}) {
        INFO("length " << n);
        std::string plaintext(n, '\0');
        for (std::size_t i = 0; i < n; ++i) plaintext[i] = static_cast<char>(i * 7 + 3);  // includes NUL bytes
        const std::string token = fernet_encrypt(key, plaintext, 1700000000 + n);
        const std::string raw = decode(token);
        CHECK(raw.size() == 57 + 16 * (n / 16 + 1));
        CHECK(token.rfind("gAAAAA", 0) == 0);
        CHECK(base64url_encode(raw) == token);  // canonical, padded
        const FernetPlain plain = fernet_decrypt(key, token);
        CHECK(plain.plaintext.view() == plaintext);
        CHECK(plain.timestamp == 1700000000 + n);
        CHECK(fernet_verify(key, token));
    }
}

TEST_CASE("fernet: a fresh IV is drawn for each token", "[crypto][fernet]") {
    const FernetKey key = FernetKey::generate();
    const std::string a = fernet_encrypt(key, "same", 1);
    const std::string b = fernet_encrypt(key, "same", 1);
    CHECK(a != b);
    CHECK(decode(a).substr(9, 16) != decode(b).substr(9, 16));
}

TEST_CASE("fernet: timestamps at the ends of the range survive", "[crypto][fernet]") {
    const FernetKey key = FernetKey::generate();
    for (std::uint64_t ts : {std::uint64_t{0}, std::numeric_limits<std::uint64_t>::max()}) {
        const std::string token = fernet_encrypt(key, "x", ts);
        CHECK(fernet_timestamp(token) == ts);
        CHECK(fernet_decrypt(key, token).timestamp == ts);
    }
}

TEST_CASE("fernet: a flipped bit anywhere in the token is rejected", "[crypto][fernet]") {
    const FernetKey key = FernetKey::generate();
    const std::string raw = decode(fernet_encrypt(key, "a secret of 20 bytes", 1700000000));
    REQUIRE(raw.size() == 25 + 32 + 32);
    // Regions: version [0], timestamp [1,9), IV [9,25), ciphertext [25,57), HMAC [57,89).
    for (std::size_t i = 0; i < raw.size(); ++i) {
        for (int bit : {0, 7}) {
            INFO("byte " << i << " bit " << bit);
            std::string tampered = raw;
            tampered[i] = static_cast<char>(tampered[i] ^ (1 << bit));
            require_invalid(key, base64url_encode(tampered));
        }
    }
}

TEST_CASE("fernet: structural checks hold even behind a valid MAC", "[crypto][fernet]") {
    const FernetKey key = FernetKey::generate();
    const std::string raw = decode(fernet_encrypt(key, "value", 42));

    SECTION("unknown version byte") {
        for (int version : {0x00, 0x81, 0xa0, 0xc0, 0xff}) {
            std::string bad = raw;
            bad[0] = static_cast<char>(version);
            require_invalid(key, resign(key, bad));
        }
    }
    SECTION("ciphertext that is not whole blocks") {
        std::string bad = raw;
        bad.erase(30, 1);
        require_invalid(key, resign(key, bad));
    }
    SECTION("no ciphertext at all") {
        std::string bad = raw.substr(0, 25) + raw.substr(raw.size() - 32);
        require_invalid(key, resign(key, bad));
    }
    SECTION("the control: re-signing an untouched token keeps it valid") {
        CHECK(fernet_decrypt(key, resign(key, raw)).plaintext.view() == "value");
    }
}

TEST_CASE("fernet: truncated tokens are rejected", "[crypto][fernet]") {
    const FernetKey key = FernetKey::generate();
    const std::string token = fernet_encrypt(key, "truncate me", 1);
    const std::string raw = decode(token);
    for (std::size_t n = 0; n < raw.size(); ++n) {
        INFO("raw length " << n);
        require_invalid(key, base64url_encode(raw.substr(0, n)));
    }
    for (std::size_t n = 0; n < token.size(); ++n) {
        INFO("text length " << n);
        require_invalid(key, token.substr(0, n));
    }
}

TEST_CASE("fernet: malformed text is rejected", "[crypto][fernet]") {
    const FernetKey key = FernetKey::generate();
    const std::string token = fernet_encrypt(key, "text", 1);
    REQUIRE(token.back() == '=');
    std::string unpadded = token;
    while (unpadded.back() == '=') unpadded.pop_back();

    require_invalid(key, "");
    require_invalid(key, unpadded);  // Python rejects missing padding too
    require_invalid(key, token + "\n");
    require_invalid(key, " " + token);
    require_invalid(key, token + "=");
    require_invalid(key, token + token);
    std::string with_std_alphabet = token;
    for (char& c : with_std_alphabet) {
        if (c == '-') c = '+';
        if (c == '_') c = '/';
    }
    if (with_std_alphabet != token) require_invalid(key, with_std_alphabet);
    for (char junk : {'!', '.', '*', '%', '\0', '\xff'}) {
        std::string bad = token;
        bad[10] = junk;
        require_invalid(key, bad);
    }
    CHECK_THROWS_AS(fernet_timestamp(""), InvalidToken);
    CHECK_THROWS_AS(fernet_timestamp("not a token"), InvalidToken);
}

TEST_CASE("fernet: a token only opens under the key that made it", "[crypto][fernet]") {
    const FernetKey mine = FernetKey::generate();
    const FernetKey other = FernetKey::generate();
    const std::string token = fernet_encrypt(mine, "tenant data", 7);
    require_invalid(other, token);
    require_invalid(mine, fernet_encrypt(other, "tenant data", 7));

    // Same signing key, different encryption key: the MAC passes, the plaintext must not
    // come back as the original (wrong padding or wrong bytes).
    std::string mixed_raw;
    REQUIRE(base64url_decode(mine.to_base64url(), mixed_raw));
    std::string other_raw;
    REQUIRE(base64url_decode(other.to_base64url(), other_raw));
    mixed_raw.replace(16, 16, other_raw.substr(16));
    const FernetKey half = FernetKey::from_base64url(base64url_encode(mixed_raw));
    CHECK(fernet_verify(half, token));
    bool recovered = false;
    try {
        recovered = fernet_decrypt(half, token).plaintext.view() == "tenant data";
    } catch (const InvalidToken&) {
    }
    CHECK_FALSE(recovered);
}

TEST_CASE("fernet: TTL limits follow Python (ts + ttl < now, ts > now + 60)", "[crypto][fernet]") {
    const FernetKey key = FernetKey::generate();
    const std::uint64_t ts = 1700000000;
    const std::string token = fernet_encrypt(key, "ttl", ts);

    CHECK(fernet_decrypt(key, token, 60, ts).plaintext.view() == "ttl");
    CHECK(fernet_decrypt(key, token, 60, ts + 60).plaintext.view() == "ttl");
    CHECK_THROWS_AS(fernet_decrypt(key, token, 60, ts + 61), InvalidToken);
    CHECK_THROWS_AS(fernet_decrypt(key, token, 0, ts + 1), InvalidToken);

    CHECK(fernet_decrypt(key, token, 60, ts - 60).plaintext.view() == "ttl");
    CHECK_THROWS_AS(fernet_decrypt(key, token, 60, ts - 61), InvalidToken);
    CHECK_THROWS_AS(fernet_decrypt(key, token, 1'000'000, ts - 61), InvalidToken);  // skew is not TTL

    // Extreme values must not wrap around.
    const std::uint64_t max = std::numeric_limits<std::uint64_t>::max();
    CHECK(fernet_decrypt(key, token, max, max).plaintext.view() == "ttl");
    CHECK_THROWS_AS(fernet_decrypt(key, fernet_encrypt(key, "x", max), 60, 0), InvalidToken);
    CHECK_THROWS_AS(fernet_decrypt(key, fernet_encrypt(key, "x", 0), 60, max), InvalidToken);

    // Without a TTL an old token still decrypts (MultiFernet.rotate semantics).
    CHECK(fernet_decrypt(key, token).timestamp == ts);
}

TEST_CASE("fernet: errors are integrity failures that do not quote the token", "[crypto][fernet]") {
    const FernetKey key = FernetKey::generate();
    std::string raw = decode(fernet_encrypt(key, "pii", 1));
    raw[40] ^= 1;
    const std::string token = base64url_encode(raw);
    try {
        fernet_decrypt(key, token);
        FAIL("tampered token decrypted");
    } catch (const InvalidToken& e) {
        CHECK(e.code() == Exit::integrity);
        CHECK(std::string(e.what()).find(token.substr(0, 12)) == std::string::npos);
    }
}

TEST_CASE("fernet: keys round trip through base64url", "[crypto][fernet]") {
    const FernetKey key = FernetKey::generate();
    const std::string text = key.to_base64url();
    CHECK(text.size() == 44);
    CHECK(text.back() == '=');
    CHECK(key.to_base64url_secure().view() == text);
    const FernetKey again = FernetKey::from_base64url(text);
    CHECK(again.signing_key().view() == key.signing_key().view());
    CHECK(again.encryption_key().view() == key.encryption_key().view());
    CHECK(key.signing_key().size() == 16);
    CHECK(key.encryption_key().size() == 16);
    CHECK(FernetKey::generate().to_base64url() != text);

    const FernetKey spec = FernetKey::from_base64url(kSpecSecret);
    CHECK(spec.to_base64url() == kSpecSecret);
}

TEST_CASE("fernet: malformed keys are usage errors that do not quote the key", "[crypto][fernet]") {
    const std::string good = kSpecSecret;
    std::string std_alphabet = good;  // '_' in the spec key becomes '/'
    for (char& c : std_alphabet)
        if (c == '_') c = '/';
    std::string non_canonical = good;  // last data character carries bits that padding drops
    non_canonical[42] = 'f';
    const std::vector<std::string> bad = {
        "",
        good.substr(0, 43),                              // padding removed
        good + "=",                                      // 45 characters
        std_alphabet,                                    // '/' is not URL-safe base64
        non_canonical,                                   // 'f' leaves non-zero trailing bits
        "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==",  // 44 characters, but 31 bytes
        " " + good.substr(1),                            // whitespace
        good.substr(0, 43) + "\n",
    };
    for (const auto& text : bad) {
        INFO("key text '" << text << "'");
        try {
            FernetKey::from_base64url(text);
            FAIL("accepted a bad key");
        } catch (const InvalidKey& e) {
            CHECK(e.code() == Exit::usage);
            if (text.size() > 8) CHECK(std::string(e.what()).find(text.substr(0, 8)) == std::string::npos);
        }
    }
}

TEST_CASE("fernet: contexts are per thread", "[crypto][fernet]") {
    const FernetKey key = FernetKey::generate();
    std::vector<std::thread> threads;
    std::vector<int> failures(4, 0);
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&, t] {
            for (int i = 0; i < 500; ++i) {
                const std::string value = "thread " + std::to_string(t) + " value " + std::to_string(i);
                const std::string token = fernet_encrypt(key, value, static_cast<std::uint64_t>(i));
                const FernetPlain plain = fernet_decrypt(key, token);
                if (plain.plaintext.view() != value || plain.timestamp != static_cast<std::uint64_t>(i)) ++failures[t];
            }
        });
    }
    for (auto& th : threads) th.join();
    CHECK(failures == std::vector<int>(4, 0));
}
