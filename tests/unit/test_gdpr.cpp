// Unit: GDPR selectors and the anonymization hash (pure logic).
#include <catch2/catch.hpp>

#include "core/crypto/hash.hpp"
#include "core/errors.hpp"
#include "core/gdpr/anonymize_hash.hpp"
#include "core/gdpr/subject.hpp"

using namespace tenantctl;

TEST_CASE("selectors split at the first colon", "[unit][gdpr]") {
    auto s = gdpr::parse_selector("email:alice@example.com");
    CHECK(s.column == "email");
    CHECK(s.value == "alice@example.com");
    auto t = gdpr::parse_selector("note:a:b");
    CHECK(t.column == "note");
    CHECK(t.value == "a:b");
}

TEST_CASE("malformed selectors are usage errors that do not echo the whole value", "[unit][gdpr]") {
    for (const char* bad : {"alice@example.com", ":x", "email:", ""}) {
        try {
            gdpr::parse_selector(bad);
            FAIL("accepted " << bad);
        } catch (const Error& e) {
            CHECK(e.code() == Exit::usage);
        }
    }
}

TEST_CASE("anonymized values are keyed, stable and prefixed", "[unit][gdpr]") {
    crypto::SecureBytes k1(std::string(32, 'a')), k2(std::string(32, 'b'));
    auto p = gdpr::anonymized(k1, "alice@example.com");
    CHECK(p.rfind("anon_", 0) == 0);
    CHECK(p.size() == 5 + 32);
    CHECK(p == gdpr::anonymized(k1, "alice@example.com"));
    CHECK(p != gdpr::anonymized(k2, "alice@example.com"));
    CHECK(p != gdpr::anonymized(k1, "bob@example.com"));
    CHECK(p.substr(5) == crypto::hmac_sha256_hex(k1.view(), "alice@example.com").substr(0, 32));
}
