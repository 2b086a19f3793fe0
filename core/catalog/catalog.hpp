// Names, foreign keys and the delete order of an app's tables. Reading them from the catalog
// is the tenant data model's job (core/model/tenant_data.hpp): purge, GDPR, keys and show all
// take their tables from there.
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
