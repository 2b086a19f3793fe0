#include "core/portability/compare.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstdint>
#include <map>

#include "core/db/connection.hpp"
#include "core/errors.hpp"
#include "core/util/strings.hpp"

namespace tenantctl::portability {

namespace {

std::string key_of(const model::TenantData& data, const model::Relation& r) {
    return data.whole_schema() ? r.name.name : r.name.display();
}

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
        } else if (it->second->type != column->type) {
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

std::vector<RelationPair> pair_relations(const model::TenantData& source, const model::TenantData& target) {
    std::map<std::string, const model::Relation*> targets;
    for (const auto& r : target.relations()) targets[key_of(target, r)] = &r;
    std::vector<RelationPair> out;
    for (const auto& r : source.relations()) {
        RelationPair pair{key_of(source, r), &r, nullptr, {}, {}};
        if (const auto it = targets.find(pair.key); it != targets.end()) {
            pair.target = it->second;
            targets.erase(it);
            compare_columns(pair);
        }
        out.push_back(std::move(pair));
    }
    for (const auto& r : target.relations())
        if (targets.contains(key_of(target, r))) out.push_back(RelationPair{key_of(target, r), nullptr, &r, {}, {}});
    return out;
}

void use_canonical_text(pqxx::transaction_base& tx) {
    tx.exec("SET LOCAL TimeZone = 'UTC'; SET LOCAL DateStyle = 'ISO, YMD'; SET LOCAL IntervalStyle = 'postgres'; "
            "SET LOCAL extra_float_digits = 1; SET LOCAL bytea_output = 'hex'; SET LOCAL lc_monetary = 'C'");
}

Fingerprint fingerprint_values(pqxx::transaction_base& tx, const std::string& quoted_table,
                               const std::vector<std::string>& expressions, const std::string& predicate,
                               const std::string& value) {
    // A row of one column prints as "(v)", of none as "()": still a text md5 can take.
    const std::string row = "ROW(" + util::join(expressions, ", ") + ")";
    const auto result = tx.exec_params1(
        fmt::format("SELECT count(*), coalesce(sum(('x' || left(md5({}::text), 16))::bit(64)::bigint::numeric), 0)::text "
                    "FROM {} t WHERE {}",
                    row, quoted_table, predicate),
        value);
    return Fingerprint{result[0].as<long long>(), low64_hex(result[1].as<std::string>())};
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

std::string low64_hex(const std::string& decimal) {
    // Two's complement arithmetic modulo 2^64 is exactly unsigned overflow.
    std::uint64_t value = 0;
    const bool negative = !decimal.empty() && decimal[0] == '-';
    for (std::size_t i = negative ? 1 : 0; i < decimal.size(); ++i) {
        if (decimal[i] < '0' || decimal[i] > '9') throw Error(Exit::runtime, "internal: not an integer: " + decimal);
        value = value * 10 + static_cast<std::uint64_t>(decimal[i] - '0');
    }
    if (negative) value = ~value + 1;
    return fmt::format("{:016x}", value);
}

}  // namespace tenantctl::portability
