// JWK / JWKS and compact JWS (core/crypto/jwk): hostile JSON keys and tokens are refused,
// never crash. The first byte picks what the rest is fed to.
#include <nlohmann/json.hpp>

#include "core/crypto/jwk.hpp"
#include "tests/fuzz/fuzz_main.hpp"

using namespace tenantctl::crypto;

void fuzz_one(std::string_view input) {
    static const nlohmann::ordered_json ec_key = {{"kty", "EC"},
                                                  {"crv", "P-256"},
                                                  {"x", "vJlopIkNuKJnvlcr4jypF2CJqZ-W99KRt-bfGS-EjCk"},
                                                  {"y", "oMZ0PAjpUExcWe6ze5I2Fqzp2uE71TJFLd2rZNgDpEk"},
                                                  {"alg", "ES256"},
                                                  {"use", "sig"}};
    if (input.empty()) return;
    const char mode = input[0];
    input.remove_prefix(1);
    if (mode % 2 == 0) {
        // A JWK or JWKS document.
        const auto doc = nlohmann::ordered_json::parse(input, nullptr, false);
        if (doc.is_discarded()) return;
        if (doc.is_object() && doc.contains("keys") && doc["keys"].is_array()) {
            for (const auto& jwk : doc["keys"]) {
                try {
                    (void)jwk_thumbprint(jwk);
                } catch (const tenantctl::Error&) {
                }
                (void)verify_jwt("e30.e30.AA", jwk);
            }
        } else {
            try {
                (void)jwk_thumbprint(doc);
            } catch (const tenantctl::Error&) {
            }
            (void)verify_jwt("eyJhbGciOiJFUzI1NiJ9.e30.AA", doc);
        }
    } else {
        // A token checked against a fixed EC key.
        FUZZ_CHECK(!verify_jwt(input, ec_key));
        try {
            (void)parse_jwt_alg(input);
        } catch (const tenantctl::Error&) {
        }
    }
}
