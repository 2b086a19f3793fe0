#include "core/portability/row_transform.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <set>

#include "core/db/connection.hpp"
#include "core/errors.hpp"
#include "core/gdpr/anonymize.hpp"

namespace tenantctl::portability {

std::string RowTransform::value(const model::Relation& r, const model::Column& column) const {
    if (const auto it = m_expressions.find({r.name.quoted(), column.name}); it != m_expressions.end()) return it->second;
    return "t." + db::quote_ident(column.name);
}

void RowTransform::set(const model::Relation& r, const std::string& column, std::string expression) {
    m_expressions[{r.name.quoted(), column}] = std::move(expression);
}

bool RowTransform::changes(const model::Relation& r) const {
    const std::string name = r.name.quoted();
    return std::any_of(m_expressions.begin(), m_expressions.end(), [&](const auto& e) { return e.first.first == name; });
}

int rewrite_tenancy_value(RowTransform& transform, const model::TenantData& data, const std::string& old_literal,
                          const std::string& new_literal) {
    // Columns that hold the tenancy value: the tenancy columns, then whatever references one,
    // to a fixpoint (a key may reference a key that references the tenants table).
    std::set<std::pair<model::TableName, std::string>> holders;
    for (const auto& r : data.relations())
        if (r.tenancy_column) holders.insert({r.name, *r.tenancy_column});
    for (bool grew = true; grew;) {
        grew = false;
        for (const auto& fk : data.foreign_keys())
            for (std::size_t i = 0; i < fk.child_columns.size(); ++i)
                if (holders.contains({fk.parent, fk.parent_columns[i]}) &&
                    holders.insert({fk.child, fk.child_columns[i]}).second)
                    grew = true;
    }
    for (const auto& [table, column] : holders) {
        const model::Relation& r = data.get(table);
        const model::Column* c = r.column(column);
        if (!c || c->generated) continue;
        const std::string name = "t." + db::quote_ident(column);
        // Only the tenant's value changes: a composite key's column may hold another value
        // only where the row is not the tenant's, but a CASE keeps that true by construction.
        transform.set(r, column,
                      fmt::format("CASE WHEN {0} = {1}::{3} THEN {2}::{3} ELSE {0} END", name, old_literal, new_literal,
                                  c->type));
    }
    return static_cast<int>(holders.size());
}

int rewrite_tenant_identity(RowTransform& transform, const model::TenantData& data, const config::Config& config,
                            const std::string& old_literal, const std::string& new_literal,
                            const std::string& new_slug_literal) {
    const int holders = rewrite_tenancy_value(transform, data, old_literal, new_literal);
    const auto& table = config.tenancy.tenants_table;
    if (const model::Relation* tt = data.tenants_table(); tt && table && table->slug)
        if (const model::Column* c = tt->column(*table->slug))
            transform.set(*tt, c->name, fmt::format("{}::{}", new_slug_literal, c->type));
    return holders;
}

namespace {

// A text literal (of a token: base64url, nothing to escape, but no reason to rely on it).
std::string text_literal(const std::string& s) {
    std::string out = "'";
    for (char ch : s) out += ch == '\'' ? std::string("''") : std::string(1, ch);
    return out + "'";
}

}  // namespace

Anonymization anonymize_columns(RowTransform& transform, const gdpr::DataMap& map, const config::DataConfig& data,
                                const crypto::FernetKey& new_key, std::uint64_t now, const std::string& ipad_sql,
                                const std::string& opad_sql) {
    Anonymization out;
    std::vector<std::string> problems;
    for (const auto& tc : data.tables) {
        const model::Relation* r = map.model->find(map.resolve(tc.table));
        if (!r) continue;  // load_data_map has already refused names the model lacks
        for (const auto& [name, a] : gdpr::anonymize_plan(*r, tc)) {
            const model::Column* c = r->column(name);
            if (!c || a.skipped) continue;
            const std::string label = fmt::format("{}.{}", r->display(), name);
            if (!a.problem.empty()) {
                problems.push_back(fmt::format("{}: {}", label, a.problem));
                continue;
            }
            const bool encrypted = std::find(tc.encrypted.begin(), tc.encrypted.end(), name) != tc.encrypted.end();
            std::string expression;
            config::AnonymizeStrategy shown = a.applied;
            if (encrypted && a.applied != config::AnonymizeStrategy::null) {
                // A token the app can open with the copy's key, of a text that is nobody's.
                // One token for the column: its plaintext is the same for every row anyway.
                const std::string column = "t." + db::quote_ident(name);
                expression = fmt::format("CASE WHEN {} IS NULL THEN NULL ELSE {}::{} END", column,
                                         text_literal(crypto::fernet_encrypt(new_key, "[erased]", now)), c->type);
                shown = config::AnonymizeStrategy::redact;
            } else {
                expression = gdpr::anonymized_value_sql(*c, a.applied, "t." + db::quote_ident(name), ipad_sql, opad_sql);
            }
            transform.set(*r, name, expression);
            out.columns.push_back(fmt::format("{}: {}{}", label, config::to_string(shown), encrypted ? " (encrypted)" : ""));
        }
    }
    if (!problems.empty()) {
        Refused e(fmt::format("{} column{} cannot be anonymized", problems.size(), problems.size() == 1 ? "" : "s"),
                  "name a strategy the column's type can take under data.tables.<table>.anonymize");
        for (auto& p : problems) e.with_detail(std::move(p));
        throw e;
    }
    for (const auto& finding : gdpr::lint(map, data))
        if (finding.column != "*" && finding.reason.find("anonymize") == std::string::npos)
            out.unclassified.push_back(finding.table + "." + finding.column);
    return out;
}

}  // namespace tenantctl::portability
