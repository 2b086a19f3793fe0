// What the app's schema looks like, read from the PostgreSQL catalog: which tables are
// tenant-scoped (they carry the tenancy column), their primary keys, and the foreign keys
// between them. Purge, GDPR erase/export and re-encryption all work from this one view, so
// a table nobody declared is still found (research: tenant deletion orphaning tables).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <pqxx/pqxx>

namespace tenantctl::catalog {

struct TableName {
    std::string schema;
    std::string name;
    std::string quoted() const;   // "schema"."name", safe to paste into SQL
    std::string display() const;  // schema.name, for messages and output
    bool operator==(const TableName&) const = default;
    auto operator<=>(const TableName&) const = default;
};

struct Table {
    TableName name;
    std::vector<std::string> primary_key;  // column names in key order; empty when none
    bool has_tenancy_column = false;
    bool rls_enabled = false;
    bool rls_forced = false;
};

struct ForeignKey {
    std::string constraint;
    TableName child;
    std::vector<std::string> child_columns;
    TableName parent;
    std::vector<std::string> parent_columns;
    bool deferrable = false;
    bool initially_deferred = false;
    // The cycle can be broken by nulling this key: its referencing columns other than the
    // tenancy column (`nullify_columns`) exist and may all be NULL. With MATCH SIMPLE one NULL
    // column is enough for the row to reference nothing.
    bool child_columns_nullable = false;
    std::vector<std::string> nullify_columns;
    char on_delete = 'a';                 // pg_constraint.confdeltype: a, r, c (cascade), n (set null), d
};

// Every ordinary or partitioned (not partition) table with the tenancy column, outside the
// system schemas and the platform schema; `only_schema` restricts to one schema.
std::vector<Table> tenant_tables(pqxx::transaction_base& tx, std::string_view tenancy_column,
                                 std::string_view platform_schema,
                                 std::optional<std::string_view> only_schema = std::nullopt);

// One table (any table), or nullopt when it does not exist.
std::optional<Table> find_table(pqxx::transaction_base& tx, const TableName& name, std::string_view tenancy_column);

// Column names of a table in attnum order.
std::vector<std::string> columns(pqxx::transaction_base& tx, const TableName& name);

// Foreign keys whose parent or child is one of `tables`.
std::vector<ForeignKey> foreign_keys(pqxx::transaction_base& tx, const std::vector<Table>& tables);

// Order in which to delete a tenant's rows so that children go before parents.
struct DeleteOrder {
    std::vector<TableName> tables;  // delete in this order
    // Foreign keys inside a cycle (or self-references) that must be neutralised first, in
    // the same transaction: deferrable ones are deferred, the others have their nullable
    // referencing columns set to NULL for the tenant's rows.
    std::vector<ForeignKey> broken;
    // Tables that reference themselves through a NOT NULL, non-deferrable key (roots point at
    // themselves): their rows of a tenant must go in ONE statement, which the key checks only
    // at its end, never in batches.
    std::vector<TableName> single_statement;
};

// Pure: children before parents over the FKs among `tables`. Cycles are broken at a
// deferrable FK, else at one whose referencing columns are nullable; a cycle with neither
// throws Refused naming its tables. A self-reference with neither makes the table
// single_statement.
DeleteOrder delete_order(const std::vector<TableName>& tables, const std::vector<ForeignKey>& fks);

}  // namespace tenantctl::catalog
