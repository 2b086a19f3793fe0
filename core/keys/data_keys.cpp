#include "core/keys/data_keys.hpp"

#include <fmt/format.h>

#include "core/context.hpp"
#include "core/crypto/envelope.hpp"
#include "core/errors.hpp"

namespace tenantctl::keys {

int create_data_key(Context& ctx, pqxx::transaction_base& tx, const std::string& tenant_id) {
    const auto& master = ctx.master_key();
    const std::string table = ctx.platform_table("tenant_keys");
    // Serialise key creation per tenant: two rotations at once would race for the version.
    tx.exec_params("SELECT pg_advisory_xact_lock(hashtextextended('tenantctl:keys:' || $1, 0))", tenant_id);
    int version = tx.exec_params1(fmt::format("SELECT coalesce(max(version), 0) + 1 FROM {} WHERE tenant_id = $1", table),
                                  tenant_id)[0]
                      .as<int>();
    auto key = crypto::FernetKey::generate();
    auto plain = key.to_base64url_secure();
    std::string wrapped = crypto::wrap(master.key, plain.view(), crypto::dek_aad(tenant_id, version));
    tx.exec_params(fmt::format("UPDATE {} SET state = 'decrypt_only', demoted_at = now() "
                               "WHERE tenant_id = $1 AND state = 'active'",
                               table),
                   tenant_id);
    tx.exec_params(fmt::format("INSERT INTO {} (tenant_id, version, state, wrapped_key, kek_id, activated_at) "
                               "VALUES ($1, $2, 'active', $3, $4, now())",
                               table),
                   tenant_id, version, pqxx::binarystring(wrapped), master.id);
    return version;
}

crypto::FernetKey unwrap_data_key(Context& ctx, const std::string& tenant_id, int version, const std::string& wrapped,
                                  const std::string& kek_id) {
    const auto& master = ctx.master_key();
    if (kek_id != master.id)
        throw IntegrityError(
            fmt::format("data key version {} was wrapped by master key {}, but the configured master key is {}",
                        version, kek_id, master.id),
            "configure the master key this database was set up with (keys.master_key)");
    auto plain = crypto::unwrap(master.key, wrapped, crypto::dek_aad(tenant_id, version));
    return crypto::FernetKey::from_base64url(plain.view());
}

std::vector<UnwrappedKey> load_usable_keys(Context& ctx, pqxx::transaction_base& tx, const std::string& tenant_id) {
    auto rows = tx.exec_params(fmt::format("SELECT version, state, wrapped_key, kek_id FROM {} "
                                           "WHERE tenant_id = $1 AND state IN ('active', 'decrypt_only') "
                                           "ORDER BY version DESC",
                                           ctx.platform_table("tenant_keys")),
                               tenant_id);
    std::vector<UnwrappedKey> out;
    for (const auto& r : rows) {
        pqxx::binarystring wrapped(r[2]);
        out.push_back(UnwrappedKey{r[0].as<int>(), r[1].as<std::string>(),
                                   unwrap_data_key(ctx, tenant_id, r[0].as<int>(), wrapped.str(),
                                                   r[3].as<std::string>())});
    }
    return out;
}

}  // namespace tenantctl::keys
