// One tenant's rows of the app's tables, read in a snapshot on one connection and written on
// another (tenant copy, tenant restore-from): parents before children, streamed with COPY,
// each column as a RowTransform makes it. Foreign-key cycles are handled as purge handles
// them, the other way round: deferrable keys are deferred, a nullable key that is not is
// written as NULL and set once every table is in.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <pqxx/pqxx>

#include "core/model/tenant_data.hpp"
#include "core/portability/compare.hpp"
#include "core/portability/row_transform.hpp"

namespace tenantctl::portability {

// Why the destination cannot take the source's rows as they are, one line per problem: a
// table or column it lacks, a column typed differently, a NOT NULL column without default
// only it has.
std::vector<std::string> schema_problems(const std::vector<RelationPair>& pairs);

struct RowsCopy {
    const model::TenantData& data;  // the source's model: tables, predicates, delete order
    const RowTransform& transform;
    std::string source_literal;  // the tenant's tenancy value at the source, as a quoted SQL literal
    std::string dest_value;      // its tenancy value at the destination
    // Which relations to copy (all when empty).
    std::function<bool(const model::Relation&)> selected;
    // Called after each relation (progress, failpoints).
    std::function<void(const model::Relation&)> after_each;
    // A schema-per-tenant model's schema at the destination, when it is not the source's (a
    // copy under --as has its own slug, so its own schema); empty: each table's rows go to the
    // table of the same name.
    std::string dest_schema;
};

// One relation as it was written: its columns in the order they were sent (generated ones
// are computed again by the destination and not sent), and the fingerprint of the lines
// sent, to compare with what the destination holds. No fingerprint where a column of a
// foreign-key cycle was sent as NULL and set afterwards: the lines are not the final rows.
struct SentRelation {
    const model::Relation* relation;
    std::vector<std::string> columns;
    std::optional<Fingerprint> sent;
    bool binary;  // sent in COPY's binary format, and fingerprinted over it
};

// Writes the rows, then checks every deferred key (SET CONSTRAINTS ALL IMMEDIATE): a key that
// does not hold fails here, inside the caller's transaction, not at its commit.
std::vector<SentRelation> copy_tenant_rows(pqxx::transaction_base& src, pqxx::transaction_base& dst,
                                           const RowsCopy& copy);

// The tenant's rows of one relation that `range` (a condition over alias `t`) selects, written
// as copy_tenant_rows writes them, in the caller's transaction at the destination. Only for a
// relation outside every foreign-key cycle: no key is sent as NULL to be set later.
SentRelation copy_rows_in_range(pqxx::transaction_base& src, pqxx::transaction_base& dst, const RowsCopy& copy,
                               const model::Relation& r, const std::string& range);

// The destination's rows of the tenant in `target`, fingerprinted the way `sent` was: over
// the same columns, in the same format.
Fingerprint fingerprint_as_sent(pqxx::transaction_base& dst, const model::TenantData& theirs, const model::Relation& target,
                                const SentRelation& sent, const std::string& tenancy_value);

// Deletes the tenant's rows of the relations in `chosen` (by relation_key), children first, in
// the caller's transaction; a key of a cycle that cannot be deferred is set NULL first, as
// purge does. Returns the rows deleted per relation.
std::map<std::string, long long> delete_tenant_rows(pqxx::transaction_base& tx, const model::TenantData& data,
                                                    const std::set<std::string>& chosen, const std::string& value);

// Sequences behind serial and identity columns move past the ids that arrived, so the app's
// next insert does not collide with a written row. setval is not transactional: call it only
// when the transaction is about to commit (never in a dry run).
void advance_sequences(pqxx::transaction_base& dst, const model::Relation& r);

}  // namespace tenantctl::portability
