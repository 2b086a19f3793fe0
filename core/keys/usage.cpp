#include "core/keys/usage.hpp"

#include "core/model/row_access.hpp"

namespace tenantctl::keys {

namespace {
constexpr long kScanBatch = 10000;
}

long long TenantUsage::values_for(int version) const {
    long long n = 0;
    for (const auto& [_, c] : columns) {
        auto it = c.by_version.find(version);
        if (it != c.by_version.end()) n += it->second;
    }
    return n;
}

long long TenantUsage::undecryptable() const {
    long long n = 0;
    for (const auto& [_, c] : columns) n += c.undecryptable;
    return n;
}

json TenantUsage::by_column(int version) const {
    json out = json::object();
    for (const auto& [label, c] : columns) {
        auto it = c.by_version.find(version);
        if (it != c.by_version.end() && it->second > 0) out[label] = it->second;
    }
    return out;
}

TenantUsage count_usage(Context& ctx, pqxx::transaction_base& tx, const std::string& tenancy_value,
                        const std::vector<EncryptedTable>& tables, const KeyRing& ring) {
    TenantUsage usage;
    model::enter_tenant(ctx, tx, tenancy_value);
    for (const auto& table : tables) {
        std::vector<ColumnUsage*> cols;
        for (std::size_t i = 0; i < table.columns.size(); ++i) cols.push_back(&usage.columns[table.column_label(i)]);
        std::vector<std::string> after;
        for (;;) {
            auto rows = read_batch(tx, table, tenancy_value, after, kScanBatch);
            for (const auto& row : rows) {
                for (std::size_t i = 0; i < row.values.size(); ++i) {
                    if (!row.values[i]) continue;
                    const int k = crypto::fernet_match(ring.ptrs, *row.values[i]);
                    if (k < 0)
                        ++cols[i]->undecryptable;
                    else
                        ++cols[i]->by_version[ring.version_at(k)];
                }
            }
            if (rows.size() < static_cast<std::size_t>(kScanBatch)) break;
            after = rows.back().key;
        }
    }
    return usage;
}

}  // namespace tenantctl::keys
