#include "core/keys/encrypted_tables.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "core/context.hpp"
#include "core/db/connection.hpp"
#include "core/errors.hpp"
#include "core/util/slug.hpp"
#include "core/util/strings.hpp"

namespace tenantctl::keys {

namespace {

std::string qualified(const std::vector<std::string>& names, std::string_view prefix) {
    std::vector<std::string> quoted;
    for (const auto& n : names) quoted.push_back(std::string(prefix) + db::quote_ident(n));
    return util::join(quoted, ", ");
}

}  // namespace

EncryptedTables::Entry& EncryptedTables::entry(pqxx::transaction_base& tx, const tenants::TenantRef& tenant) {
    const std::string schema = tenant.isolation == "schema" ? util::schema_name_for_slug(tenant.slug) : std::string();
    auto& slot = m_by_schema[schema];
    if (slot) return *slot;
    auto e = std::make_unique<Entry>();
    e->data = schema.empty() ? model::TenantData::load(m_ctx, tx) : model::TenantData::load_schema(m_ctx, tx, schema);
    for (const auto& t : m_ctx.config().data.tables) {
        if (t.encrypted.empty()) continue;
        // In a schema-per-tenant model the data map names tables without their schema.
        const catalog::TableName name = schema.empty() ? catalog::TableName{t.table.schema, t.table.name}
                                                       : catalog::TableName{schema, t.table.name};
        const model::Relation* r = e->data.find(name);
        if (!r)
            throw UsageError(fmt::format("data map table {} is not a tenant-scoped table{}", t.table.to_string(),
                                         schema.empty() ? "" : " of schema " + schema),
                             "fix data.tables in the config, or create the table with the tenancy column");
        EncryptedTable et;
        et.label_name = t.table.to_string();
        et.relation = r;
        et.sql_name = r->name.quoted();
        et.columns = t.encrypted;
        for (const auto& c : et.columns)
            if (!r->column(c))
                throw UsageError(fmt::format("encrypted column {}.{} does not exist", et.label(), c),
                                 "fix data.tables in the config");
        if (!r->identity)
            throw Refused(fmt::format("table {} has no primary key and no unique key over NOT NULL columns", et.label()),
                          "re-encryption writes each value back to the row it came from by its key; add a primary key");
        et.key = r->identity.columns;
        et.predicate = e->data.tenant_predicate(*r, "t", 1);
        e->tables.push_back(std::move(et));
    }
    std::sort(e->tables.begin(), e->tables.end(), [](const auto& a, const auto& b) { return a.label() < b.label(); });
    slot = std::move(e);
    return *slot;
}

const std::vector<EncryptedTable>& EncryptedTables::for_tenant(pqxx::transaction_base& tx, const tenants::TenantRef& tenant) {
    return entry(tx, tenant).tables;
}

const model::TenantData& EncryptedTables::model_for(pqxx::transaction_base& tx, const tenants::TenantRef& tenant) {
    return entry(tx, tenant).data;
}

std::vector<TokenRow> read_batch(pqxx::transaction_base& tx, const EncryptedTable& table, const std::string& tenancy_value,
                                 const std::vector<std::string>& after, long limit) {
    // Output columns get neutral aliases and ORDER BY names the table's columns: an output
    // column called "id" (id::text) would otherwise win and sort the keys as text.
    std::vector<std::string> select;
    for (std::size_t i = 0; i < table.key.size(); ++i)
        select.push_back(fmt::format("t.{}::text AS k{}", db::quote_ident(table.key[i]), i));
    for (std::size_t i = 0; i < table.columns.size(); ++i)
        select.push_back(fmt::format("t.{}::text AS v{}", db::quote_ident(table.columns[i]), i));
    std::string where = table.predicate;
    if (!after.empty())
        where += fmt::format(" AND ({}) > {}", qualified(table.key, "t."),
                             model::typed_placeholders(*table.relation, table.key, 2));
    const std::string sql = fmt::format("SELECT {} FROM {} AS t WHERE {} ORDER BY {} LIMIT {}", util::join(select, ", "),
                                        table.sql_name, where, qualified(table.key, "t."), limit);
    auto rows = tx.exec_params(sql, tenancy_value, pqxx::prepare::make_dynamic_params(after));
    std::vector<TokenRow> out;
    out.reserve(rows.size());
    const std::size_t nkey = table.key.size();
    for (const auto& r : rows) {
        TokenRow row;
        row.key.reserve(nkey);
        for (std::size_t i = 0; i < nkey; ++i) row.key.push_back(r[static_cast<int>(i)].c_str());
        row.values.reserve(table.columns.size());
        for (std::size_t i = 0; i < table.columns.size(); ++i) {
            const auto& f = r[static_cast<int>(nkey + i)];
            if (f.is_null())
                row.values.emplace_back();
            else
                row.values.emplace_back(std::string(f.c_str(), f.size()));
        }
        out.push_back(std::move(row));
    }
    return out;
}

std::string format_pk(const std::vector<std::string>& key) {
    if (key.size() == 1) return key[0];
    return "(" + util::join(key, ", ") + ")";
}

}  // namespace tenantctl::keys
