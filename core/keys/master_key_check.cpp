#include "core/keys/master_key_check.hpp"

#include <algorithm>
#include <mutex>

#include <fmt/format.h>

#include "core/context.hpp"
#include "core/crypto/master_key.hpp"
#include "core/errors.hpp"
#include "core/util/strings.hpp"

namespace tenantctl::keys {

std::vector<std::string> stored_master_key_ids(Context& ctx, pqxx::transaction_base& tx) {
    auto rows = tx.exec(fmt::format("SELECT kek_id FROM {} WHERE wrapped_key IS NOT NULL "
                                    "UNION SELECT kek_id FROM {} WHERE wrapped_private_key IS NOT NULL "
                                    "UNION SELECT kek_id FROM {} ORDER BY 1",
                                    ctx.platform_table("tenant_keys"), ctx.platform_table("signing_keys"),
                                    ctx.platform_table("audit_keys")));
    std::vector<std::string> ids;
    for (const auto& r : rows) ids.emplace_back(r[0].c_str());
    return ids;
}

void require_master_key_matches(Context& ctx, pqxx::transaction_base& tx, const crypto::MasterKey& master,
                                const std::vector<std::string>& also_accepted) {
    tx.exec(fmt::format("LOCK TABLE {}, {}, {} IN ROW EXCLUSIVE MODE", ctx.platform_table("tenant_keys"),
                        ctx.platform_table("signing_keys"), ctx.platform_table("audit_keys")));
    std::vector<std::string> foreign;
    for (auto& id : stored_master_key_ids(ctx, tx))
        if (id != master.id && std::find(also_accepted.begin(), also_accepted.end(), id) == also_accepted.end())
            foreign.push_back(std::move(id));
    if (foreign.empty()) return;
    throw IntegrityError(
        fmt::format("the keys in this database were wrapped by master key {}, not by the configured one ({}); "
                    "nothing was written",
                    util::join(foreign, ", "), master.id),
        "configure the master key this database was set up with (keys.master_key or TENANTCTL_MASTER_KEY_SOURCE); "
        "to change it, use `tenantctl keys rewrap`");
}

const crypto::MasterKey& checked_master_key(Context& ctx, pqxx::transaction_base& tx) {
    const auto& master = ctx.master_key();
    // Remember the last transaction checked by its server-side id (an address could be reused).
    static std::mutex mutex;
    static std::string checked_txid, checked_kek;
    const std::string txid = tx.exec("SELECT txid_current()::text")[0][0].c_str();
    {
        std::lock_guard<std::mutex> guard(mutex);
        if (txid == checked_txid && master.id == checked_kek) return master;
    }
    require_master_key_matches(ctx, tx, master);
    std::lock_guard<std::mutex> guard(mutex);
    checked_txid = txid;
    checked_kek = master.id;
    return master;
}

}  // namespace tenantctl::keys
