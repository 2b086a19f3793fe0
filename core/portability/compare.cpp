#include "core/portability/compare.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <map>

#include "core/crypto/hash.hpp"
#include "core/db/connection.hpp"
#include "core/model/predicate_literal.hpp"
#include "core/util/strings.hpp"

namespace tenantctl::portability {

namespace {

std::map<std::string, const model::Column*> columns_by_name(const model::Relation& r) {
    std::map<std::string, const model::Column*> out;
    for (const auto& c : r.columns) out[c.name] = &c;
    return out;
}

void compare_columns(RelationPair& pair) {
    const auto source = columns_by_name(*pair.source);
    const auto target = columns_by_name(*pair.target);
    for (const auto& [name, column] : source) {
        const auto it = target.find(name);
        if (it == target.end()) {
            pair.column_differences.push_back(fmt::format("column {} missing at the target", name));
        } else if (it->second->type != retarget_type(column->type, pair.source->name.schema, pair.target->name.schema)) {
            pair.column_differences.push_back(
                fmt::format("column {}: {} at the source, {} at the target", name, column->type, it->second->type));
        } else if (!pair.source->tenancy_column || name != *pair.source->tenancy_column) {
            pair.compared_columns.push_back(name);  // std::map: already in name order
        }
    }
    for (const auto& [name, column] : target)
        if (!source.contains(name)) pair.column_differences.push_back(fmt::format("column {} only at the target", name));
}

}  // namespace

std::string schema_as_printed(const std::string& schema) {
    // No keyword is a plain identifier starting with tenant_, so no keyword check is needed
    // for tenant schemas; any other schema with a keyword's name would print quoted and be
    // taken as different, which only ever refuses.
    const bool plain = !schema.empty() && !std::isdigit(static_cast<unsigned char>(schema[0])) &&
                       std::all_of(schema.begin(), schema.end(), [](char ch) {
                           return (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '_';
                       });
    return plain ? schema : db::quote_ident(schema);
}

std::string retarget_type(const std::string& type, const std::string& from_schema, const std::string& to_schema) {
    if (from_schema == to_schema) return type;
    const std::string prefix = schema_as_printed(from_schema) + ".";
    return type.starts_with(prefix) ? schema_as_printed(to_schema) + "." + type.substr(prefix.size()) : type;
}

std::string relation_key(const model::TenantData& data, const model::TableName& name) {
    return data.whole_schema() ? name.name : name.display();
}

std::string relation_key(const model::TenantData& data, const model::Relation& r) { return relation_key(data, r.name); }

std::vector<RelationPair> pair_relations(const model::TenantData& source, const model::TenantData& target) {
    std::map<std::string, const model::Relation*> targets;
    for (const auto& r : target.relations()) targets[relation_key(target, r)] = &r;
    std::vector<RelationPair> out;
    for (const auto& r : source.relations()) {
        RelationPair pair{relation_key(source, r), &r, nullptr, {}, {}};
        if (const auto it = targets.find(pair.key); it != targets.end()) {
            pair.target = it->second;
            targets.erase(it);
            compare_columns(pair);
        }
        out.push_back(std::move(pair));
    }
    for (const auto& r : target.relations())
        if (targets.contains(relation_key(target, r))) out.push_back(RelationPair{relation_key(target, r), nullptr, &r, {}, {}});
    return out;
}

void use_canonical_text(pqxx::transaction_base& tx) {
    tx.exec("SET LOCAL TimeZone = 'UTC'; SET LOCAL DateStyle = 'ISO, YMD'; SET LOCAL IntervalStyle = 'postgres'; "
            "SET LOCAL extra_float_digits = 1; SET LOCAL bytea_output = 'hex'; SET LOCAL lc_monetary = 'C'; "
            "SET LOCAL client_encoding = 'UTF8'");
}

void RowChecksum::add(std::string_view line) {
    const auto digest = crypto::sha256(line);
    std::uint64_t first = 0;
    for (int i = 0; i < 8; ++i) first = first << 8 | digest[static_cast<std::size_t>(i)];  // big-endian
    m_sum += first;
    ++m_rows;
}

void RowChecksum::add_empty_rows(long long n) {
    RowChecksum one;
    one.add("");
    m_sum += one.m_sum * static_cast<std::uint64_t>(n);
    m_rows += n;
}

Fingerprint RowChecksum::result() const { return Fingerprint{m_rows, fmt::format("{:016x}", m_sum)}; }

Fingerprint combined(const Fingerprint& a, const Fingerprint& b) {
    const std::uint64_t sum = std::stoull(a.checksum, nullptr, 16) + std::stoull(b.checksum, nullptr, 16);  // mod 2^64
    return Fingerprint{a.rows + b.rows, fmt::format("{:016x}", sum)};
}

Fingerprint fingerprint_values(pqxx::transaction_base& tx, const std::string& quoted_table,
                               const std::vector<std::string>& expressions, const std::string& predicate,
                               const std::string& value) {
    RowChecksum sum;
    const std::string where = model::with_literal(predicate, tx.quote(value));
    if (expressions.empty()) {  // a row count: no line to read
        sum.add_empty_rows(
            tx.exec1(fmt::format("SELECT count(*) FROM {} t WHERE {}", quoted_table, where))[0].as<long long>());
        return sum.result();
    }
    pqxx::stream_from rows(tx, fmt::format("(SELECT {} FROM {} t WHERE {})", util::join(expressions, ", "),
                                           quoted_table, where));
    std::string line;
    while (rows.get_raw_line(line)) sum.add(line);
    rows.complete();
    return sum.result();
}

Fingerprint fingerprint_where(pqxx::transaction_base& tx, const std::string& quoted_table,
                              const std::vector<std::string>& columns, const std::string& predicate,
                              const std::string& value) {
    std::vector<std::string> expressions;
    for (const auto& c : columns) expressions.push_back("t." + db::quote_ident(c));
    return fingerprint_values(tx, quoted_table, expressions, predicate, value);
}

Fingerprint fingerprint(pqxx::transaction_base& tx, const model::TenantData& data, const model::Relation& r,
                        const std::vector<std::string>& columns, const std::string& tenancy_value) {
    return fingerprint_where(tx, r.name.quoted(), columns, data.tenant_predicate(r, "t", 1), tenancy_value);
}

}  // namespace tenantctl::portability
