// The data map (DESIGN sections 3 and 7): which of a tenant's relations hold a data subject's
// rows, how those rows are found, and what erasure does to them. It joins the operator's
// `data:` section of tenantctl.yaml with the tenant data model (core/model/tenant_data.hpp):
// no GDPR code reads the catalog itself, so tables, column types, row identities, foreign keys
// (with all their columns) and the tenancy predicate are the ones purge and keys use.
//
// Reach rules, in order:
//   1. the subject table (`data.subjects.table`) is reached by its key column;
//   2. a mapped table with a `subject:` column is reached by that column alone: the operator
//      said how its rows belong to a person, so discovery does not widen it;
//   3. every other relation of the model (tenant tables and dependents) is reached when it
//      references (foreign key, or a `data.links` entry) a table reached before it. Only
//      child -> parent references count, and only references to tables earlier in the order,
//      so cycles (users <-> teams) terminate;
//   4. `data.exclude` removes a table, or one referencing column, from discovery.
// Every query also applies the model's tenant predicate, so reach never leaves the tenant.
//
// In `tenancy.mode: schema` a schema-isolated tenant has its own model (TenantData::load_schema)
// and the data map's table names are resolved in the tenant's schema (`users` is
// tenant_acme.users), as keys do.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <pqxx/pqxx>

#include "core/config/config.hpp"
#include "core/model/tenant_data.hpp"
#include "core/tenants/lookup.hpp"

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
    const model::Relation* relation = nullptr;  // into DataMap::model
    catalog::TableName name;
    std::vector<std::string> columns;      // attnum order
    std::vector<std::string> primary_key;  // the model's row identity; empty when the table has none
    const config::TableConfig* config = nullptr;  // null: found by discovery, not in the map
    std::optional<std::string> subject_column;    // rule 1 or 2
    std::vector<Reference> references;            // rule 3 (empty when subject_column is set)

    bool is_encrypted(const std::string& column) const;
    // The data map's name of the table ("public.users"; in schema mode the name as written).
    std::string label() const;
};

struct DataMap {
    std::shared_ptr<const model::TenantData> model;
    std::string schema;  // the tenant's schema in schema-per-tenant mode; empty when shared
    std::vector<ReachedTable> reached;  // subject table first, then in reach order

    const ReachedTable& subject_table() const { return reached.front(); }
    const std::string& subject_key() const { return *reached.front().subject_column; }
    const model::Column& key_column() const { return *reached.front().relation->column(subject_key()); }

    // SQL condition selecting the subject's rows of reached[index], written over `alias`.
    // Parameters: $1 = the tenant's tenancy value, $2 = the subject's key value (as text).
    // `gone`: for some reached tables (by index), a table of their rows deleted meanwhile, read
    // as if still there when a path to another table passes through them: a row an erasure's
    // delete made a trigger write (a versions row of the deleted user) is still the subject's.
    using Gone = std::map<std::size_t, std::string>;
    std::string predicate(std::size_t index, const std::string& alias, const Gone& gone = {}) const;
    // `SELECT <columns> FROM <table> <alias> WHERE <predicate>`.
    std::string select(std::size_t index, const std::string& columns, const std::string& alias = "t",
                       const Gone& gone = {}) const;
    std::optional<std::size_t> find(const catalog::TableName& name) const;
    // Where a data map name lives for this tenant (the tenant's schema in schema mode).
    catalog::TableName resolve(const config::QualifiedName& name) const;
    // The data map entry of a relation, if any.
    const config::TableConfig* config_of(const config::DataConfig& data, const catalog::TableName& name) const;
};

// The model of the tenant's data: TenantData::load for a shared tenant, load_schema of its
// schema for a schema-isolated one.
model::TenantData load_model(Context& ctx, pqxx::transaction_base& tx, const tenants::TenantRef& tenant);
std::string tenant_schema(const tenants::TenantRef& tenant);  // empty for a shared tenant

// Builds and validates the map over `model` (schema: see DataMap::schema). Every name the
// config uses must exist: a missing table or column, a mapped table that is not one of the
// tenant's relations, or no data.subjects at all is a UsageError (exit 2) naming the entry.
DataMap load_data_map(Context& ctx, std::shared_ptr<const model::TenantData> model, const std::string& schema = {});
// For one tenant (shared or schema-isolated).
DataMap load_data_map(Context& ctx, pqxx::transaction_base& tx, const tenants::TenantRef& tenant);

// A column the map does not classify (`gdpr lint`, doctor), a reached table that has no erase
// action (column "*"), or an anonymization strategy a column cannot take.
struct LintFinding {
    std::string table;   // schema.name
    std::string column;
    std::string reason;
};
std::vector<LintFinding> lint(const DataMap& map, const config::DataConfig& data);

// The data maps `gdpr lint` and doctor check: the shared model, and in schema mode the model
// of every schema-isolated tenant.
std::vector<DataMap> load_lint_maps(Context& ctx, pqxx::transaction_base& tx);

catalog::TableName to_catalog(const config::QualifiedName& name);

}  // namespace tenantctl::gdpr
