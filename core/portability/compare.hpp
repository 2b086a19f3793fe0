// Comparing one tenant's data in two databases, relation by relation, through the one model
// of the tenant's data (core/model): which relations and columns both sides have, and a
// fingerprint of the tenant's rows of each: the row count and an order-independent checksum.
//
// `tenant diff` prints the comparison; copy, move and restore check the schemas before they
// write and the fingerprints after.
//
// The checksum is the sum, modulo 2^64, of the first 64 bits of SHA-256 over each row's
// COPY text line: a multiset hash, so it does not depend on the order the rows are read in or
// where they sit on disk, and a duplicated, lost or changed row changes it. It is an integrity
// check against accidents, not against an adversary. The lines are read with COPY (SELECT
// columns ...) TO STDOUT under fixed output settings (UTC, ISO dates, hex bytea, shortest
// exact floats), so two servers with different defaults give the same text for the same
// values, and they are hashed here as they stream by: the server only prints the rows, and a
// copy can fingerprint what it sends without reading the source a second time.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <pqxx/pqxx>

#include "core/model/tenant_data.hpp"

namespace tenantctl::portability {

// One relation of the tenant's data as the two sides have it.
struct RelationPair {
    std::string key;  // schema.table; just the table in a schema-per-tenant model
    const model::Relation* source = nullptr;  // nullptr: the source has no such relation
    const model::Relation* target = nullptr;
    // Columns both sides have with the same type, in name order: what the checksum covers.
    // The tenancy column is left out: every row compared holds the tenant's value there, and
    // leaving it out keeps the comparison valid when the two sides give the tenant other ids.
    std::vector<std::string> compared_columns;
    // "column email: text at the source, varchar(200) at the target", "column note only at the target"
    std::vector<std::string> column_differences;
};

// How a relation is named across two databases (RelationPair::key): schema.table; just the
// table in a schema-per-tenant model, whose schema is named after the tenant's slug and so
// differs under `tenant copy --as`.
std::string relation_key(const model::TenantData& data, const model::TableName& name);
std::string relation_key(const model::TenantData& data, const model::Relation& r);

// A column type's name (format_type) as it reads in another schema: a type a schema-per-tenant
// schema defines is named with that schema (`tenant_acme.mood`, `tenant_acme.mood[]`), and the
// same type of a copy under --as lives in the copy's schema. Other types are returned as they are.
std::string retarget_type(const std::string& type, const std::string& from_schema, const std::string& to_schema);
// A schema's name as the server prints it in a qualified name: bare when it is a plain
// lower-case identifier (every tenant schema, `tenant_<slug>`, is), else quoted.
std::string schema_as_printed(const std::string& schema);

// Every relation of either model, in the source's order, then those only the target has.
std::vector<RelationPair> pair_relations(const model::TenantData& source, const model::TenantData& target);

// Output settings that make a value's text the same on every server (see above), and UTF-8
// as the client encoding, so text moved between two databases is converted from one server
// encoding to the other. Local to the transaction.
void use_canonical_text(pqxx::transaction_base& tx);

struct Fingerprint {
    long long rows = 0;
    std::string checksum;  // 16 hex digits
    bool operator==(const Fingerprint&) const = default;
};

// The tenant's rows of `r`, fingerprinted over `columns` in the order given (call
// use_canonical_text first).
Fingerprint fingerprint(pqxx::transaction_base& tx, const model::TenantData& data, const model::Relation& r,
                        const std::vector<std::string>& columns, const std::string& tenancy_value);

// The same over any table: the rows `predicate` (over alias `t`, value in $1) selects.
Fingerprint fingerprint_where(pqxx::transaction_base& tx, const std::string& quoted_table,
                              const std::vector<std::string>& columns, const std::string& predicate,
                              const std::string& value);

// The same over SQL expressions (over alias `t`) instead of columns: the fingerprint the rows
// would have after a transformation (core/portability/row_transform.hpp).
Fingerprint fingerprint_values(pqxx::transaction_base& tx, const std::string& quoted_table,
                               const std::vector<std::string>& expressions, const std::string& predicate,
                               const std::string& value);

// The fingerprint of the rows of both: a multiset hash of a union is the sum of the two.
Fingerprint combined(const Fingerprint& a, const Fingerprint& b);

// The fingerprint of rows fed to it one COPY text line at a time (without the newline).
class RowChecksum {
public:
    void add(std::string_view line);
    // `n` rows of no columns: each an empty line.
    void add_empty_rows(long long n);
    Fingerprint result() const;

private:
    long long m_rows = 0;
    std::uint64_t m_sum = 0;  // wraps modulo 2^64 by definition
};

}  // namespace tenantctl::portability
