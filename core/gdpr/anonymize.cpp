#include "core/gdpr/anonymize.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "core/gdpr/erase.hpp"

namespace tenantctl::gdpr {

using config::AnonymizeStrategy;

namespace {

bool is_one_of(const std::string& s, std::initializer_list<const char*> names) {
    return std::any_of(names.begin(), names.end(), [&](const char* n) { return s == n; });
}

// A fixed value of the column's type, or "" when the type has none we can name.
std::string redacted_value(const model::Column& c) {
    const std::string& t = c.type_name;
    const std::string cast = "::" + c.type;
    if (c.category == 'A') return "'{}'" + cast;
    if (t == "json" || t == "jsonb") return "'{}'" + cast;
    if (t == "uuid") return "'00000000-0000-0000-0000-000000000000'::uuid";
    // An explicit cast to varchar(n)/char(n) cuts the text to n characters.
    if (c.category == 'S') return "'[erased]'" + cast;
    if (t == "inet") return "'192.0.2.0'::inet";
    if (t == "cidr") return "'192.0.2.0/24'::cidr";
    if (t == "macaddr") return "'00:00:00:00:00:00'::macaddr";
    if (t == "macaddr8") return "'00:00:00:00:00:00:00:00'::macaddr8";
    if (c.category == 'N') return "0" + cast;
    if (is_one_of(t, {"date", "timestamp", "timestamptz"})) return "'1970-01-01'" + cast;
    if (is_one_of(t, {"time", "timetz"})) return "'00:00'" + cast;
    if (t == "interval") return "'0'::interval";
    if (c.category == 'B') return "false";
    if (t == "bytea") return "''::bytea";
    if (t == "tsvector") return "''::tsvector";
    if (c.category == 'E') return fmt::format("(enum_range(NULL{}))[1]", cast);
    if (c.category == 'R') return "'empty'" + cast;
    return "";
}

bool hashable(const model::Column& c) {
    const std::string& t = c.type_name;
    return c.category == 'S' || t == "uuid" || t == "json" || t == "jsonb" || t == "bytea" ||
           is_one_of(t, {"int2", "int4", "int8", "float4", "float8"}) ||
           is_one_of(t, {"_text", "_varchar", "_bpchar", "_citext"});
}

}  // namespace

std::string anonymized_value_sql(const model::Column& c, AnonymizeStrategy applied, const std::string& value_sql,
                                 const std::string& ipad, const std::string& opad) {
    if (applied == AnonymizeStrategy::null) return "NULL";
    if (applied == AnonymizeStrategy::redact || !hashable(c)) return redacted_value(c);
    const std::string& t = c.type_name;
    const std::string cast = "::" + c.type;
    auto h = [&](const std::string& v) { return hmac_pseudonym_sql(v + "::text", ipad, opad); };
    std::string hashed;
    if (c.category == 'A')
        hashed = fmt::format("ARRAY(SELECT {} FROM unnest({}) AS e(v)){}", h("e.v"), value_sql, cast);
    else if (c.category == 'S')
        hashed = "(" + h(value_sql) + ")" + cast;
    else if (t == "uuid")
        hashed = fmt::format("md5({})::uuid", h(value_sql));
    else if (t == "json" || t == "jsonb")
        hashed = fmt::format("to_jsonb({}){}", h(value_sql), cast);
    else if (t == "bytea")
        hashed = fmt::format("convert_to({}, 'UTF8')", h(value_sql));
    else
        hashed = fmt::format("((('x' || substr(md5({}), 1, 4))::bit(16)::int % 32768){})", h(value_sql), cast);
    return fmt::format("CASE WHEN {} IS NULL THEN NULL ELSE {} END", value_sql, hashed);
}

std::map<std::string, ColumnAnonymization> anonymize_plan(const model::Relation& r, const config::TableConfig& tc) {
    std::map<std::string, ColumnAnonymization> out;
    auto encrypted = [&](const std::string& c) {
        return std::find(tc.encrypted.begin(), tc.encrypted.end(), c) != tc.encrypted.end();
    };
    for (const auto* list : {&tc.pii, &tc.encrypted})
        for (const auto& name : *list) {
            const model::Column* c = r.column(name);
            ColumnAnonymization a;
            a.requested = !c || !c->not_null ? AnonymizeStrategy::null
                          : encrypted(name)  ? AnonymizeStrategy::redact
                                             : AnonymizeStrategy::hash;
            out[name] = a;
        }
    for (const auto& [name, s] : tc.anonymize) {
        out[name].requested = s;
        out[name].explicit_strategy = true;
    }
    for (auto& [name, a] : out) {
        const model::Column* c = r.column(name);
        a.applied = a.requested;
        if (!c) continue;
        if (c->generated) {
            a.skipped = true;
            a.note = "generated column: recomputed, never written";
            continue;
        }
        if (c->identity_always) {
            a.skipped = true;
            a.note = "identity ALWAYS column: never written";
            continue;
        }
        if (a.applied == AnonymizeStrategy::null && c->not_null) {
            a.applied = AnonymizeStrategy::redact;
            a.note = "NOT NULL: redact instead of null";
        }
        if (a.applied == AnonymizeStrategy::hash && !hashable(*c)) {
            a.applied = AnonymizeStrategy::redact;
            a.note = fmt::format("{}: hash writes the fixed redact value", c->type);
        }
        if (a.applied == AnonymizeStrategy::redact && redacted_value(*c).empty()) {
            if (!c->not_null) {
                a.applied = AnonymizeStrategy::null;
                a.note = fmt::format("{}: no redact value, NULL instead", c->type);
            } else {
                a.problem = fmt::format("NOT NULL {} column: no value of this type to anonymize with", c->type);
            }
        }
    }
    return out;
}

}  // namespace tenantctl::gdpr
