#include "core/gdpr/data_map.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <set>

#include "core/context.hpp"
#include "core/db/connection.hpp"
#include "core/errors.hpp"
#include "core/util/strings.hpp"

namespace tenantctl::gdpr {

catalog::TableName to_catalog(const config::QualifiedName& name) { return {name.schema, name.name}; }

bool ReachedTable::is_encrypted(const std::string& column) const {
    return config && std::find(config->encrypted.begin(), config->encrypted.end(), column) != config->encrypted.end();
}

namespace {

bool contains(const std::vector<std::string>& v, const std::string& s) {
    return std::find(v.begin(), v.end(), s) != v.end();
}

std::string column_list(const std::vector<std::string>& columns, const std::string& alias) {
    std::vector<std::string> parts;
    for (const auto& c : columns) parts.push_back(alias + "." + db::quote_ident(c));
    return parts.size() == 1 ? parts[0] : "(" + util::join(parts, ", ") + ")";
}

std::string column_type(pqxx::transaction_base& tx, const catalog::TableName& table, const std::string& column) {
    auto r = tx.exec_params(
        "SELECT format_type(a.atttypid, a.atttypmod) FROM pg_attribute a "
        "JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = $1 AND c.relname = $2 AND a.attname = $3 AND NOT a.attisdropped",
        table.schema, table.name, column);
    return r.empty() ? "text" : r[0][0].as<std::string>();
}

// Checks that every column a config entry names exists; `where` is the config path.
void require_columns(const std::vector<std::string>& named, const std::vector<std::string>& actual,
                     const std::string& where, const catalog::TableName& table) {
    for (const auto& c : named) {
        if (contains(actual, c)) continue;
        std::string hint;
        if (auto near = util::did_you_mean(c, actual)) hint = fmt::format("did you mean '{}'?", *near);
        throw UsageError(fmt::format("data map: {}: column {} does not exist in {}", where, util::in_quotes(c),
                                     table.display()),
                         hint);
    }
}

bool excluded_table(const config::DataConfig& data, const catalog::TableName& t) {
    return std::any_of(data.exclude.begin(), data.exclude.end(),
                       [&](const config::Exclusion& e) { return !e.column && to_catalog(e.table) == t; });
}

bool excluded_column(const config::DataConfig& data, const catalog::TableName& t,
                     const std::vector<std::string>& columns) {
    return std::any_of(data.exclude.begin(), data.exclude.end(), [&](const config::Exclusion& e) {
        return e.column && to_catalog(e.table) == t && contains(columns, *e.column);
    });
}

}  // namespace

std::optional<std::size_t> DataMap::find(const catalog::TableName& name) const {
    for (std::size_t i = 0; i < reached.size(); ++i)
        if (reached[i].name == name) return i;
    return std::nullopt;
}

std::string DataMap::predicate(std::size_t index, const std::string& alias) const {
    const auto& t = reached[index];
    std::string tenancy = fmt::format("{}.{} = $1::{}", alias, db::quote_ident(tenancy_column), tenancy_type);
    if (t.subject_column)
        return fmt::format("{} AND {}.{} = $2::{}", tenancy, alias, db::quote_ident(*t.subject_column), key_type);
    std::vector<std::string> paths;
    for (const auto& ref : t.references) {
        // Parents always come earlier in `reached`, so this recursion ends.
        std::string parent_alias = alias + "p";
        paths.push_back(fmt::format("{} IN (SELECT {} FROM {} {} WHERE {})", column_list(ref.child_columns, alias),
                                    column_list(ref.parent_columns, parent_alias), reached[ref.parent].name.quoted(),
                                    parent_alias, predicate(ref.parent, parent_alias)));
    }
    if (paths.empty()) return "false";
    return tenancy + " AND (" + util::join(paths, " OR ") + ")";
}

std::string DataMap::select(std::size_t index, const std::string& columns, const std::string& alias) const {
    return fmt::format("SELECT {} FROM {} {} WHERE {}", columns, reached[index].name.quoted(), alias,
                       predicate(index, alias));
}

DataMap load_data_map(Context& ctx, pqxx::transaction_base& tx) {
    const auto& data = ctx.config().data;
    const auto& tenancy = ctx.config().tenancy;
    if (ctx.config().tenancy.mode != config::TenancyMode::shared)
        throw Refused("gdpr supports tenancy.mode: shared only", "schema-per-tenant support is planned");
    if (!data.subjects)
        throw UsageError("the config has no data map (data.subjects is missing)",
                         "add a data: section to tenantctl.yaml, see the README");

    DataMap map;
    map.tenancy_column = tenancy.column;
    for (auto& t : catalog::tenant_tables(tx, tenancy.column, ctx.schema()))
        if (!excluded_table(data, t.name)) map.tenant_tables.push_back(std::move(t));
    map.foreign_keys = catalog::foreign_keys(tx, map.tenant_tables);
    for (const auto& t : map.tenant_tables) map.tenant_columns.push_back(catalog::columns(tx, t.name));

    auto is_tenant_table = [&](const catalog::TableName& n) {
        return std::any_of(map.tenant_tables.begin(), map.tenant_tables.end(), [&](auto& t) { return t.name == n; });
    };
    auto existing = [&](const catalog::TableName& n, const std::string& where) {
        auto t = catalog::find_table(tx, n, tenancy.column);
        if (!t) throw UsageError(fmt::format("data map: {}: table {} does not exist", where, n.display()));
        if (!t->has_tenancy_column)
            throw UsageError(fmt::format("data map: {}: table {} has no tenancy column '{}'", where, n.display(),
                                         tenancy.column),
                             "only tenant-scoped tables can be mapped");
        return *t;
    };

    // Validate every entry first, so a typo anywhere is reported even if it is not reached.
    const auto& subjects = *data.subjects;
    auto subject_name = to_catalog(subjects.table);
    auto subject_table = existing(subject_name, "data.subjects.table");
    auto subject_columns = catalog::columns(tx, subject_name);
    std::vector<std::string> keys{subjects.key};
    keys.insert(keys.end(), subjects.lookup.begin(), subjects.lookup.end());
    require_columns(keys, subject_columns, "data.subjects", subject_name);
    for (const auto& tc : data.tables) {
        auto name = to_catalog(tc.table);
        std::string where = "data.tables." + tc.table.to_string();
        existing(name, where);
        auto cols = catalog::columns(tx, name);
        std::vector<std::string> named = tc.pii;
        named.insert(named.end(), tc.encrypted.begin(), tc.encrypted.end());
        named.insert(named.end(), tc.non_pii.begin(), tc.non_pii.end());
        if (tc.subject) named.push_back(*tc.subject);
        for (const auto& [c, _] : tc.anonymize) named.push_back(c);
        require_columns(named, cols, where, name);
    }
    for (std::size_t i = 0; i < data.links.size(); ++i) {
        const auto& link = data.links[i];
        for (const auto* ref : {&link.from, &link.to}) {
            auto name = to_catalog(ref->table);
            std::string where = fmt::format("data.links[{}]", i);
            existing(name, where);
            require_columns({ref->column}, catalog::columns(tx, name), where, name);
        }
    }
    map.tenancy_type = column_type(tx, subject_name, tenancy.column);
    map.key_type = column_type(tx, subject_name, subjects.key);

    auto add = [&](const catalog::TableName& name) -> ReachedTable& {
        ReachedTable r;
        r.name = name;
        r.columns = catalog::columns(tx, name);
        r.config = data.find_table({name.schema, name.name});
        auto t = catalog::find_table(tx, name, tenancy.column);
        r.primary_key = t ? t->primary_key : std::vector<std::string>{};
        map.reached.push_back(std::move(r));
        return map.reached.back();
    };

    // Rule 1: the subject table.
    add(subject_table.name).subject_column = subjects.key;
    // Rule 2: tables the operator tied to the subject by a column.
    for (const auto& tc : data.tables) {
        auto name = to_catalog(tc.table);
        if (!tc.subject || name == subject_name || excluded_table(data, name)) continue;
        add(name).subject_column = *tc.subject;
    }
    // Rule 3: breadth-first over references into tables already reached.
    for (std::size_t next = 0; next < map.reached.size(); ++next) {
        const auto parent = map.reached[next].name;
        std::vector<catalog::TableName> children;
        for (const auto& fk : map.foreign_keys)
            if (fk.parent == parent && fk.child != parent && is_tenant_table(fk.child) &&
                !excluded_column(data, fk.child, fk.child_columns))
                children.push_back(fk.child);
        for (const auto& link : data.links)
            if (to_catalog(link.to.table) == parent && is_tenant_table(to_catalog(link.from.table)) &&
                !excluded_column(data, to_catalog(link.from.table), {link.from.column}))
                children.push_back(to_catalog(link.from.table));
        for (const auto& child : children)
            if (!map.find(child)) add(child);
    }
    // References of each discovered table: to every table reached before it.
    for (std::size_t i = 0; i < map.reached.size(); ++i) {
        auto& t = map.reached[i];
        if (t.subject_column) continue;
        for (const auto& fk : map.foreign_keys) {
            if (fk.child != t.name || excluded_column(data, fk.child, fk.child_columns)) continue;
            auto p = map.find(fk.parent);
            if (p && *p < i) t.references.push_back({*p, fk.child_columns, fk.parent_columns, fk.constraint});
        }
        for (const auto& link : data.links) {
            if (to_catalog(link.from.table) != t.name) continue;
            auto p = map.find(to_catalog(link.to.table));
            if (p && *p < i) t.references.push_back({*p, {link.from.column}, {link.to.column}, "link"});
        }
    }
    return map;
}

std::vector<LintFinding> lint(const DataMap& map, const config::DataConfig& data) {
    std::vector<LintFinding> out;
    for (const auto& t : map.tenant_tables) {
        const auto* tc = data.find_table({t.name.schema, t.name.name});
        auto reached = map.find(t.name);
        if (reached && !map.reached[*reached].config)
            out.push_back({t.name.display(), "*", "reached from the subject but not in the data map (no erase action)"});
        else if (tc && !tc->erase && reached)
            out.push_back({t.name.display(), "*", "reached from the subject but has no erase action"});
        std::set<std::string> classified{map.tenancy_column};
        classified.insert(t.primary_key.begin(), t.primary_key.end());
        for (const auto& fk : map.foreign_keys)
            if (fk.child == t.name) classified.insert(fk.child_columns.begin(), fk.child_columns.end());
        if (tc) {
            if (tc->subject) classified.insert(*tc->subject);
            for (const auto* list : {&tc->pii, &tc->encrypted, &tc->non_pii}) classified.insert(list->begin(), list->end());
            for (const auto& [c, _] : tc->anonymize) classified.insert(c);
        }
        if (data.subjects && to_catalog(data.subjects->table) == t.name) {
            classified.insert(data.subjects->key);
        }
        for (const auto& exclusion : data.exclude)
            if (exclusion.column && to_catalog(exclusion.table) == t.name) classified.insert(*exclusion.column);
        for (const auto& c : map.tenant_columns[static_cast<std::size_t>(&t - map.tenant_tables.data())])
            if (!classified.count(c))
                out.push_back({t.name.display(), c,
                               tc ? "not classified (list it under pii, encrypted or non_pii)" : "table not in the data map"});
    }
    return out;
}

}  // namespace tenantctl::gdpr
