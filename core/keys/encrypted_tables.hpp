// The encrypted columns of the data map (config `data.tables.<t>.encrypted`), resolved against
// the catalog: which columns, which primary key to walk them by, and how the batch queries
// that re-encryption, `keys status` and `keys verify` share are spelled.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <pqxx/pqxx>

#include "core/config/config.hpp"

namespace tenantctl {
class Context;
}

namespace tenantctl::keys {

struct EncryptedTable {
    config::QualifiedName name;
    std::string sql_name;                 // "schema"."table", quoted
    std::string tenant_column;            // raw name
    std::vector<std::string> columns;     // encrypted columns, raw names, in data-map order
    std::vector<std::string> pk;          // primary-key columns in index order, raw names
    std::vector<std::string> pk_types;    // format_type() of each, for casting cursor values

    std::string label() const { return name.to_string(); }                           // "public.users"
    std::string column_label(std::size_t i) const { return label() + "." + columns[i]; }  // "public.users.phone"
};

// Every data-map table with encrypted columns, sorted by name (the order jobs walk them in).
// Throws UsageError when the map names a table or column the database lacks, and Refused
// when a table has no primary key (keyset batches need one). Composite keys are supported.
std::vector<EncryptedTable> encrypted_tables(Context& ctx, pqxx::transaction_base& tx);

// One row of a batch: the primary key as text, and each encrypted column (nullopt = NULL).
struct TokenRow {
    std::vector<std::string> pk;
    std::vector<std::optional<std::string>> values;
    // With `tuple_version`: the row version read (ctid and xmin as text). Together they name
    // exactly this version of the row: any later update gives the row a new ctid and xmin.
    std::string ctid, xmin;
};

// The next `limit` rows of the tenant after `after` (empty = from the start) in primary-key
// order. The caller has set the tenancy setting (RLS); the explicit tenant filter is kept as
// well so a session that bypasses RLS still reads only this tenant.
std::vector<TokenRow> read_batch(pqxx::transaction_base& tx, const EncryptedTable& table, const std::string& tenant_id,
                                 const std::vector<std::string>& after, long limit, bool tuple_version = false);

// A primary key as people read it in reports: "42" or "(a1b2..., 42)".
std::string format_pk(const std::vector<std::string>& pk);

}  // namespace tenantctl::keys
