// Fernet keys and tokens (core/crypto/fernet): hostile tokens are refused (InvalidToken),
// never crash; a key that parses writes back as the same text.
#include <array>

#include "core/crypto/fernet.hpp"
#include "tests/fuzz/fuzz_main.hpp"

using namespace tenantctl::crypto;

void fuzz_one(std::string_view input) {
    static const FernetKey key = FernetKey::from_base64url("cw_0x689RpI-jtRR7oE8h_eQsKImvJapLeSbXpwF4e4=");
    static const FernetKey other = FernetKey::from_base64url("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=");
    try {
        const FernetKey parsed = FernetKey::from_base64url(input);
        FUZZ_CHECK(parsed.to_base64url() == input);
    } catch (const tenantctl::Error&) {
    }
    const bool verifies = fernet_verify(key, input);
    const FernetKey* keys[] = {&other, &key};
    FUZZ_CHECK(fernet_match(keys, input) == (verifies ? 1 : (fernet_verify(other, input) ? 0 : -1)));
    try {
        (void)fernet_timestamp(input);
    } catch (const tenantctl::Error&) {
    }
    const auto rotated = fernet_rotate(keys, input);
    if (rotated.status == RotateStatus::rotated) FUZZ_CHECK(fernet_verify(other, rotated.token));
    // The input as plaintext round-trips.
    const std::array<std::uint8_t, 16> iv{};
    const std::string token = fernet_encrypt(key, input, 1700000000, iv.data());
    const auto plain = fernet_decrypt(key, token);
    FUZZ_CHECK(std::string_view(reinterpret_cast<const char*>(plain.plaintext.data()), plain.plaintext.size()) == input);
    (void)fernet_decrypt(key, input);
}
