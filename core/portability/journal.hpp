// The move's change journal (`tenant move --online`): what the switch's verification needs
// to know about the tenant's rows since the comparison made while streaming (DiffBaseline),
// so that it reads only the rows written since instead of counting every row on both sides.
//
// On each side, for every streamed relation whose row identity can be journaled, three row
// triggers, enabled ALWAYS (so they fire for logical replication's apply worker at the
// destination, and for a session that set session_replication_role = replica here), with a
// WHEN clause on the tenant's tenancy value (other tenants' writes do not call them):
//   - after an INSERT of one of the tenant's rows: its identity (jsonb: column -> value);
//   - after an UPDATE of a row that was or becomes the tenant's, or a DELETE of one: a mark.
// Each entry is written by the transaction that wrote the row, so it is visible exactly when
// the change is. The comparison made while streaming deletes, in its own snapshot, every
// entry it sees: what is left at the switch is what changed since, and nothing else.
//
// What does not fire a row trigger changes the relation's storage instead (TRUNCATE, a table
// rewrite), which the baseline checks; a trigger turned off, dropped, or altered in any way
// since the comparison changes its pg_trigger row, which state() reads: either makes the
// switch read the relation whole, as it does without a journal.
//
// The journal is a table in the platform schema named after the tenant's stream, a trigger
// function there per journaled relation (each builds its relation's key from NEW's own
// columns: measured, 6–9 µs added to an insert, against 15 µs for one function reading
// the key's column names from its arguments), and the triggers, all of which exist only while
// the tenant moves. A run killed in between leaves them; the next run of the move (or
// `--abort`) takes them down.
#pragma once

#include <string>

#include <pqxx/pqxx>

#include "core/model/tenant_data.hpp"

namespace tenantctl {
class Context;
}

namespace tenantctl::portability::journal {

struct Journal {
    std::string stream;  // the stream's name, which every name of the journal starts with
    std::string schema;  // the platform schema, unquoted
    std::string table;   // quoted, schema-qualified
};

Journal of(Context& ctx, const std::string& stream_name);

// Whether `r` can be journaled: streamed, with a row identity whose columns' values survive a
// trip through jsonb unchanged (numbers, strings, dates and times, booleans, enums, uuids).
bool journalable(const model::Relation& r);

// Makes the journal on one side and the triggers on each journalable relation of `data`, one
// relation at a time with a short lock_timeout (CREATE TRIGGER holds writes to the table until
// it commits), retried: a relation whose table stays busy is left out and read whole at the
// switch. Returns how many relations it journals. `value` is the tenant's tenancy value.
int install(Context& ctx, pqxx::connection& c, const Journal& j, const model::TenantData& data, const std::string& value);

// The triggers stop writing (their functions are replaced by ones that do nothing; no table
// lock).
void silence(pqxx::connection& c, const Journal& j);

// Drops the triggers (DROP TRIGGER locks each table, briefly, so each is tried with a short
// lock_timeout and retried), then the function and the table. Returns false when a table
// stayed busy: the silenced triggers and the rest stay, and a later run drops them.
bool remove(pqxx::connection& c, const Journal& j);

// Whether the journal's table exists on this side.
bool exists_in(pqxx::transaction_base& tx, const Journal& j);

// The journal's triggers on `r` and its partitions and their function, as they are now (oid,
// row version and state of each): empty unless all three are there on each, enabled ALWAYS.
std::string state(pqxx::transaction_base& tx, const Journal& j, const model::Relation& r);

// In a comparison's snapshot: deletes the entries it sees (their changes are in it).
void forget_seen(pqxx::transaction_base& tx, const Journal& j);

// The entries of `r` (those left since forget_seen).
struct Changes {
    long long inserted = 0;
    long long other = 0;  // updates and deletes
};
Changes changes(pqxx::transaction_base& tx, const Journal& j, const model::Relation& r);

// SQL condition over alias `t`: the row's identity is one journaled as inserted into `r`.
std::string inserted(pqxx::transaction_base& tx, const Journal& j, const model::Relation& r);

}  // namespace tenantctl::portability::journal
