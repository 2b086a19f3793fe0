// The data map (DESIGN sections 3 and 7): which tenant-scoped tables hold a data subject's
// rows, how those rows are found, and what erasure does to them. It joins the operator's
// `data:` section of tenantctl.yaml with what the catalog shows, so a table nobody declared
// is still found through its foreign keys.
//
// Reach rules, in order:
//   1. the subject table (`data.subjects.table`) is reached by its key column;
//   2. a mapped table with a `subject:` column is reached by that column alone: the operator
//      said how its rows belong to a person, so discovery does not widen it;
//   3. every other tenant-scoped table is reached when it references (foreign key, or a
//      `data.links` entry) a table reached before it. Only child -> parent references count
//      (one direction, unlike Jailer's default of both), and only references to tables earlier
//      in the order, so cycles (users <-> teams) terminate;
//   4. `data.exclude` removes a table, or one referencing column, from discovery.
// Every query also filters on the tenancy column, so reach never leaves the tenant.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <pqxx/pqxx>

#include "core/catalog/catalog.hpp"
#include "core/config/config.hpp"

namespace tenantctl {
class Context;
}

namespace tenantctl::gdpr {

// A reference from one reached table to one reached earlier.
struct Reference {
    std::size_t parent = 0;  // index into DataMap::reached
    std::vector<std::string> child_columns;
    std::vector<std::string> parent_columns;
    std::string via;  // constraint name, or "link" for a data.links entry
};

struct ReachedTable {
    catalog::TableName name;
    std::vector<std::string> columns;      // attnum order
    std::vector<std::string> primary_key;  // empty when the table has none
    const config::TableConfig* config = nullptr;  // null: found by discovery, not in the map
    std::optional<std::string> subject_column;    // rule 1 or 2
    std::vector<Reference> references;            // rule 3 (empty when subject_column is set)

    bool is_encrypted(const std::string& column) const;
};

struct DataMap {
    std::string tenancy_column;
    std::string tenancy_type;  // SQL type of the tenancy column ("uuid")
    std::string key_type;      // SQL type of the subject key column
    std::vector<catalog::Table> tenant_tables;  // every tenant-scoped table not excluded
    std::vector<std::vector<std::string>> tenant_columns;  // columns of tenant_tables[i]
    std::vector<catalog::ForeignKey> foreign_keys;
    std::vector<ReachedTable> reached;  // subject table first, then in reach order

    const ReachedTable& subject_table() const { return reached.front(); }
    const std::string& subject_key() const { return *reached.front().subject_column; }

    // SQL condition selecting the subject's rows of reached[index], written over `alias`.
    // Parameters: $1 = tenant id, $2 = the subject's key value (as text).
    std::string predicate(std::size_t index, const std::string& alias) const;
    // `SELECT <columns> FROM <table> <alias> WHERE <predicate>`.
    std::string select(std::size_t index, const std::string& columns, const std::string& alias = "t") const;
    std::optional<std::size_t> find(const catalog::TableName& name) const;
};

// Builds and validates the map. Every name the config uses must exist: a missing table or
// column, a mapped table without the tenancy column, or no data.subjects at all is a
// UsageError (exit 2) naming the config entry.
DataMap load_data_map(Context& ctx, pqxx::transaction_base& tx);

// A tenant-scoped column the map does not classify (`gdpr lint`, doctor), or a reached table
// that has no erase action (column "*").
struct LintFinding {
    std::string table;   // schema.name
    std::string column;
    std::string reason;
};
std::vector<LintFinding> lint(const DataMap& map, const config::DataConfig& data);

catalog::TableName to_catalog(const config::QualifiedName& name);

}  // namespace tenantctl::gdpr
