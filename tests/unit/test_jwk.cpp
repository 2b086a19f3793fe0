// JWT signing keys: RFC 7638 thumbprints, public JWKs, RS256/ES256 signatures and PKCS#8.
#include <catch2/catch.hpp>
#include <string>

#include "core/crypto/bytes.hpp"
#include "core/crypto/jwk.hpp"
#include "core/errors.hpp"

using namespace tenantctl;
using namespace tenantctl::crypto;
using nlohmann::ordered_json;

namespace {

// RSA keygen is slow on small machines: one key per algorithm for the whole file.
const PrivateKey& rsa_key() {
    static const PrivateKey key = PrivateKey::generate(JwtAlg::RS256);
    return key;
}
const PrivateKey& ec_key() {
    static const PrivateKey key = PrivateKey::generate(JwtAlg::ES256);
    return key;
}

std::string b64url_decode(std::string_view text) {
    std::string out;
    REQUIRE(base64url_decode(text, out, true));
    return out;
}

struct Parts {
    std::string header, payload, signature;
};

Parts split(const std::string& token) {
    const auto a = token.find('.');
    const auto b = token.find('.', a + 1);
    REQUIRE(a != std::string::npos);
    REQUIRE(b != std::string::npos);
    REQUIRE(token.find('.', b + 1) == std::string::npos);
    return {token.substr(0, a), token.substr(a + 1, b - a - 1), token.substr(b + 1)};
}

std::string join(const Parts& p) { return p.header + "." + p.payload + "." + p.signature; }

// The JWK from RFC 7638 section 3.1.
ordered_json rfc7638_jwk() {
    return ordered_json::parse(R"({
        "kty": "RSA",
        "n": "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw",
        "e": "AQAB",
        "alg": "RS256",
        "kid": "2011-04-29"
    })");
}

}  // namespace

TEST_CASE("jwk: RFC 7638 section 3.1 thumbprint", "[crypto][jwk]") {
    CHECK(jwk_thumbprint(rfc7638_jwk()) == "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs");

    // Member order and optional members do not matter; required members do.
    ordered_json reordered = {{"e", "AQAB"}, {"use", "sig"}, {"n", rfc7638_jwk()["n"]}, {"kty", "RSA"}};
    CHECK(jwk_thumbprint(reordered) == "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs");
    ordered_json changed = rfc7638_jwk();
    changed["e"] = "AQAC";
    CHECK(jwk_thumbprint(changed) != "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs");

    ordered_json missing = rfc7638_jwk();
    missing.erase("n");
    CHECK_THROWS_AS(jwk_thumbprint(missing), UsageError);
    CHECK_THROWS_AS(jwk_thumbprint(ordered_json{{"kty", "oct"}, {"k", "AAAA"}}), UsageError);
    CHECK_THROWS_AS(jwk_thumbprint(ordered_json::object()), UsageError);
    CHECK_THROWS_AS(jwk_thumbprint(ordered_json{{"kty", "EC"}, {"crv", "P-256"}, {"x", "AA"}}), UsageError);
}

TEST_CASE("jwk: RSA public JWK", "[crypto][jwk]") {
    const ordered_json jwk = rsa_key().public_jwk();
    std::vector<std::string> names;
    for (const auto& [name, value] : jwk.items()) names.push_back(name);
    CHECK(names == std::vector<std::string>{"kty", "n", "e", "kid", "alg", "use"});
    CHECK(jwk["kty"] == "RSA");
    CHECK(jwk["e"] == "AQAB");
    const std::string n = b64url_decode(jwk["n"].get<std::string>());
    CHECK(n.size() == 256);
    CHECK((static_cast<unsigned char>(n[0]) & 0x80) != 0);  // minimal encoding of a 2048-bit modulus
    CHECK(jwk["n"].get<std::string>().find('=') == std::string::npos);
    CHECK(jwk["alg"] == "RS256");
    CHECK(jwk["use"] == "sig");
    CHECK(jwk["kid"] == rsa_key().thumbprint());
    CHECK(jwk_thumbprint(jwk) == rsa_key().thumbprint());
    CHECK(rsa_key().thumbprint().size() == 43);
    CHECK(rsa_key().alg() == JwtAlg::RS256);
}

TEST_CASE("jwk: EC public JWK", "[crypto][jwk]") {
    const ordered_json jwk = ec_key().public_jwk();
    std::vector<std::string> names;
    for (const auto& [name, value] : jwk.items()) names.push_back(name);
    CHECK(names == std::vector<std::string>{"kty", "crv", "x", "y", "kid", "alg", "use"});
    CHECK(jwk["kty"] == "EC");
    CHECK(jwk["crv"] == "P-256");
    CHECK(b64url_decode(jwk["x"].get<std::string>()).size() == 32);
    CHECK(b64url_decode(jwk["y"].get<std::string>()).size() == 32);
    CHECK(jwk["alg"] == "ES256");
    CHECK(jwk["kid"] == ec_key().thumbprint());
    CHECK(jwk_thumbprint(jwk) == ec_key().thumbprint());
    CHECK(ec_key().thumbprint() != rsa_key().thumbprint());
}

TEST_CASE("jwk: each generated key is new", "[crypto][jwk]") {
    CHECK(PrivateKey::generate(JwtAlg::ES256).thumbprint() != ec_key().thumbprint());
}

TEST_CASE("jwk: RS256 and ES256 tokens verify against the public JWK", "[crypto][jwk]") {
    const ordered_json claims = {{"sub", "user-1"}, {"tenant", "acme"}, {"exp", 1700000900}, {"name", "Zoë"}};
    for (const PrivateKey* key : {&rsa_key(), &ec_key()}) {
        const std::string alg(jwt_alg_name(key->alg()));
        INFO(alg);
        const std::string token = key->sign_jwt(nullptr, claims);
        CHECK(verify_jwt(token, key->public_jwk()));

        const Parts parts = split(token);
        const ordered_json header = ordered_json::parse(b64url_decode(parts.header));
        CHECK(header.dump() == R"({"alg":")" + alg + R"(","typ":"JWT","kid":")" + key->thumbprint() + R"("})");
        CHECK(ordered_json::parse(b64url_decode(parts.payload)) == claims);
        CHECK(token.find('=') == std::string::npos);
        CHECK(b64url_decode(parts.signature).size() == (key->alg() == JwtAlg::RS256 ? 256u : 64u));
    }
}

TEST_CASE("jwk: extra header members", "[crypto][jwk]") {
    const std::string token = ec_key().sign_jwt({{"typ", "at+jwt"}, {"cty", "x"}}, {{"sub", "u"}});
    const ordered_json header = ordered_json::parse(b64url_decode(split(token).header));
    CHECK(header["typ"] == "at+jwt");
    CHECK(header["cty"] == "x");
    CHECK(header["kid"] == ec_key().thumbprint());
    CHECK(verify_jwt(token, ec_key().public_jwk()));

    CHECK_THROWS_AS(ec_key().sign_jwt({{"alg", "none"}}, {{"sub", "u"}}), Error);
    CHECK_THROWS_AS(ec_key().sign_jwt({{"kid", "other"}}, {{"sub", "u"}}), Error);
    CHECK_THROWS_AS(ec_key().sign_jwt(ordered_json::array(), {{"sub", "u"}}), Error);
    CHECK_THROWS_AS(ec_key().sign_jwt(nullptr, "not an object"), Error);
}

TEST_CASE("jwk: tampered or mismatched tokens do not verify", "[crypto][jwk]") {
    for (const PrivateKey* key : {&rsa_key(), &ec_key()}) {
        INFO(jwt_alg_name(key->alg()));
        const ordered_json jwk = key->public_jwk();
        const std::string token = key->sign_jwt(nullptr, {{"sub", "user-1"}, {"admin", false}});
        REQUIRE(verify_jwt(token, jwk));
        const Parts parts = split(token);

        // Signature bytes flipped at the start, middle and end.
        const std::string sig = b64url_decode(parts.signature);
        for (std::size_t i : {std::size_t{0}, sig.size() / 2, sig.size() - 1}) {
            std::string bad_sig = sig;
            bad_sig[i] = static_cast<char>(bad_sig[i] ^ 0x01);
            CHECK_FALSE(verify_jwt(join({parts.header, parts.payload, base64url_encode_nopad(bad_sig)}), jwk));
        }
        // Claims changed.
        CHECK_FALSE(verify_jwt(
            join({parts.header, base64url_encode_nopad(R"({"sub":"user-1","admin":true})"), parts.signature}), jwk));
        // Header changed to another algorithm, or "none".
        const std::string other_alg = key->alg() == JwtAlg::RS256 ? "ES256" : "RS256";
        const std::string kid = key->thumbprint();
        for (const std::string& alg : {other_alg, std::string("none"), std::string("HS256")}) {
            const std::string header = R"({"alg":")" + alg + R"(","typ":"JWT","kid":")" + kid + R"("})";
            CHECK_FALSE(verify_jwt(join({base64url_encode_nopad(header), parts.payload, parts.signature}), jwk));
        }
        // Signed by a different key of the same kind.
        const PrivateKey other = PrivateKey::generate(JwtAlg::ES256);
        CHECK_FALSE(verify_jwt(other.sign_jwt(nullptr, {{"sub", "user-1"}}), jwk));
        // The kid in the header must match the JWK's kid.
        ordered_json renamed = jwk;
        renamed["kid"] = "another-kid";
        CHECK_FALSE(verify_jwt(token, renamed));
        // Malformed compact serializations.
        for (const std::string& bad :
             {std::string(), std::string("a.b"), token + ".x", parts.header + "." + parts.payload + ".", token + "=",
              std::string("!!!.") + parts.payload + "." + parts.signature}) {
            CHECK_FALSE(verify_jwt(bad, jwk));
        }
    }
    // A token verified against a JWK of the other key type fails rather than throws.
    CHECK_FALSE(verify_jwt(rsa_key().sign_jwt(nullptr, {{"a", 1}}), ec_key().public_jwk()));
    CHECK_FALSE(verify_jwt(ec_key().sign_jwt(nullptr, {{"a", 1}}), rsa_key().public_jwk()));
    CHECK_FALSE(verify_jwt(ec_key().sign_jwt(nullptr, {{"a", 1}}), ordered_json::object()));
    CHECK_FALSE(verify_jwt(ec_key().sign_jwt(nullptr, {{"a", 1}}), ordered_json("not a jwk")));
}

TEST_CASE("jwk: PKCS#8 DER round trip", "[crypto][jwk]") {
    for (const PrivateKey* key : {&rsa_key(), &ec_key()}) {
        INFO(jwt_alg_name(key->alg()));
        const SecureBytes der = key->to_pkcs8_der();
        REQUIRE(der.size() > 100);
        CHECK(der.data()[0] == 0x30);  // SEQUENCE
        const PrivateKey back = PrivateKey::from_pkcs8_der(der.view(), key->alg());
        CHECK(back.thumbprint() == key->thumbprint());
        CHECK(back.public_jwk() == key->public_jwk());
        CHECK(back.to_pkcs8_der().view() == der.view());
        // The reloaded private key signs tokens the original public key accepts.
        CHECK(verify_jwt(back.sign_jwt(nullptr, {{"sub", "x"}}), key->public_jwk()));
    }
}

TEST_CASE("jwk: bad PKCS#8 input is an integrity error", "[crypto][jwk]") {
    const SecureBytes rsa_der = rsa_key().to_pkcs8_der();
    const SecureBytes ec_der = ec_key().to_pkcs8_der();
    const std::string rsa(rsa_der.view());

    CHECK_THROWS_AS(PrivateKey::from_pkcs8_der(rsa_der.view(), JwtAlg::ES256), IntegrityError);
    CHECK_THROWS_AS(PrivateKey::from_pkcs8_der(ec_der.view(), JwtAlg::RS256), IntegrityError);
    CHECK_THROWS_AS(PrivateKey::from_pkcs8_der("", JwtAlg::RS256), IntegrityError);
    CHECK_THROWS_AS(PrivateKey::from_pkcs8_der("not DER at all", JwtAlg::RS256), IntegrityError);
    CHECK_THROWS_AS(PrivateKey::from_pkcs8_der(rsa.substr(0, rsa.size() - 1), JwtAlg::RS256), IntegrityError);
    CHECK_THROWS_AS(PrivateKey::from_pkcs8_der(rsa + std::string(1, '\0'), JwtAlg::RS256), IntegrityError);
    CHECK_THROWS_AS(PrivateKey::from_pkcs8_der(rsa.substr(0, 40), JwtAlg::RS256), IntegrityError);
}

TEST_CASE("jwk: algorithm names", "[crypto][jwk]") {
    CHECK(jwt_alg_name(JwtAlg::RS256) == "RS256");
    CHECK(jwt_alg_name(JwtAlg::ES256) == "ES256");
    CHECK(parse_jwt_alg("RS256") == JwtAlg::RS256);
    CHECK(parse_jwt_alg("ES256") == JwtAlg::ES256);
    for (const char* bad : {"", "rs256", "HS256", "none", "PS256", "ES384"})
        CHECK_THROWS_AS(parse_jwt_alg(bad), UsageError);
}
