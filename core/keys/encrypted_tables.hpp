// The encrypted columns of the data map (config `data.tables.<t>.encrypted`), resolved against
// the tenant's data model (core/model): which relation, which row identity to walk and write
// back by, the tenant predicate typed by the tenancy column's own type, and the batch read that
// re-encryption, `keys status`, `keys verify` and `keys retire` share.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <pqxx/pqxx>

#include "core/config/config.hpp"
#include "core/model/tenant_data.hpp"
#include "core/tenants/lookup.hpp"

namespace tenantctl {
class Context;
}

namespace tenantctl::keys {

struct EncryptedTable {
    std::string label_name;               // "public.users" (schema mode: the data map's name)
    const model::Relation* relation = nullptr;
    std::string sql_name;                 // "schema"."table", quoted
    std::vector<std::string> columns;     // encrypted columns, raw names, in data-map order
    std::vector<std::string> key;         // row identity columns, in key order
    std::string predicate;                // the tenant's rows over alias `t`; $1 = tenancy value

    const std::string& label() const { return label_name; }
    std::string column_label(std::size_t i) const { return label() + "." + columns[i]; }  // "public.users.phone"
};

// Resolves and caches encrypted tables per data model: one for every shared tenant, one per
// schema of a schema-isolated tenant (the data map's table names are looked up in it).
class EncryptedTables {
public:
    explicit EncryptedTables(Context& ctx) : m_ctx(ctx) {}
    // Sorted by label (the order jobs walk them in). UsageError when the map names a table or
    // column the model lacks; Refused when a table with encrypted columns has no row identity
    // (no primary key and no unique key over NOT NULL columns): values could not be written
    // back to exactly the row they came from.
    const std::vector<EncryptedTable>& for_tenant(pqxx::transaction_base& tx, const tenants::TenantRef& tenant);
    // The model the tables of `tenant` came from (for model::require_unfiltered).
    const model::TenantData& model_for(pqxx::transaction_base& tx, const tenants::TenantRef& tenant);

private:
    struct Entry {
        model::TenantData data;
        std::vector<EncryptedTable> tables;
    };
    Entry& entry(pqxx::transaction_base& tx, const tenants::TenantRef& tenant);
    Context& m_ctx;
    std::map<std::string, std::unique_ptr<Entry>> m_by_schema;  // "" = the shared model
};

// One row of a batch: the row identity as text, and each encrypted column (nullopt = NULL).
struct TokenRow {
    std::vector<std::string> key;
    std::vector<std::optional<std::string>> values;
};

// The next `limit` rows of the tenant after `after` (empty = from the start) in key order.
// The caller has entered the tenant (model::enter_tenant: row security off).
std::vector<TokenRow> read_batch(pqxx::transaction_base& tx, const EncryptedTable& table, const std::string& tenancy_value,
                                 const std::vector<std::string>& after, long limit);

// A row identity as people read it in reports: "42" or "(a1b2..., 42)".
std::string format_pk(const std::vector<std::string>& key);

}  // namespace tenantctl::keys
