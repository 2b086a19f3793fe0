#include "core/model/tenant_data.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <map>
#include <set>

#include "core/context.hpp"
#include "core/db/connection.hpp"
#include "core/errors.hpp"
#include "core/util/slug.hpp"
#include "core/util/strings.hpp"

namespace tenantctl::model {

namespace {

using Oid = long long;

std::vector<std::string> json_strings(const pqxx::field& f) {
    if (f.is_null()) return {};
    return nlohmann::json::parse(f.c_str()).get<std::vector<std::string>>();
}

std::string oid_array(const std::vector<Oid>& oids) {
    std::string out = "{";
    for (std::size_t i = 0; i < oids.size(); ++i) out += (i ? "," : "") + std::to_string(oids[i]);
    return out + "}";
}

bool contains(const std::vector<std::string>& v, const std::string& s) { return std::find(v.begin(), v.end(), s) != v.end(); }

// One row per candidate relation: tables with the tenancy column, plus the tenants table.
struct RawRelation {
    Oid oid = 0;
    Relation rel;
};

RawRelation relation_from_row(const pqxx::row& r) {
    RawRelation raw;
    raw.oid = r[0].as<Oid>();
    raw.rel.name = TableName{r[1].as<std::string>(), r[2].as<std::string>()};
    raw.rel.partitioned = r[3].as<bool>();
    raw.rel.rls_enabled = r[4].as<bool>();
    raw.rel.rls_forced = r[5].as<bool>();
    raw.rel.owner = r[6].as<std::string>();
    return raw;
}

constexpr const char* kRelationColumns =
    "c.oid::bigint, n.nspname, c.relname, c.relkind = 'p', c.relrowsecurity, c.relforcerowsecurity, "
    "pg_get_userbyid(c.relowner)";

// Every foreign key (declared on a parent table, not its partition clones) in the app's
// schemas, with all its columns in key order.
struct RawForeignKey {
    Oid child = 0, parent = 0;
    ForeignKey fk;
    std::vector<std::string> nullable;  // referencing columns that may be NULL
};

std::vector<RawForeignKey> all_foreign_keys(pqxx::transaction_base& tx, const std::string& platform_schema) {
    auto rows = tx.exec_params(
        "SELECT con.conname, con.conrelid::bigint, cn.nspname, cc.relname, con.confrelid::bigint, pn.nspname, pc.relname, "
        "  (SELECT json_agg(a.attname ORDER BY k.ord) FROM unnest(con.conkey) WITH ORDINALITY AS k(attnum, ord) "
        "     JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.attnum), "
        "  (SELECT json_agg(a.attname ORDER BY k.ord) FROM unnest(con.confkey) WITH ORDINALITY AS k(attnum, ord) "
        "     JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.attnum), "
        "  con.condeferrable, con.condeferred, con.confdeltype, "
        "  (SELECT json_agg(a.attname) FROM unnest(con.conkey) AS k(attnum) "
        "     JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.attnum WHERE NOT a.attnotnull) "
        "FROM pg_constraint con "
        "JOIN pg_class cc ON cc.oid = con.conrelid JOIN pg_namespace cn ON cn.oid = cc.relnamespace "
        "JOIN pg_class pc ON pc.oid = con.confrelid JOIN pg_namespace pn ON pn.oid = pc.relnamespace "
        "WHERE con.contype = 'f' AND con.conparentid = 0 AND NOT cc.relispartition "
        "  AND cn.nspname NOT IN ('pg_catalog', 'information_schema', $1) AND cn.nspname NOT LIKE 'pg\\_%' "
        "ORDER BY cn.nspname, cc.relname, con.conname",
        platform_schema);
    std::vector<RawForeignKey> out;
    for (const auto& r : rows) {
        RawForeignKey raw;
        raw.fk.constraint = r[0].as<std::string>();
        raw.child = r[1].as<Oid>();
        raw.fk.child = TableName{r[2].as<std::string>(), r[3].as<std::string>()};
        raw.parent = r[4].as<Oid>();
        raw.fk.parent = TableName{r[5].as<std::string>(), r[6].as<std::string>()};
        raw.fk.child_columns = json_strings(r[7]);
        raw.fk.parent_columns = json_strings(r[8]);
        raw.fk.deferrable = r[9].as<bool>();
        raw.fk.initially_deferred = r[10].as<bool>();
        const std::string del = r[11].as<std::string>();
        raw.fk.on_delete = del.empty() ? 'a' : del[0];
        raw.nullable = json_strings(r[12]);
        out.push_back(std::move(raw));
    }
    return out;
}

// Columns of every relation, in attnum order.
void load_columns(pqxx::transaction_base& tx, std::map<Oid, Relation*>& by_oid) {
    std::vector<Oid> oids;
    for (const auto& [oid, _] : by_oid) oids.push_back(oid);
    auto rows = tx.exec_params(
        "SELECT a.attrelid::bigint, a.attname, format_type(a.atttypid, a.atttypmod), t.typname, t.typcategory, "
        "  CASE WHEN t.typname IN ('varchar', 'bpchar') AND a.atttypmod > 4 THEN a.atttypmod - 4 ELSE -1 END, "
        "  a.attnotnull, a.atthasdef, a.attgenerated <> '', a.attidentity = 'a' "
        "FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid "
        "WHERE a.attrelid = ANY($1::oid[]) AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attrelid, a.attnum",
        oid_array(oids));
    for (const auto& r : rows) {
        Column c;
        c.name = r[1].as<std::string>();
        c.type = r[2].as<std::string>();
        c.type_name = r[3].as<std::string>();
        c.category = r[4].as<std::string>().empty() ? 'U' : r[4].as<std::string>()[0];
        c.max_length = r[5].as<int>();
        c.not_null = r[6].as<bool>();
        c.has_default = r[7].as<bool>();
        c.generated = r[8].as<bool>();
        c.identity_always = r[9].as<bool>();
        by_oid.at(r[0].as<Oid>())->columns.push_back(std::move(c));
    }
}

// Primary key, else the narrowest unique index over NOT NULL plain columns without a predicate.
void load_identities(pqxx::transaction_base& tx, std::map<Oid, Relation*>& by_oid) {
    std::vector<Oid> oids;
    for (const auto& [oid, _] : by_oid) oids.push_back(oid);
    auto rows = tx.exec_params(
        "SELECT i.indrelid::bigint, ic.relname, i.indisprimary, "
        "  (SELECT json_agg(a.attname ORDER BY k.ord) FROM unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord) "
        "     JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum), "
        "  (SELECT bool_and(a.attnotnull) FROM unnest(i.indkey) AS k(attnum) "
        "     JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum) "
        "     AND i.indpred IS NULL AND i.indexprs IS NULL AND NOT (0 = ANY(i.indkey::int2[])) "
        "FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid "
        "WHERE i.indrelid = ANY($1::oid[]) AND i.indisunique AND i.indisvalid "
        "ORDER BY i.indrelid, NOT i.indisprimary, i.indnkeyatts, ic.relname",
        oid_array(oids));
    for (const auto& r : rows) {
        Relation& rel = *by_oid.at(r[0].as<Oid>());
        if (rel.identity) continue;
        const bool primary = r[2].as<bool>();
        if (!primary && !r[4].as<bool>(false)) continue;
        rel.identity.kind = primary ? RowIdentity::Kind::primary_key : RowIdentity::Kind::unique_key;
        rel.identity.constraint = r[1].as<std::string>();
        rel.identity.columns = json_strings(r[3]);
    }
}

void load_partitions(pqxx::transaction_base& tx, std::map<Oid, Relation*>& by_oid) {
    std::vector<Oid> oids;
    for (const auto& [oid, rel] : by_oid)
        if (rel->partitioned) oids.push_back(oid);
    if (oids.empty()) return;
    auto rows = tx.exec_params(
        "SELECT p.root::bigint, n.nspname, c.relname FROM unnest($1::oid[]) AS p(root) "
        "CROSS JOIN LATERAL pg_partition_tree(p.root) t JOIN pg_class c ON c.oid = t.relid "
        "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE t.isleaf ORDER BY 1, 2, 3",
        oid_array(oids));
    for (const auto& r : rows)
        by_oid.at(r[0].as<Oid>())->partitions.push_back(TableName{r[1].as<std::string>(), r[2].as<std::string>()});
}

// Schemas of schema-isolated tenants: the shared model leaves them out.
std::set<std::string> isolated_schemas(Context& ctx, pqxx::transaction_base& tx) {
    std::set<std::string> out;
    for (const auto& r : tx.exec(fmt::format("SELECT slug FROM {} WHERE isolation = 'schema'", ctx.platform_table("tenants")))) {
        std::string slug = r[0].c_str();
        if (slug.size() <= util::kMaxSchemaSlugLength) out.insert(util::schema_name_for_slug(slug));
    }
    return out;
}

}  // namespace

const Column* Relation::column(std::string_view n) const {
    for (const auto& c : columns)
        if (c.name == n) return &c;
    return nullptr;
}

const Column& Relation::tenancy() const {
    const Column* c = tenancy_column ? column(*tenancy_column) : nullptr;
    if (!c) throw Error(Exit::runtime, fmt::format("internal: {} has no tenancy column", display()));
    return *c;
}

namespace {

// Fills the model from the candidate relations: dependents (tables without the tenancy
// column reached through cascading or nulling foreign keys, transitively), columns,
// identities, partitions, and the foreign keys among them.
void complete(pqxx::transaction_base& tx, const std::string& platform_schema, std::vector<RawRelation> raws,
              std::vector<Relation>& relations, std::vector<ForeignKey>& fks, std::vector<ForeignKey>& outside,
              const std::string& tenancy_column, bool whole_schema) {
    auto raw_fks = all_foreign_keys(tx, platform_schema);
    std::set<Oid> in_model;
    for (const auto& r : raws) in_model.insert(r.oid);
    if (!whole_schema) {
        // Dependents: a table without the tenancy column whose foreign key into the model
        // cascades (or unlinks) follows the tenant's rows. Repeat until nothing new is found.
        std::map<Oid, std::size_t> dependent_via;  // child oid -> index into raw_fks
        // How well a key attributes its rows: a cascading key over NOT NULL columns says the
        // row cannot exist without its parent; a nullable or SET NULL one may leave it unowned.
        auto rank = [](const RawForeignKey& f) {
            const bool cascade = f.fk.on_delete == 'c';
            const bool not_null = f.nullable.empty();
            return (cascade ? 0 : 2) + (not_null ? 0 : 1);
        };
        for (bool grew = true; grew;) {
            grew = false;
            std::map<Oid, std::size_t> best;  // this round's candidates
            for (std::size_t i = 0; i < raw_fks.size(); ++i) {
                const auto& f = raw_fks[i];
                if (in_model.count(f.child) || !in_model.count(f.parent)) continue;
                if (f.fk.on_delete != 'c' && f.fk.on_delete != 'n' && f.fk.on_delete != 'd') continue;
                auto it = best.find(f.child);
                if (it == best.end() || rank(f) < rank(raw_fks[it->second])) best[f.child] = i;
            }
            for (const auto& [child, i] : best) {
                auto rows = tx.exec_params(fmt::format("SELECT {} FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                                                       "WHERE c.oid = $1::oid",
                                                       kRelationColumns),
                                           child);
                raws.push_back(relation_from_row(rows[0]));
                in_model.insert(child);
                dependent_via[child] = i;
                grew = true;
            }
        }
        // Keep each dependent's `via` as a name until the model's FK list exists.
        for (auto& r : raws)
            if (auto it = dependent_via.find(r.oid); it != dependent_via.end())
                r.rel.via = it->second;  // temporarily: index into raw_fks
    }

    std::map<Oid, Relation*> by_oid;
    for (auto& r : raws) by_oid[r.oid] = &r.rel;
    load_columns(tx, by_oid);
    load_identities(tx, by_oid);
    load_partitions(tx, by_oid);

    std::map<std::size_t, std::size_t> fk_index;  // raw_fks index -> fks index
    for (std::size_t i = 0; i < raw_fks.size(); ++i) {
        auto& f = raw_fks[i];
        const bool child_in = in_model.count(f.child) > 0, parent_in = in_model.count(f.parent) > 0;
        if (!parent_in) continue;
        const Relation& child = child_in ? *by_oid.at(f.child) : Relation{};
        for (const auto& c : f.fk.child_columns)
            if (!(child_in && child.tenancy_column && c == *child.tenancy_column)) f.fk.nullify_columns.push_back(c);
        f.fk.child_columns_nullable =
            !f.fk.nullify_columns.empty() && std::all_of(f.fk.nullify_columns.begin(), f.fk.nullify_columns.end(),
                                                         [&](const std::string& c) { return contains(f.nullable, c); });
        if (child_in) {
            fk_index[i] = fks.size();
            fks.push_back(f.fk);
        } else {
            outside.push_back(f.fk);
        }
    }
    for (auto& r : raws) {
        if (r.rel.via) r.rel.via = fk_index.at(*r.rel.via);
        if (whole_schema && !r.rel.column(tenancy_column)) r.rel.tenancy_column.reset();
        relations.push_back(std::move(r.rel));
    }
}

}  // namespace

TenantData TenantData::load(Context& ctx, pqxx::transaction_base& tx) {
    TenantData m;
    const auto& tenancy = ctx.config().tenancy;
    m.m_tenancy_column = tenancy.column;
    const auto isolated = isolated_schemas(ctx, tx);
    std::vector<std::string> skip(isolated.begin(), isolated.end());
    auto rows = tx.exec_params(
        fmt::format("SELECT {} FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                    "WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition "
                    "  AND n.nspname NOT IN ('pg_catalog', 'information_schema', $2) AND n.nspname NOT LIKE 'pg\\_%' "
                    "  AND NOT n.nspname = ANY($3::text[]) "
                    "  AND (EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = $1 "
                    "               AND a.attnum > 0 AND NOT a.attisdropped) "
                    "       OR (n.nspname = $4 AND c.relname = $5)) "
                    "ORDER BY n.nspname, c.relname",
                    kRelationColumns),
        tenancy.column, ctx.schema(), db::text_array(skip),
        tenancy.tenants_table ? std::optional<std::string>(tenancy.tenants_table->table.schema) : std::nullopt,
        tenancy.tenants_table ? std::optional<std::string>(tenancy.tenants_table->table.name) : std::nullopt);
    std::vector<RawRelation> raws;
    for (const auto& r : rows) {
        auto raw = relation_from_row(r);
        const auto& tt = tenancy.tenants_table;
        if (tt && raw.rel.name == TableName{tt->table.schema, tt->table.name}) {
            raw.rel.is_tenants_table = true;
            raw.rel.tenancy_column = tt->key;
        } else {
            raw.rel.tenancy_column = tenancy.column;
        }
        raws.push_back(std::move(raw));
    }
    if (tenancy.tenants_table &&
        std::none_of(raws.begin(), raws.end(), [](const RawRelation& r) { return r.rel.is_tenants_table; }))
        throw UsageError(fmt::format("tenancy.tenants_table: table {} does not exist",
                                     tenancy.tenants_table->table.to_string()));
    complete(tx, ctx.schema(), std::move(raws), m.m_relations, m.m_fks, m.m_outside_fks, tenancy.column, false);
    for (const auto& r : m.m_relations) {
        if (r.is_tenants_table && !r.column(*r.tenancy_column))
            throw UsageError(fmt::format("tenancy.tenants_table: column '{}' does not exist in {}", *r.tenancy_column,
                                         r.display()));
        for (const auto* name : {&ctx.config().tenancy.tenants_table}) {
            if (!*name || !r.is_tenants_table) continue;
            for (const auto& col : {(*name)->slug, (*name)->name})
                if (col && !r.column(*col))
                    throw UsageError(fmt::format("tenancy.tenants_table: column '{}' does not exist in {}", *col,
                                                 r.display()));
        }
    }
    return m;
}

TenantData TenantData::load_schema(Context& ctx, pqxx::transaction_base& tx, const std::string& schema) {
    TenantData m;
    m.m_tenancy_column = ctx.config().tenancy.column;
    m.m_whole_schema = true;
    auto rows = tx.exec_params(fmt::format("SELECT {} FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                                           "WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition AND n.nspname = $1 "
                                           "ORDER BY c.relname",
                                           kRelationColumns),
                               schema);
    std::vector<RawRelation> raws;
    for (const auto& r : rows) {
        auto raw = relation_from_row(r);
        raw.rel.tenancy_column = m.m_tenancy_column;
        raws.push_back(std::move(raw));
    }
    complete(tx, ctx.schema(), std::move(raws), m.m_relations, m.m_fks, m.m_outside_fks, m.m_tenancy_column, true);
    return m;
}

const Relation* TenantData::find(const TableName& name) const {
    for (const auto& r : m_relations)
        if (r.name == name) return &r;
    return nullptr;
}

const Relation& TenantData::get(const TableName& name) const {
    if (const Relation* r = find(name)) return *r;
    throw UsageError(fmt::format("table {} is not a tenant-scoped table", name.display()),
                     "a tenant-scoped table has the tenancy column, or hangs off one through a cascading foreign key");
}

const Relation* TenantData::tenants_table() const {
    for (const auto& r : m_relations)
        if (r.is_tenants_table) return &r;
    return nullptr;
}

std::string TenantData::tenant_predicate(const Relation& r, std::string_view alias, int param) const {
    if (m_whole_schema) return fmt::format("${}::text IS NOT NULL", param);  // every row; $n stays typed
    const std::string a = alias.empty() ? std::string() : std::string(alias) + ".";
    if (r.tenancy_column)
        return fmt::format("{}{} = ${}::{}", a, db::quote_ident(*r.tenancy_column), param, r.tenancy().type);
    if (!r.via) throw Error(Exit::runtime, fmt::format("internal: {} is neither tenant-scoped nor a dependent", r.display()));
    const ForeignKey& fk = m_fks.at(*r.via);
    const Relation& parent = get(fk.parent);
    const std::string pa = std::string(alias.empty() ? "d" : alias) + "p";
    return fmt::format("EXISTS (SELECT 1 FROM {} {} WHERE {} = {} AND {})", parent.name.quoted(), pa,
                       column_tuple(fk.parent_columns, pa), column_tuple(fk.child_columns, alias),
                       tenant_predicate(parent, pa, param));
}

catalog::DeleteOrder TenantData::delete_order() const {
    std::vector<TableName> names;
    for (const auto& r : m_relations) names.push_back(r.name);
    // The tenants table is the root every tenant row hangs off: keep it for last even when no
    // foreign key says so.
    std::stable_partition(names.begin(), names.end(), [&](const TableName& n) { return !find(n)->is_tenants_table; });
    return catalog::delete_order(names, m_fks);
}

std::vector<ForeignKey> TenantData::blocking_references() const {
    std::vector<ForeignKey> out;
    for (const auto& fk : m_outside_fks)
        if (fk.on_delete != 'c' && fk.on_delete != 'n' && fk.on_delete != 'd') out.push_back(fk);
    return out;
}

std::string column_tuple(const std::vector<std::string>& columns, std::string_view alias) {
    std::vector<std::string> parts;
    for (const auto& c : columns) parts.push_back((alias.empty() ? "" : std::string(alias) + ".") + db::quote_ident(c));
    return parts.size() == 1 ? parts[0] : "(" + util::join(parts, ", ") + ")";
}

std::string typed_placeholders(const Relation& r, const std::vector<std::string>& columns, int first_param) {
    std::vector<std::string> parts;
    for (const auto& c : columns) {
        const Column* col = r.column(c);
        parts.push_back(fmt::format("${}::{}", first_param++, col ? col->type : "text"));
    }
    return parts.size() == 1 ? parts[0] : "(" + util::join(parts, ", ") + ")";
}

}  // namespace tenantctl::model
