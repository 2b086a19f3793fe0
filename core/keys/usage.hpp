// Which key version encrypts each value: Fernet tokens carry no key id, so a value's version
// is found by HMAC trial (active key first, then older ones). `keys status` shows the counts
// and `keys retire` refuses while a version still has values.
#pragma once

#include <map>
#include <string>
#include <vector>

#include <pqxx/pqxx>

#include "core/keys/data_keys.hpp"
#include "core/keys/encrypted_tables.hpp"

namespace tenantctl::keys {

struct ColumnUsage {
    std::map<int, long long> by_version;  // version -> values
    long long undecryptable = 0;          // no known key authenticates the value
};

struct TenantUsage {
    std::map<std::string, ColumnUsage> columns;  // "public.users.phone" -> counts

    long long values_for(int version) const;
    long long undecryptable() const;
    // {"public.users.phone": n, ...} for one version (columns with n > 0).
    json by_column(int version) const;
};

// Reads every encrypted value of the tenant in `tx` (batches in key order, flat memory, row
// security off: model::enter_tenant).
TenantUsage count_usage(Context& ctx, pqxx::transaction_base& tx, const std::string& tenancy_value,
                        const std::vector<EncryptedTable>& tables, const KeyRing& ring);

}  // namespace tenantctl::keys
