#include "core/keys/encrypted_tables.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "core/context.hpp"
#include "core/db/connection.hpp"
#include "core/errors.hpp"
#include "core/util/strings.hpp"

namespace tenantctl::keys {

namespace {

// "(a, b)" of quoted column names.
std::string column_list(const std::vector<std::string>& names, std::string_view prefix = {}) {
    std::vector<std::string> quoted;
    for (const auto& n : names) quoted.push_back(std::string(prefix) + db::quote_ident(n));
    return util::join(quoted, ", ");
}

}  // namespace

std::vector<EncryptedTable> encrypted_tables(Context& ctx, pqxx::transaction_base& tx) {
    std::vector<EncryptedTable> out;
    const std::string tenant_column = ctx.config().tenancy.column;
    for (const auto& t : ctx.config().data.tables) {
        if (t.encrypted.empty()) continue;
        EncryptedTable e;
        e.name = t.table;
        e.sql_name = db::quote_qualified(t.table.schema, t.table.name);
        e.tenant_column = tenant_column;
        e.columns = t.encrypted;
        auto rel = tx.exec_params(
            "SELECT c.oid::bigint FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = $1 AND c.relname = $2 AND c.relkind IN ('r', 'p')",
            t.table.schema, t.table.name);
        if (rel.empty())
            throw UsageError(fmt::format("data map table {} does not exist", e.label()),
                             "fix data.tables in the config, or create the table");
        const auto oid = rel[0][0].as<long long>();
        auto cols = tx.exec_params("SELECT attname FROM pg_attribute WHERE attrelid = $1::oid AND attnum > 0 "
                                   "AND NOT attisdropped",
                                   oid);
        std::vector<std::string> existing;
        for (const auto& c : cols) existing.push_back(c[0].as<std::string>());
        auto require_column = [&](const std::string& c, const char* role) {
            if (std::find(existing.begin(), existing.end(), c) == existing.end())
                throw UsageError(fmt::format("{} column {}.{} does not exist", role, e.label(), c),
                                 "fix data.tables in the config");
        };
        require_column(tenant_column, "tenancy");
        for (const auto& c : e.columns) require_column(c, "encrypted");
        // Primary-key columns in index order (indkey is an int2vector; unnest keeps its order).
        auto pk = tx.exec_params(
            "SELECT a.attname, format_type(a.atttypid, a.atttypmod) "
            "FROM pg_index i CROSS JOIN LATERAL unnest(i.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord) "
            "JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum "
            "WHERE i.indrelid = $1::oid AND i.indisprimary ORDER BY k.ord",
            oid);
        if (pk.empty())
            throw Refused(fmt::format("table {} has no primary key", e.label()),
                          "re-encryption walks tables in primary-key order; add a primary key");
        for (const auto& r : pk) {
            e.pk.push_back(r[0].as<std::string>());
            e.pk_types.push_back(r[1].as<std::string>());
        }
        out.push_back(std::move(e));
    }
    std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
    return out;
}

std::vector<TokenRow> read_batch(pqxx::transaction_base& tx, const EncryptedTable& table, const std::string& tenant_id,
                                 const std::vector<std::string>& after, long limit, bool tuple_version) {
    // Output columns get neutral aliases and ORDER BY names the table's columns: an output
    // column called "id" (id::text) would otherwise win and sort the keys as text.
    std::vector<std::string> select;
    for (std::size_t i = 0; i < table.pk.size(); ++i) select.push_back(fmt::format("t.{}::text AS k{}", db::quote_ident(table.pk[i]), i));
    for (std::size_t i = 0; i < table.columns.size(); ++i)
        select.push_back(fmt::format("t.{}::text AS v{}", db::quote_ident(table.columns[i]), i));
    if (tuple_version) {
        select.push_back("t.ctid::text AS tid");
        select.push_back("t.xmin::text AS txmin");
    }
    std::string where = fmt::format("t.{} = $1", db::quote_ident(table.tenant_column));
    if (!after.empty()) {
        std::vector<std::string> params;
        for (std::size_t i = 0; i < table.pk.size(); ++i) params.push_back(fmt::format("${}::{}", i + 2, table.pk_types[i]));
        where += fmt::format(" AND ({}) > ({})", column_list(table.pk, "t."), util::join(params, ", "));
    }
    const std::string sql = fmt::format("SELECT {} FROM {} AS t WHERE {} ORDER BY {} LIMIT {}", util::join(select, ", "),
                                        table.sql_name, where, column_list(table.pk, "t."), limit);
    auto rows = tx.exec_params(sql, tenant_id, pqxx::prepare::make_dynamic_params(after));
    std::vector<TokenRow> out;
    out.reserve(rows.size());
    const std::size_t npk = table.pk.size();
    for (const auto& r : rows) {
        TokenRow row;
        row.pk.reserve(npk);
        for (std::size_t i = 0; i < npk; ++i) row.pk.push_back(r[static_cast<int>(i)].c_str());
        row.values.reserve(table.columns.size());
        for (std::size_t i = 0; i < table.columns.size(); ++i) {
            const auto& f = r[static_cast<int>(npk + i)];
            if (f.is_null())
                row.values.emplace_back();
            else
                row.values.emplace_back(std::string(f.c_str(), f.size()));
        }
        if (tuple_version) {
            const int base = static_cast<int>(npk + table.columns.size());
            row.ctid = r[base].c_str();
            row.xmin = r[base + 1].c_str();
        }
        out.push_back(std::move(row));
    }
    return out;
}

std::string format_pk(const std::vector<std::string>& pk) {
    if (pk.size() == 1) return pk[0];
    return "(" + util::join(pk, ", ") + ")";
}

}  // namespace tenantctl::keys
