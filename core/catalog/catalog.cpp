#include "core/catalog/catalog.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <map>
#include <set>

#include "core/db/connection.hpp"
#include "core/errors.hpp"

namespace tenantctl::catalog {

std::string TableName::quoted() const { return db::quote_qualified(schema, name); }
std::string TableName::display() const { return schema + "." + name; }

namespace {

std::vector<std::string> json_strings(const pqxx::field& f) {
    if (f.is_null()) return {};
    return nlohmann::json::parse(f.c_str()).get<std::vector<std::string>>();
}

// Primary key columns as a JSON array, in key order.
constexpr const char* kPrimaryKeySql =
    "(SELECT json_agg(a.attname ORDER BY k.ord) FROM pg_index i "
    "   CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord) "
    "   JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum "
    "  WHERE i.indrelid = c.oid AND i.indisprimary)";

Table table_from_row(const pqxx::row& r) {
    Table t;
    t.name = TableName{r[0].as<std::string>(), r[1].as<std::string>()};
    t.primary_key = json_strings(r[2]);
    t.has_tenancy_column = r[3].as<bool>();
    t.rls_enabled = r[4].as<bool>();
    t.rls_forced = r[5].as<bool>();
    return t;
}

}  // namespace

std::vector<Table> tenant_tables(pqxx::transaction_base& tx, std::string_view tenancy_column,
                                 std::string_view platform_schema, std::optional<std::string_view> only_schema) {
    auto rows = tx.exec_params(
        fmt::format("SELECT n.nspname, c.relname, {}, true, c.relrowsecurity, c.relforcerowsecurity "
                    "FROM pg_class c "
                    "JOIN pg_namespace n ON n.oid = c.relnamespace "
                    "JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = $1 AND NOT a.attisdropped "
                    "WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition "
                    "  AND n.nspname NOT IN ('pg_catalog', 'information_schema', $2) "
                    "  AND n.nspname NOT LIKE 'pg\\_%' "
                    "  AND ($3::text IS NULL OR n.nspname = $3) "
                    "ORDER BY 1, 2",
                    kPrimaryKeySql),
        std::string(tenancy_column), std::string(platform_schema),
        only_schema ? std::optional<std::string>(std::string(*only_schema)) : std::nullopt);
    std::vector<Table> out;
    for (const auto& r : rows) out.push_back(table_from_row(r));
    return out;
}

std::optional<Table> find_table(pqxx::transaction_base& tx, const TableName& name, std::string_view tenancy_column) {
    auto rows = tx.exec_params(
        fmt::format("SELECT n.nspname, c.relname, {}, "
                    "       EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = $3 "
                    "               AND NOT a.attisdropped), "
                    "       c.relrowsecurity, c.relforcerowsecurity "
                    "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                    "WHERE n.nspname = $1 AND c.relname = $2 AND c.relkind IN ('r', 'p', 'v', 'm', 'f')",
                    kPrimaryKeySql),
        name.schema, name.name, std::string(tenancy_column));
    if (rows.empty()) return std::nullopt;
    return table_from_row(rows[0]);
}

std::vector<std::string> columns(pqxx::transaction_base& tx, const TableName& name) {
    auto rows = tx.exec_params(
        "SELECT a.attname FROM pg_attribute a "
        "JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = $1 AND c.relname = $2 AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum",
        name.schema, name.name);
    std::vector<std::string> out;
    for (const auto& r : rows) out.push_back(r[0].as<std::string>());
    return out;
}

std::vector<ForeignKey> foreign_keys(pqxx::transaction_base& tx, const std::vector<Table>& tables) {
    if (tables.empty()) return {};
    nlohmann::json names = nlohmann::json::array();
    for (const auto& t : tables) names.push_back(t.name.display());
    auto rows = tx.exec_params(
        "WITH wanted AS ("
        "  SELECT c.oid FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "  WHERE (n.nspname || '.' || c.relname) IN (SELECT jsonb_array_elements_text($1::jsonb))) "
        "SELECT con.conname, cn.nspname, cc.relname, pn.nspname, pc.relname, "
        "  (SELECT json_agg(a.attname ORDER BY k.ord) FROM unnest(con.conkey) WITH ORDINALITY AS k(attnum, ord) "
        "     JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.attnum), "
        "  (SELECT json_agg(a.attname ORDER BY k.ord) FROM unnest(con.confkey) WITH ORDINALITY AS k(attnum, ord) "
        "     JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.attnum), "
        "  con.condeferrable, "
        "  (SELECT bool_and(NOT a.attnotnull) FROM unnest(con.conkey) AS k(attnum) "
        "     JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.attnum), "
        "  con.confdeltype "
        "FROM pg_constraint con "
        "JOIN pg_class cc ON cc.oid = con.conrelid JOIN pg_namespace cn ON cn.oid = cc.relnamespace "
        "JOIN pg_class pc ON pc.oid = con.confrelid JOIN pg_namespace pn ON pn.oid = pc.relnamespace "
        "WHERE con.contype = 'f' AND con.conparentid = 0 "
        "  AND (con.conrelid IN (SELECT oid FROM wanted) OR con.confrelid IN (SELECT oid FROM wanted)) "
        "ORDER BY 2, 3, 1",
        names.dump());
    std::vector<ForeignKey> out;
    for (const auto& r : rows) {
        ForeignKey fk;
        fk.constraint = r[0].as<std::string>();
        fk.child = TableName{r[1].as<std::string>(), r[2].as<std::string>()};
        fk.parent = TableName{r[3].as<std::string>(), r[4].as<std::string>()};
        fk.child_columns = json_strings(r[5]);
        fk.parent_columns = json_strings(r[6]);
        fk.deferrable = r[7].as<bool>();
        fk.child_columns_nullable = !r[8].is_null() && r[8].as<bool>();
        fk.on_delete = r[9].as<std::string>().empty() ? 'a' : r[9].as<std::string>()[0];
        out.push_back(std::move(fk));
    }
    return out;
}

DeleteOrder delete_order(const std::vector<TableName>& tables, const std::vector<ForeignKey>& fks) {
    std::set<TableName> in_set(tables.begin(), tables.end());
    // Edges child -> parent among the tables; a parent may be deleted only when no
    // remaining child references it.
    std::vector<const ForeignKey*> live;
    DeleteOrder order;
    for (const auto& fk : fks) {
        if (!in_set.count(fk.child) || !in_set.count(fk.parent)) continue;
        if (fk.child == fk.parent) {
            // A self-reference: rows of one table deleted in batches may hit it.
            if (fk.deferrable || fk.child_columns_nullable) order.broken.push_back(fk);
            else if (fk.on_delete != 'c' &&
                     std::find(order.single_statement.begin(), order.single_statement.end(), fk.child) ==
                         order.single_statement.end())
                order.single_statement.push_back(fk.child);
            continue;
        }
        live.push_back(&fk);
    }
    std::set<TableName> remaining(in_set);
    while (!remaining.empty()) {
        std::vector<TableName> ready;
        for (const auto& t : tables) {
            if (!remaining.count(t)) continue;
            bool referenced = std::any_of(live.begin(), live.end(), [&](const ForeignKey* fk) {
                return fk->parent == t && remaining.count(fk->child);
            });
            if (!referenced) ready.push_back(t);
        }
        if (!ready.empty()) {
            for (const auto& t : ready) {
                order.tables.push_back(t);
                remaining.erase(t);
            }
            continue;
        }
        // Every remaining table is referenced: a cycle. Break it at the cheapest edge.
        const ForeignKey* pick = nullptr;
        for (const auto* fk : live)
            if (remaining.count(fk->child) && remaining.count(fk->parent) && fk->deferrable) pick = pick ? pick : fk;
        if (!pick)
            for (const auto* fk : live)
                if (remaining.count(fk->child) && remaining.count(fk->parent) && fk->child_columns_nullable)
                    pick = pick ? pick : fk;
        if (!pick) {
            std::string names;
            for (const auto& t : remaining) names += (names.empty() ? "" : ", ") + t.display();
            throw Refused(fmt::format("foreign keys form a cycle that cannot be broken (no deferrable constraint, no "
                                      "nullable column): {}",
                                      names),
                          "make one of the constraints DEFERRABLE");
        }
        order.broken.push_back(*pick);
        live.erase(std::find(live.begin(), live.end(), pick));
    }
    return order;
}

}  // namespace tenantctl::catalog
