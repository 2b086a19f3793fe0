// Tenant data-encryption keys (DESIGN section 5): Fernet keys, one active version per
// tenant, wrapped with AES-256-GCM under the master key and stored in tenant_keys.
//
// States: active (encrypts; one per tenant) -> decrypt_only (after a rotation) -> retired
// (no value uses it any more; the wrapped key is kept so a mistake can still be undone) ->
// destroyed (wrapped key erased: crypto-shredding). Retire refuses while values still use
// the version; destroy refuses the active version.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <pqxx/pqxx>

#include "core/crypto/fernet.hpp"
#include "core/records.hpp"
#include "core/tenants/lookup.hpp"

namespace tenantctl {
class Context;
}

namespace tenantctl::keys {

// Adds a new active version for the tenant inside `tx`, demoting the current active one to
// decrypt_only. Returns the new version number. The one code path for every key creation
// (tenant create, keys rotate), so the wrapping format is written in one place.
int create_data_key(Context& ctx, pqxx::transaction_base& tx, const std::string& tenant_id);

struct UnwrappedKey {
    int version = 0;
    std::string state;  // active | decrypt_only (| retired from load_key_rows)
    crypto::FernetKey key;
};

// The tenant's usable keys (active and decrypt_only), newest first, unwrapped with the
// master key. Throws IntegrityError (exit 8) when a key was wrapped under another master key
// (kek_id mismatch) or does not unwrap.
std::vector<UnwrappedKey> load_usable_keys(Context& ctx, pqxx::transaction_base& tx, const std::string& tenant_id);

// Unwraps one stored key, checking the master key fingerprint first.
crypto::FernetKey unwrap_data_key(Context& ctx, const std::string& tenant_id, int version,
                                  const std::string& wrapped, const std::string& kek_id);

// The keys bulk work uses: the active key first, then the other usable ones newest first (the
// order tokens are tried in). `ptrs` is what crypto::fernet_rotate / fernet_match take.
struct KeyRing {
    std::vector<UnwrappedKey> keys;
    std::vector<const crypto::FernetKey*> ptrs;

    int active_version() const { return keys.front().version; }
    int version_at(int index) const { return keys[static_cast<std::size_t>(index)].version; }
};
// Throws Refused when the tenant has no active key. With `with_retired`, retired versions are
// appended, so values still made with them can be counted (status, retire).
KeyRing load_keyring(Context& ctx, pqxx::transaction_base& tx, const std::string& tenant_id, bool with_retired = false);

// One row of tenant_keys, without key material.
struct KeyVersion {
    int version = 0;
    std::string state;
    std::string kek_id;
    std::string created_at;  // RFC 3339
    long long age_days = 0;
    bool has_key = false;    // false once destroyed
};
std::vector<KeyVersion> list_versions(Context& ctx, pqxx::transaction_base& tx, const std::string& tenant_id);

// The tenants a `--tenant SLUG | --all` command works on (UsageError unless exactly one).
std::vector<tenants::TenantRef> target_tenants(Context& ctx, const std::optional<std::string>& slug, bool all);

// --- commands' core ------------------------------------------------------------------------

// `keys rotate`: one transaction per tenant (create_data_key + audit). --all continues past a
// failing tenant and reports exit 9. The result has one row per tenant.
struct RotateOptions {
    std::optional<std::string> tenant;  // slug
    bool all = false;
};
Records rotate(Context& ctx, const RotateOptions& o);

// `keys status`: versions, states, ages and how many values each version encrypts, per
// table.column of the data map (by HMAC trial over every value of the tenant).
struct StatusOptions {
    std::optional<std::string> tenant;  // all live tenants when absent
    bool usage = true;                  // false: skip the scan of encrypted values
};
Records status(Context& ctx, const StatusOptions& o);

// `keys retire`: refuses (exit 5) for the active version or while values still use it.
Records retire(Context& ctx, const std::string& tenant_slug, int version);

// `keys destroy`: erases the wrapped key. Refuses the active version; refuses a version that
// values still use unless `force` (that is crypto-shredding those values on purpose).
Records destroy(Context& ctx, const std::string& tenant_slug, int version, bool force);

}  // namespace tenantctl::keys
