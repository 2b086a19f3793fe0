// The one model of a tenant's data (DESIGN section 13; issue "one model of a tenant's data").
//
// Read from the catalog once per command, it knows every relation that holds tenant rows:
//   - tenant tables: ordinary and partitioned tables (not their partitions) that carry the
//     tenancy column, in any schema but the platform schema and the system schemas, each with
//     its tenancy column's own SQL type (uuid, bigint, text, varchar(36) ...);
//   - dependents: tables WITHOUT the tenancy column whose rows hang off tenant rows through a
//     cascading (or nulling) foreign key (`comments.post_id -> posts`): their rows belong to
//     the tenant through that parent; with several such keys, a cascading NOT NULL one wins;
//   - the app's own tenants table (`tenancy.tenants_table`), whose key holds the tenancy value.
// For each: columns with their types, generated/identity flags and length limits; the row
// identity (primary key, else a unique key over NOT NULL columns, else none); every foreign key
// with all its columns; and a delete order. Purge, `tenant show`, keys reencrypt/status/verify,
// GDPR export/erase/lint, whole-tenant export and maintain all take their tables, predicates
// and keys from here; none reads the catalog itself.
//
// Rows are addressed by their identity, never by ctid/xmin: those repeat across partitions
// and change under concurrent updates.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <pqxx/pqxx>

#include "core/catalog/catalog.hpp"

namespace tenantctl {
class Context;
}

namespace tenantctl::model {

using catalog::ForeignKey;
using catalog::TableName;

struct Column {
    std::string name;
    std::string type;       // format_type(): "character varying(36)", "bigint", "jsonb", "text[]"
    std::string type_name;  // pg_type.typname of the column's type: "varchar", "int8", "_text"
    char category = 'U';    // pg_type.typcategory: S string, N numeric, D date/time, I network, A array, ...
    int max_length = -1;    // varchar(n)/char(n): n; -1 when unlimited
    bool not_null = false;
    bool has_default = false;
    bool generated = false;  // GENERATED ALWAYS AS (...) STORED: computed, never written
    bool identity_always = false;  // GENERATED ALWAYS AS IDENTITY: writes need OVERRIDING SYSTEM VALUE
};

struct RowIdentity {
    enum class Kind { primary_key, unique_key, none };
    Kind kind = Kind::none;
    std::string constraint;            // index name
    std::vector<std::string> columns;  // in key order
    explicit operator bool() const { return kind != Kind::none; }
};

struct Relation {
    TableName name;
    bool partitioned = false;
    std::vector<TableName> partitions;   // leaf partitions (for reports and isolation checks)
    std::vector<Column> columns;         // attnum order
    std::optional<std::string> tenancy_column;  // nullopt: a dependent reached through `via`
    RowIdentity identity;
    bool rls_enabled = false;
    bool rls_forced = false;
    bool is_tenants_table = false;
    std::string owner;
    // Dependents: the foreign key (index into TenantData::foreign_keys()) from this table to the
    // tenant table (or dependent) its rows hang off.
    std::optional<std::size_t> via;

    const Column* column(std::string_view name) const;
    const Column& tenancy() const;  // only for tenant tables
    std::string display() const { return name.display(); }
};

class TenantData {
public:
    // The shared-mode model: tenant tables of every app schema (schemas of schema-isolated
    // tenants excluded: those are dropped whole), their dependents, and the tenants table.
    static TenantData load(Context& ctx, pqxx::transaction_base& tx);
    // The model of one schema-per-tenant schema: every table in it belongs to the tenant,
    // with or without a tenancy column.
    static TenantData load_schema(Context& ctx, pqxx::transaction_base& tx, const std::string& schema);

    const std::vector<Relation>& relations() const { return m_relations; }  // tenant tables, then dependents
    const std::vector<ForeignKey>& foreign_keys() const { return m_fks; }
    const Relation* find(const TableName& name) const;
    const Relation& get(const TableName& name) const;  // UsageError naming the table when unknown
    const Relation* tenants_table() const;
    const std::string& tenancy_column() const { return m_tenancy_column; }
    // A schema-per-tenant model: every row of every relation is the tenant's.
    bool whole_schema() const { return m_whole_schema; }

    // SQL condition over `alias` selecting the tenant's rows of `r`, with the tenancy value as
    // parameter $`param` cast to the column's own type (`t."tenant_id" = $1::bigint`); for a
    // dependent, through the chain of parents (`EXISTS (SELECT 1 FROM parent ...)`); for the
    // tenants table, its key column. "true" in a schema-per-tenant model.
    std::string tenant_predicate(const Relation& r, std::string_view alias, int param) const;

    // Children before parents over every foreign key among the relations; cycles broken at a
    // deferrable key, else at one whose non-tenancy referencing columns are nullable. A cycle
    // with neither is Refused naming its tables. The tenants table comes last.
    catalog::DeleteOrder delete_order() const;

    // Foreign keys from a table outside the model into one of its relations that neither
    // cascade nor set null: their rows could block deletes and cannot be scoped to a tenant.
    std::vector<ForeignKey> blocking_references() const;

private:
    std::vector<Relation> m_relations;
    std::vector<ForeignKey> m_fks;           // among relations of the model
    std::vector<ForeignKey> m_outside_fks;   // from outside tables into the model
    std::string m_tenancy_column;
    bool m_whole_schema = false;
};

// "(a, b)" or "a": a column list over `alias` for row comparisons.
std::string column_tuple(const std::vector<std::string>& columns, std::string_view alias = {});
// `$n::type` placeholders for a key, in key order: "($2::bigint, $3::text)".
std::string typed_placeholders(const Relation& r, const std::vector<std::string>& columns, int first_param);

}  // namespace tenantctl::model
