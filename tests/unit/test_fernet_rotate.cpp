// fernet_rotate / fernet_match: the per-value step of re-encryption (MultiFernet.rotate).
#include <catch2/catch.hpp>

#include "core/crypto/fernet.hpp"

using namespace tenantctl::crypto;

TEST_CASE("fernet_rotate re-encrypts under the primary key and keeps the timestamp", "[crypto][fernet]") {
    auto old_key = FernetKey::generate();
    auto new_key = FernetKey::generate();
    const FernetKey* ring[] = {&new_key, &old_key};
    const std::string token = fernet_encrypt(old_key, "hello", 499162800);
    auto r = fernet_rotate(ring, token);
    REQUIRE(r.status == RotateStatus::rotated);
    CHECK(r.key_index == 1);
    CHECK(fernet_verify(new_key, r.token));
    auto plain = fernet_decrypt(new_key, r.token);
    CHECK(plain.plaintext.view() == "hello");
    CHECK(plain.timestamp == 499162800);
    CHECK(fernet_match(ring, r.token) == 0);
    CHECK(fernet_match(ring, token) == 1);
}

TEST_CASE("fernet_rotate leaves current tokens alone and rejects bad ones", "[crypto][fernet]") {
    auto a = FernetKey::generate();
    auto b = FernetKey::generate();
    auto stranger = FernetKey::generate();
    const FernetKey* ring[] = {&a, &b};
    const std::string current = fernet_encrypt(a, "x", 1);
    CHECK(fernet_rotate(ring, current).status == RotateStatus::current);
    CHECK(fernet_rotate(ring, current).token.empty());
    const std::string foreign = fernet_encrypt(stranger, "x", 1);
    std::string tampered = fernet_encrypt(b, "x", 1);
    tampered[30] = tampered[30] == 'A' ? 'B' : 'A';
    for (const std::string& bad : {foreign, tampered, current.substr(0, 40), std::string("not base64 !"), std::string()}) {
        CHECK(fernet_rotate(ring, bad).status == RotateStatus::invalid);
        CHECK(fernet_match(ring, bad) == -1);
    }
    CHECK(fernet_rotate({}, current).status == RotateStatus::invalid);
}
