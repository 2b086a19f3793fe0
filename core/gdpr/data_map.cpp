#include "core/gdpr/data_map.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <set>

#include "core/context.hpp"
#include "core/db/connection.hpp"
#include "core/errors.hpp"
#include "core/gdpr/anonymize.hpp"
#include "core/util/slug.hpp"
#include "core/util/strings.hpp"

namespace tenantctl::gdpr {

catalog::TableName to_catalog(const config::QualifiedName& name) { return {name.schema, name.name}; }

bool ReachedTable::is_encrypted(const std::string& column) const {
    return config && std::find(config->encrypted.begin(), config->encrypted.end(), column) != config->encrypted.end();
}

std::string ReachedTable::label() const { return config ? config->table.to_string() : name.display(); }

namespace {

bool contains(const std::vector<std::string>& v, const std::string& s) {
    return std::find(v.begin(), v.end(), s) != v.end();
}

std::vector<std::string> column_names(const model::Relation& r) {
    std::vector<std::string> out;
    for (const auto& c : r.columns) out.push_back(c.name);
    return out;
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

// A plain column list over `alias`, for `(a, b) IN (SELECT p.a, p.b ...)`: the subquery side
// must list the columns, not wrap them in one row value.
std::string select_list(const std::vector<std::string>& columns, const std::string& alias) {
    std::vector<std::string> parts;
    for (const auto& c : columns) parts.push_back(alias + "." + db::quote_ident(c));
    return util::join(parts, ", ");
}

}  // namespace

std::string tenant_schema(const tenants::TenantRef& tenant) {
    return tenant.isolation == "schema" ? util::schema_name_for_slug(tenant.slug) : std::string();
}

model::TenantData load_model(Context& ctx, pqxx::transaction_base& tx, const tenants::TenantRef& tenant) {
    const std::string schema = tenant_schema(tenant);
    return schema.empty() ? model::TenantData::load(ctx, tx) : model::TenantData::load_schema(ctx, tx, schema);
}

catalog::TableName DataMap::resolve(const config::QualifiedName& name) const {
    // In a schema-per-tenant model the data map names tables without their schema.
    return schema.empty() ? to_catalog(name) : catalog::TableName{schema, name.name};
}

const config::TableConfig* DataMap::config_of(const config::DataConfig& data, const catalog::TableName& name) const {
    for (const auto& t : data.tables)
        if (resolve(t.table) == name) return &t;
    return nullptr;
}

std::optional<std::size_t> DataMap::find(const catalog::TableName& name) const {
    for (std::size_t i = 0; i < reached.size(); ++i)
        if (reached[i].name == name) return i;
    return std::nullopt;
}

std::string DataMap::predicate(std::size_t index, const std::string& alias, const Gone& gone) const {
    const auto& t = reached[index];
    std::string tenancy = model->tenant_predicate(*t.relation, alias, 1);
    if (t.subject_column)
        return fmt::format("{} AND {}.{} = $2::{}", tenancy, alias, db::quote_ident(*t.subject_column),
                           t.relation->column(*t.subject_column)->type);
    std::vector<std::string> paths;
    for (const auto& ref : t.references) {
        // Parents always come earlier in `reached`, so this recursion ends.
        std::string parent_alias = alias + "p";
        const auto deleted = gone.find(ref.parent);
        const std::string parent_rows =
            deleted == gone.end() ? reached[ref.parent].name.quoted()
                                  : fmt::format("(SELECT * FROM {} UNION ALL SELECT * FROM {})",
                                                reached[ref.parent].name.quoted(), deleted->second);
        paths.push_back(fmt::format("{} IN (SELECT {} FROM {} {} WHERE {})", model::column_tuple(ref.child_columns, alias),
                                    select_list(ref.parent_columns, parent_alias), parent_rows, parent_alias,
                                    predicate(ref.parent, parent_alias, gone)));
    }
    if (paths.empty()) return "false";
    return tenancy + " AND (" + util::join(paths, " OR ") + ")";
}

std::string DataMap::select(std::size_t index, const std::string& columns, const std::string& alias,
                            const Gone& gone) const {
    return fmt::format("SELECT {} FROM {} {} WHERE {}", columns, reached[index].name.quoted(), alias,
                       predicate(index, alias, gone));
}

DataMap load_data_map(Context& ctx, pqxx::transaction_base& tx, const tenants::TenantRef& tenant) {
    return load_data_map(ctx, std::make_shared<const model::TenantData>(load_model(ctx, tx, tenant)), tenant_schema(tenant));
}

DataMap load_data_map(Context& ctx, std::shared_ptr<const model::TenantData> model, const std::string& schema) {
    const auto& data = ctx.config().data;
    if (!data.subjects)
        throw UsageError("the config has no data map (data.subjects is missing)",
                         "add a data: section to tenantctl.yaml, see the README");

    DataMap map;
    map.model = std::move(model);
    map.schema = schema;
    const model::TenantData& md = *map.model;
    auto excluded_table = [&](const catalog::TableName& t) {
        return std::any_of(data.exclude.begin(), data.exclude.end(),
                           [&](const config::Exclusion& e) { return !e.column && map.resolve(e.table) == t; });
    };
    auto excluded_column = [&](const catalog::TableName& t, const std::vector<std::string>& columns) {
        return std::any_of(data.exclude.begin(), data.exclude.end(), [&](const config::Exclusion& e) {
            return e.column && map.resolve(e.table) == t && contains(columns, *e.column);
        });
    };
    auto existing = [&](const config::QualifiedName& qn, const std::string& where) -> const model::Relation& {
        const auto n = map.resolve(qn);
        const model::Relation* r = md.find(n);
        if (!r)
            throw UsageError(fmt::format("data map: {}: table {} is not one of the tenant's tables{}", where, n.display(),
                                         schema.empty() ? "" : " (schema " + schema + ")"),
                             fmt::format("only tenant-scoped tables can be mapped: tables with the tenancy column "
                                         "'{}', or tables hanging off them through a cascading foreign key",
                                         md.tenancy_column()));
        return *r;
    };

    // Validate every entry first, so a typo anywhere is reported even if it is not reached.
    const auto& subjects = *data.subjects;
    const model::Relation& subject_rel = existing(subjects.table, "data.subjects.table");
    std::vector<std::string> keys{subjects.key};
    keys.insert(keys.end(), subjects.lookup.begin(), subjects.lookup.end());
    require_columns(keys, column_names(subject_rel), "data.subjects", subject_rel.name);
    for (const auto& tc : data.tables) {
        std::string where = "data.tables." + tc.table.to_string();
        const model::Relation& r = existing(tc.table, where);
        std::vector<std::string> named = tc.pii;
        named.insert(named.end(), tc.encrypted.begin(), tc.encrypted.end());
        named.insert(named.end(), tc.non_pii.begin(), tc.non_pii.end());
        if (tc.subject) named.push_back(*tc.subject);
        for (const auto& [c, _] : tc.anonymize) named.push_back(c);
        require_columns(named, column_names(r), where, r.name);
    }
    for (std::size_t i = 0; i < data.links.size(); ++i) {
        const auto& link = data.links[i];
        for (const auto* ref : {&link.from, &link.to}) {
            std::string where = fmt::format("data.links[{}]", i);
            const model::Relation& r = existing(ref->table, where);
            require_columns({ref->column}, column_names(r), where, r.name);
        }
    }

    auto add = [&](const model::Relation& rel) -> ReachedTable& {
        ReachedTable r;
        r.relation = &rel;
        r.name = rel.name;
        r.columns = column_names(rel);
        r.config = map.config_of(data, rel.name);
        r.primary_key = rel.identity.columns;
        map.reached.push_back(std::move(r));
        return map.reached.back();
    };

    // Rule 1: the subject table.
    add(subject_rel).subject_column = subjects.key;
    // Rule 2: tables the operator tied to the subject by a column.
    for (const auto& tc : data.tables) {
        auto name = map.resolve(tc.table);
        if (!tc.subject || name == subject_rel.name || excluded_table(name)) continue;
        add(md.get(name)).subject_column = *tc.subject;
    }
    // Rule 3: breadth-first over references into tables already reached.
    for (std::size_t next = 0; next < map.reached.size(); ++next) {
        const auto parent = map.reached[next].name;
        std::vector<catalog::TableName> children;
        for (const auto& fk : md.foreign_keys())
            if (fk.parent == parent && fk.child != parent && !excluded_table(fk.child) &&
                !excluded_column(fk.child, fk.child_columns))
                children.push_back(fk.child);
        for (const auto& link : data.links) {
            auto from = map.resolve(link.from.table);
            if (map.resolve(link.to.table) == parent && !excluded_table(from) && !excluded_column(from, {link.from.column}))
                children.push_back(from);
        }
        for (const auto& child : children) {
            const model::Relation* rel = md.find(child);
            if (rel && !rel->is_tenants_table && !map.find(child)) add(*rel);
        }
    }
    // References of each discovered table: to every table reached before it.
    for (std::size_t i = 0; i < map.reached.size(); ++i) {
        auto& t = map.reached[i];
        if (t.subject_column) continue;
        for (const auto& fk : md.foreign_keys()) {
            if (fk.child != t.name || excluded_column(fk.child, fk.child_columns)) continue;
            auto p = map.find(fk.parent);
            if (p && *p < i) t.references.push_back({*p, fk.child_columns, fk.parent_columns, fk.constraint});
        }
        for (const auto& link : data.links) {
            if (map.resolve(link.from.table) != t.name) continue;
            auto p = map.find(map.resolve(link.to.table));
            if (p && *p < i) t.references.push_back({*p, {link.from.column}, {link.to.column}, "link"});
        }
    }
    return map;
}

std::vector<DataMap> load_lint_maps(Context& ctx, pqxx::transaction_base& tx) {
    std::vector<DataMap> out;
    if (ctx.config().tenancy.mode == config::TenancyMode::schema) {
        auto rows = tx.exec(fmt::format("SELECT slug FROM {} WHERE isolation = 'schema' AND status <> 'purged' ORDER BY slug",
                                        ctx.platform_table("tenants")));
        for (const auto& r : rows) {
            std::string schema = util::schema_name_for_slug(r[0].c_str());
            out.push_back(load_data_map(
                ctx, std::make_shared<const model::TenantData>(model::TenantData::load_schema(ctx, tx, schema)), schema));
        }
        if (!out.empty()) return out;
    }
    out.push_back(load_data_map(ctx, std::make_shared<const model::TenantData>(model::TenantData::load(ctx, tx))));
    return out;
}

std::vector<LintFinding> lint(const DataMap& map, const config::DataConfig& data) {
    std::vector<LintFinding> out;
    const model::TenantData& md = *map.model;
    for (const auto& rel : md.relations()) {
        const auto& name = rel.name;
        if (std::any_of(data.exclude.begin(), data.exclude.end(),
                        [&](const config::Exclusion& e) { return !e.column && map.resolve(e.table) == name; }))
            continue;
        const auto* tc = map.config_of(data, name);
        auto reached = map.find(name);
        if (reached && !map.reached[*reached].config)
            out.push_back({name.display(), "*", "reached from the subject but not in the data map (no erase action)"});
        else if (tc && !tc->erase && reached)
            out.push_back({name.display(), "*", "reached from the subject but has no erase action"});
        std::set<std::string> classified;
        if (rel.tenancy_column) classified.insert(*rel.tenancy_column);
        classified.insert(rel.identity.columns.begin(), rel.identity.columns.end());
        for (const auto& fk : md.foreign_keys())
            if (fk.child == name) classified.insert(fk.child_columns.begin(), fk.child_columns.end());
        if (tc) {
            if (tc->subject) classified.insert(*tc->subject);
            for (const auto* list : {&tc->pii, &tc->encrypted, &tc->non_pii}) classified.insert(list->begin(), list->end());
            for (const auto& [c, _] : tc->anonymize) classified.insert(c);
        }
        if (data.subjects && map.resolve(data.subjects->table) == name) classified.insert(data.subjects->key);
        for (const auto& exclusion : data.exclude)
            if (exclusion.column && map.resolve(exclusion.table) == name) classified.insert(*exclusion.column);
        for (const auto& c : rel.columns)
            if (!classified.count(c.name))
                out.push_back({name.display(), c.name,
                               tc ? "not classified (list it under pii, encrypted or non_pii)" : "table not in the data map"});
        // Anonymization strategies the column's type cannot take.
        if (tc && tc->erase == config::EraseAction::anonymize) {
            for (const auto& [c, s] : anonymize_plan(rel, *tc)) {
                if (!s.problem.empty())
                    out.push_back({name.display(), c, s.problem});
                else if (s.explicit_strategy && !s.note.empty())
                    out.push_back({name.display(), c,
                                   fmt::format("anonymize: {} cannot be applied ({})", config::to_string(s.requested), s.note)});
            }
        }
    }
    return out;
}

}  // namespace tenantctl::gdpr
