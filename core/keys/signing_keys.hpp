// JWT signing keys (DESIGN section 5): next -> active -> retiring -> retired.
//
// Rotation is two steps so that no verifier ever meets a kid it has not seen (research pain
// point 5, ory/hydra#2535): `rotate` creates a `next` key that the JWKS publishes at once but
// nothing signs with; once every JWKS cache has refreshed (PyJWKClient: 300 s), `activate`
// makes it the signing key and moves the previous one to `retiring`, which stays published
// for keys.refresh_token_lifetime (default 7d) so tokens it signed keep verifying. After that
// it drops out of the JWKS and is swept to `retired`.
// Emergency (a leaked key): `rotate`, then `activate KID --force --retire-previous`: the new
// key signs at once and the leaked one leaves the JWKS immediately.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <pqxx/pqxx>

#include "core/crypto/jwk.hpp"
#include "core/records.hpp"

namespace tenantctl {
class Context;
}

namespace tenantctl::keys {

// How long a `next` key must have been published before `activate` (without --force).
inline constexpr std::chrono::seconds kMinPublication{300};

Records jwt_rotate(Context& ctx, const std::optional<std::string>& alg);
Records jwt_list(Context& ctx);
Records jwt_activate(Context& ctx, const std::string& kid, bool force, bool retire_previous);
Records jwt_retire(Context& ctx, const std::string& kid);
// Retiring keys whose publication window has ended become `retired`, one audit event each
// (`maintain` task jwt-retire; other jwt commands sweep them silently). Returns their kids;
// with --dry-run only lists them.
std::vector<std::string> retire_expired_signing_keys(Context& ctx);
// {"keys": [...]}: next, active and retiring keys still inside their publication window.
Records jwks(Context& ctx);
json jwks_document(Context& ctx, pqxx::transaction_base& tx);

// The active signing key, unwrapped (tests; an app does the same in Python).
crypto::PrivateKey load_active_signing_key(Context& ctx, pqxx::transaction_base& tx);

// Rows {check, subject, status, detail} for `keys verify`: every stored private key unwraps
// and matches its kid.
std::vector<std::vector<json>> verify_signing_keys(Context& ctx, pqxx::transaction_base& tx);

}  // namespace tenantctl::keys
