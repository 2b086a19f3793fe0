#include "core/crypto/jwk.hpp"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/encoder.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/x509.h>

#include <cstring>
#include <memory>
#include <utility>
#include <vector>

#include "core/crypto/hash.hpp"
#include "core/crypto/openssl_util.hpp"
#include "core/errors.hpp"

namespace tenantctl::crypto {

namespace {

constexpr int kMinRsaBits = 2048;
constexpr std::size_t kP256CoordinateSize = 32;

template <auto Free>
struct Deleter {
    template <class T>
    void operator()(T* p) const {
        Free(p);
    }
};
template <class T, auto Free>
using Owned = std::unique_ptr<T, Deleter<Free>>;

using PkeyPtr = Owned<EVP_PKEY, EVP_PKEY_free>;
using PkeyCtxPtr = Owned<EVP_PKEY_CTX, EVP_PKEY_CTX_free>;
using MdCtxPtr = Owned<EVP_MD_CTX, EVP_MD_CTX_free>;
using BnPtr = Owned<BIGNUM, BN_free>;
using EcdsaSigPtr = Owned<ECDSA_SIG, ECDSA_SIG_free>;
using ParamBldPtr = Owned<OSSL_PARAM_BLD, OSSL_PARAM_BLD_free>;
using ParamsPtr = Owned<OSSL_PARAM, OSSL_PARAM_free>;
using EncoderCtxPtr = Owned<OSSL_ENCODER_CTX, OSSL_ENCODER_CTX_free>;
using Pkcs8Ptr = Owned<PKCS8_PRIV_KEY_INFO, PKCS8_PRIV_KEY_INFO_free>;

std::string_view view_of(const unsigned char* p, std::size_t n) { return {reinterpret_cast<const char*>(p), n}; }

BnPtr get_bn(const EVP_PKEY* pkey, const char* name) {
    BIGNUM* bn = nullptr;
    if (EVP_PKEY_get_bn_param(pkey, name, &bn) != 1) openssl_failed("reading a public key parameter");
    return BnPtr(bn);
}

// Big-endian bytes: minimal for RSA (as JWA requires), fixed width for EC coordinates.
std::string bn_bytes(const BIGNUM* bn, int fixed_width = 0) {
    const int size = fixed_width > 0 ? fixed_width : BN_num_bytes(bn);
    std::string out(static_cast<std::size_t>(size), '\0');
    const int written = fixed_width > 0 ? BN_bn2binpad(bn, reinterpret_cast<unsigned char*>(out.data()), size)
                                        : BN_bn2bin(bn, reinterpret_cast<unsigned char*>(out.data()));
    if (written != size) openssl_failed("encoding a big number");
    return out;
}

bool is_p256(const EVP_PKEY* pkey) {
    char group[64] = {};
    std::size_t len = 0;
    if (EVP_PKEY_get_utf8_string_param(pkey, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group, &len) != 1) return false;
    const std::string_view name(group, len);
    return name == "prime256v1" || name == "P-256" || name == "secp256r1";
}

bool fits(const EVP_PKEY* pkey, JwtAlg alg) {
    if (alg == JwtAlg::RS256) return EVP_PKEY_is_a(pkey, "RSA") && EVP_PKEY_get_bits(pkey) >= kMinRsaBits;
    return EVP_PKEY_is_a(pkey, "EC") && is_p256(pkey);
}

// The public members in the order RFC 7518 lists them; values are unpadded base64url.
nlohmann::ordered_json public_members(const EVP_PKEY* pkey, JwtAlg alg) {
    nlohmann::ordered_json jwk;
    if (alg == JwtAlg::RS256) {
        jwk["kty"] = "RSA";
        jwk["n"] = base64url_encode_nopad(bn_bytes(get_bn(pkey, OSSL_PKEY_PARAM_RSA_N).get()));
        jwk["e"] = base64url_encode_nopad(bn_bytes(get_bn(pkey, OSSL_PKEY_PARAM_RSA_E).get()));
    } else {
        jwk["kty"] = "EC";
        jwk["crv"] = "P-256";
        jwk["x"] = base64url_encode_nopad(bn_bytes(get_bn(pkey, OSSL_PKEY_PARAM_EC_PUB_X).get(), kP256CoordinateSize));
        jwk["y"] = base64url_encode_nopad(bn_bytes(get_bn(pkey, OSSL_PKEY_PARAM_EC_PUB_Y).get(), kP256CoordinateSize));
    }
    return jwk;
}

std::string sha256_sign(EVP_PKEY* pkey, std::string_view data) {
    MdCtxPtr md(EVP_MD_CTX_new());
    std::size_t len = 0;
    if (!md || EVP_DigestSignInit_ex(md.get(), nullptr, "SHA256", nullptr, nullptr, pkey, nullptr) != 1 ||
        EVP_DigestSign(md.get(), nullptr, &len, bytes_of(data), data.size()) != 1)
        openssl_failed("preparing a JWT signature");
    std::string sig(len, '\0');
    if (EVP_DigestSign(md.get(), reinterpret_cast<unsigned char*>(sig.data()), &len, bytes_of(data), data.size()) != 1)
        openssl_failed("signing a JWT");
    sig.resize(len);
    return sig;
}

// OpenSSL's ECDSA signature is DER SEQUENCE{r, s}; JWS (RFC 7518 3.4) wants r || s, 32 bytes each.
std::string ecdsa_der_to_jose(std::string_view der) {
    const unsigned char* p = bytes_of(der);
    EcdsaSigPtr sig(d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der.size())));
    if (!sig) openssl_failed("decoding an ECDSA signature");
    const BIGNUM* r = nullptr;
    const BIGNUM* s = nullptr;
    ECDSA_SIG_get0(sig.get(), &r, &s);
    return bn_bytes(r, kP256CoordinateSize) + bn_bytes(s, kP256CoordinateSize);
}

// The inverse; empty when the input is not 64 bytes.
std::string ecdsa_jose_to_der(std::string_view jose) {
    if (jose.size() != 2 * kP256CoordinateSize) return {};
    BnPtr r(BN_bin2bn(bytes_of(jose), kP256CoordinateSize, nullptr));
    BnPtr s(BN_bin2bn(bytes_of(jose) + kP256CoordinateSize, kP256CoordinateSize, nullptr));
    EcdsaSigPtr sig(ECDSA_SIG_new());
    if (!r || !s || !sig || ECDSA_SIG_set0(sig.get(), r.get(), s.get()) != 1) return {};
    r.release();  // now owned by sig
    s.release();
    const int len = i2d_ECDSA_SIG(sig.get(), nullptr);
    if (len <= 0) return {};
    std::string der(static_cast<std::size_t>(len), '\0');
    auto* out = reinterpret_cast<unsigned char*>(der.data());
    if (i2d_ECDSA_SIG(sig.get(), &out) != len) return {};
    return der;
}

const std::string* string_member(const nlohmann::ordered_json& j, const char* name) {
    if (!j.is_object()) return nullptr;
    const auto it = j.find(name);
    if (it == j.end() || !it->is_string()) return nullptr;
    return it->get_ptr<const std::string*>();
}

bool decode_b64url_member(const nlohmann::ordered_json& jwk, const char* name, std::string& out) {
    const std::string* text = string_member(jwk, name);
    return text != nullptr && text->find('=') == std::string::npos && base64url_decode(*text, out, true) &&
           !out.empty();
}

// A public EVP_PKEY from a JWK, or null when the JWK is not an RSA or P-256 public key.
PkeyPtr public_key_from_jwk(const nlohmann::ordered_json& jwk, JwtAlg& alg) {
    const std::string* kty = string_member(jwk, "kty");
    if (kty == nullptr) return nullptr;
    ParamBldPtr bld(OSSL_PARAM_BLD_new());
    if (!bld) return nullptr;
    BnPtr n;
    BnPtr e;
    std::string point;
    const char* type = nullptr;
    if (*kty == "RSA") {
        std::string n_raw;
        std::string e_raw;
        if (!decode_b64url_member(jwk, "n", n_raw) || !decode_b64url_member(jwk, "e", e_raw)) return nullptr;
        n.reset(BN_bin2bn(bytes_of(n_raw), static_cast<int>(n_raw.size()), nullptr));
        e.reset(BN_bin2bn(bytes_of(e_raw), static_cast<int>(e_raw.size()), nullptr));
        if (!n || !e || OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_N, n.get()) != 1 ||
            OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_E, e.get()) != 1)
            return nullptr;
        type = "RSA";
        alg = JwtAlg::RS256;
    } else if (*kty == "EC") {
        const std::string* crv = string_member(jwk, "crv");
        std::string x;
        std::string y;
        if (crv == nullptr || *crv != "P-256" || !decode_b64url_member(jwk, "x", x) ||
            !decode_b64url_member(jwk, "y", y) || x.size() != kP256CoordinateSize || y.size() != kP256CoordinateSize)
            return nullptr;
        point = "\x04" + x + y;  // SEC1 uncompressed point
        if (OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME, "P-256", 0) != 1 ||
            OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(), point.size()) != 1)
            return nullptr;
        type = "EC";
        alg = JwtAlg::ES256;
    } else {
        return nullptr;
    }
    ParamsPtr params(OSSL_PARAM_BLD_to_param(bld.get()));
    PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr));
    EVP_PKEY* pkey = nullptr;
    if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
        EVP_PKEY_fromdata(ctx.get(), &pkey, EVP_PKEY_PUBLIC_KEY, params.get()) != 1)
        return nullptr;
    return PkeyPtr(pkey);
}

bool verify_signature(EVP_PKEY* pkey, std::string_view data, std::string_view sig) {
    MdCtxPtr md(EVP_MD_CTX_new());
    return md && EVP_DigestVerifyInit_ex(md.get(), nullptr, "SHA256", nullptr, nullptr, pkey, nullptr) == 1 &&
           EVP_DigestVerify(md.get(), bytes_of(sig), sig.size(), bytes_of(data), data.size()) == 1;
}

bool verify_jwt_unchecked(std::string_view token, const nlohmann::ordered_json& jwk) {
    const auto first_dot = token.find('.');
    if (first_dot == std::string_view::npos) return false;
    const auto second_dot = token.find('.', first_dot + 1);
    if (second_dot == std::string_view::npos || token.find('.', second_dot + 1) != std::string_view::npos) return false;
    const std::string_view header_b64 = token.substr(0, first_dot);
    const std::string_view payload_b64 = token.substr(first_dot + 1, second_dot - first_dot - 1);
    const std::string_view signature_b64 = token.substr(second_dot + 1);
    if (token.find('=') != std::string_view::npos) return false;  // JWS never pads

    std::string header_text;
    std::string payload_text;
    std::string signature;
    if (!base64url_decode(header_b64, header_text, true) || !base64url_decode(payload_b64, payload_text, true) ||
        !base64url_decode(signature_b64, signature, true))
        return false;
    const auto header = nlohmann::ordered_json::parse(header_text, nullptr, false);
    const std::string* alg_name = string_member(header, "alg");
    if (alg_name == nullptr) return false;

    JwtAlg key_alg{};
    PkeyPtr pkey = public_key_from_jwk(jwk, key_alg);
    if (!pkey || *alg_name != jwt_alg_name(key_alg)) return false;
    if (const std::string* jwk_alg = string_member(jwk, "alg"); jwk_alg && *jwk_alg != *alg_name) return false;
    const std::string* header_kid = string_member(header, "kid");
    const std::string* jwk_kid = string_member(jwk, "kid");
    if (header_kid && jwk_kid && *header_kid != *jwk_kid) return false;

    if (key_alg == JwtAlg::ES256) {
        signature = ecdsa_jose_to_der(signature);
        if (signature.empty()) return false;
    }
    return verify_signature(pkey.get(), token.substr(0, second_dot), signature);
}

}  // namespace

std::string_view jwt_alg_name(JwtAlg alg) { return alg == JwtAlg::RS256 ? "RS256" : "ES256"; }

JwtAlg parse_jwt_alg(std::string_view name) {
    if (name == "RS256") return JwtAlg::RS256;
    if (name == "ES256") return JwtAlg::ES256;
    throw UsageError("unsupported JWT algorithm '" + std::string(name) + "'", "use RS256 or ES256");
}

PrivateKey::PrivateKey(EVP_PKEY* pkey, JwtAlg alg) : m_pkey(pkey), m_alg(alg) {
    try {
        m_kid = jwk_thumbprint(public_members(m_pkey, m_alg));
    } catch (...) {
        EVP_PKEY_free(m_pkey);
        throw;
    }
}

PrivateKey::PrivateKey(PrivateKey&& other) noexcept
    : m_pkey(std::exchange(other.m_pkey, nullptr)), m_alg(other.m_alg), m_kid(std::move(other.m_kid)) {}

PrivateKey& PrivateKey::operator=(PrivateKey&& other) noexcept {
    if (this != &other) {
        EVP_PKEY_free(m_pkey);
        m_pkey = std::exchange(other.m_pkey, nullptr);
        m_alg = other.m_alg;
        m_kid = std::move(other.m_kid);
    }
    return *this;
}

// EVP_PKEY_free wipes the key material (OpenSSL frees private components with clear_free).
PrivateKey::~PrivateKey() { EVP_PKEY_free(m_pkey); }

PrivateKey PrivateKey::generate(JwtAlg alg) {
    EVP_PKEY* pkey = alg == JwtAlg::RS256
                         ? EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<std::size_t>(kMinRsaBits))
                         : EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
    if (pkey == nullptr) openssl_failed("generating a JWT signing key");
    return PrivateKey(pkey, alg);
}

PrivateKey PrivateKey::from_pkcs8_der(std::string_view der, JwtAlg alg) {
    const unsigned char* p = bytes_of(der);
    Pkcs8Ptr p8(d2i_PKCS8_PRIV_KEY_INFO(nullptr, &p, static_cast<long>(der.size())));
    if (!p8 || p != bytes_of(der) + der.size()) {
        ERR_clear_error();
        throw IntegrityError("stored JWT signing key is not valid PKCS#8 DER");
    }
    PkeyPtr pkey(EVP_PKCS82PKEY(p8.get()));
    if (!pkey) {
        ERR_clear_error();
        throw IntegrityError("stored JWT signing key is not a usable private key");
    }
    if (!fits(pkey.get(), alg))
        throw IntegrityError("stored JWT signing key is not a " + std::string(jwt_alg_name(alg)) + " key" +
                             (alg == JwtAlg::RS256 ? " (RSA, 2048 bits or more)" : " (EC P-256)"));
    return PrivateKey(pkey.release(), alg);
}

SecureBytes PrivateKey::to_pkcs8_der() const {
    EncoderCtxPtr ctx(OSSL_ENCODER_CTX_new_for_pkey(m_pkey, EVP_PKEY_KEYPAIR, "DER", "PrivateKeyInfo", nullptr));
    unsigned char* data = nullptr;
    std::size_t len = 0;
    if (!ctx || OSSL_ENCODER_CTX_get_num_encoders(ctx.get()) == 0 || OSSL_ENCODER_to_data(ctx.get(), &data, &len) != 1)
        openssl_failed("encoding a private key as PKCS#8");
    SecureBytes der(data, len);
    OPENSSL_clear_free(data, len);
    return der;
}

nlohmann::ordered_json PrivateKey::public_jwk() const {
    nlohmann::ordered_json jwk = public_members(m_pkey, m_alg);
    jwk["kid"] = m_kid;
    jwk["alg"] = jwt_alg_name(m_alg);
    jwk["use"] = "sig";
    return jwk;
}

std::string PrivateKey::sign_jwt(const nlohmann::ordered_json& header_extra,
                                 const nlohmann::ordered_json& claims) const {
    if (!claims.is_object()) throw Error(Exit::runtime, "JWT claims must be a JSON object");
    if (!header_extra.is_null() && !header_extra.is_object())
        throw Error(Exit::runtime, "extra JWT header members must be a JSON object");
    nlohmann::ordered_json header;
    header["alg"] = jwt_alg_name(m_alg);
    header["typ"] = "JWT";
    header["kid"] = m_kid;
    if (header_extra.is_object()) {
        for (const auto& [name, value] : header_extra.items()) {
            if (name == "alg" || name == "kid")
                throw Error(Exit::runtime, "JWT header member '" + name + "' is set by the signing key");
            header[name] = value;
        }
    }
    std::string signing_input = base64url_encode_nopad(header.dump()) + "." + base64url_encode_nopad(claims.dump());
    std::string signature = sha256_sign(m_pkey, signing_input);
    if (m_alg == JwtAlg::ES256) signature = ecdsa_der_to_jose(signature);
    return signing_input + "." + base64url_encode_nopad(signature);
}

std::string jwk_thumbprint(const nlohmann::ordered_json& public_jwk) {
    const std::string* kty = string_member(public_jwk, "kty");
    if (kty == nullptr) throw UsageError("JWK has no \"kty\" member");
    std::vector<const char*> required;
    if (*kty == "RSA")
        required = {"e", "kty", "n"};
    else if (*kty == "EC")
        required = {"crv", "kty", "x", "y"};
    else
        throw UsageError("unsupported JWK key type '" + *kty + "'");
    // nlohmann::json (std::map based) dumps members in lexicographic order without
    // whitespace, which is exactly the RFC 7638 serialization for these string members.
    nlohmann::json canonical = nlohmann::json::object();
    for (const char* name : required) {
        const std::string* value = string_member(public_jwk, name);
        if (value == nullptr) throw UsageError(std::string("JWK lacks the required member \"") + name + "\"");
        canonical[name] = *value;
    }
    const Digest digest = sha256(canonical.dump());
    return base64url_encode_nopad(view_of(digest.data(), digest.size()));
}

bool verify_jwt(std::string_view token, const nlohmann::ordered_json& public_jwk) {
    try {
        const bool ok = verify_jwt_unchecked(token, public_jwk);
        ERR_clear_error();
        return ok;
    } catch (const std::exception&) {
        ERR_clear_error();
        return false;
    }
}

}  // namespace tenantctl::crypto
