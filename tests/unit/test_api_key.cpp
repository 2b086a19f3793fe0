// API keys: format, hashing and format validation.
#include <catch2/catch.hpp>
#include <set>
#include <string>

#include "core/crypto/api_key.hpp"
#include "core/crypto/bytes.hpp"
#include "core/crypto/hash.hpp"

using namespace tenantctl::crypto;

namespace {

bool all_of_alphabet(std::string_view s, std::string_view alphabet) {
    return s.find_first_not_of(alphabet) == std::string_view::npos;
}

constexpr std::string_view kPrefixChars = "abcdefghijklmnopqrstuvwxyz0123456789";
constexpr std::string_view kSecretChars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

}  // namespace

TEST_CASE("api key: generated keys have the documented format", "[crypto][api_key]") {
    const NewApiKey key = generate_api_key();
    REQUIRE(key.plaintext.size() == 55);
    CHECK(key.plaintext.substr(0, 3) == "tk_");
    CHECK(key.prefix.size() == 8);
    CHECK(all_of_alphabet(key.prefix, kPrefixChars));
    CHECK(key.plaintext.substr(3, 8) == key.prefix);
    CHECK(key.plaintext[11] == '_');
    const std::string secret = key.plaintext.substr(12);
    CHECK(secret.size() == 43);
    CHECK(all_of_alphabet(secret, kSecretChars));
    std::string raw;
    REQUIRE(base64url_decode(secret, raw, true));
    CHECK(raw.size() == 32);
    CHECK(key.hash_hex == sha256_hex(key.plaintext));
    CHECK(key.hash_hex.size() == 64);
    CHECK(api_key_prefix(key.plaintext) == key.prefix);
}

TEST_CASE("api key: keys and prefixes do not repeat, prefixes use the whole alphabet", "[crypto][api_key]") {
    std::set<std::string> plaintexts, prefixes, hashes;
    std::set<char> prefix_chars;
    for (int i = 0; i < 2000; ++i) {
        const NewApiKey key = generate_api_key();
        plaintexts.insert(key.plaintext);
        prefixes.insert(key.prefix);
        hashes.insert(key.hash_hex);
        prefix_chars.insert(key.prefix.begin(), key.prefix.end());
    }
    CHECK(plaintexts.size() == 2000);
    CHECK(hashes.size() == 2000);
    CHECK(prefixes.size() == 2000);  // 36^8 possible: a collision here would mean a broken generator
    CHECK(prefix_chars.size() == 36);
}

TEST_CASE("api key: the hash is SHA-256 hex of the exact plaintext", "[crypto][api_key]") {
    CHECK(hash_api_key("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    const NewApiKey key = generate_api_key();
    CHECK(hash_api_key(key.plaintext) == key.hash_hex);
    CHECK(hash_api_key(key.plaintext + "\n") != key.hash_hex);
}

TEST_CASE("api key: prefix extraction validates the format", "[crypto][api_key]") {
    const NewApiKey key = generate_api_key();
    const std::string good = key.plaintext;
    const std::string secret = good.substr(12);
    CHECK(api_key_prefix("tk_abcd1234_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA") ==
          std::optional<std::string>("abcd1234"));

    auto with = [&](std::size_t pos, char c) {
        std::string s = good;
        s[pos] = c;
        return s;
    };
    const std::string invalid[] = {
        "",
        "tk_",
        good.substr(0, 54),  // secret one character short
        good + "A",          // one character long
        good + "\n",         // trailing newline
        " " + good.substr(1),
        "TK_" + good.substr(3),  // scheme is case-sensitive
        "sk_" + good.substr(3),
        with(3, 'A'),  // uppercase in the prefix
        with(4, '-'),  // prefix is [a-z0-9] only
        with(5, '_'),
        with(11, '-'),  // separator must be '_'
        with(20, '+'),  // standard-alphabet character in the secret
        with(20, '/'),
        with(20, '='),
        with(20, '.'),
        "tk_abcd1234_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAB",  // non-canonical: 2 trailing bits set
        "tk_abcd1234_" + secret.substr(0, 42) + "=",                // padding is not part of the format
    };
    for (const auto& text : invalid) {
        INFO("'" << text << "'");
        CHECK_FALSE(api_key_prefix(text).has_value());
    }
}
