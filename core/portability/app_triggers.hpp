// The app's triggers stay quiet while a copy, a move or a restore writes a tenant's rows into
// tables every tenant shares. Those rows already hold what the triggers wrote where they came
// from; firing again would do the app's side effects a second time: an outbox row (an email to
// every user of the tenant), a counter bumped, a history row written twice, a soft-delete trigger
// that turns restore's DELETE into an UPDATE. `tenant move --online` gets this from logical
// replication, whose apply worker runs as a replica; the other paths now do the same.
//
// How: `SET LOCAL session_replication_role = replica` around the writes, in the caller's
// transaction only. No lock is taken and no other session is affected (ALTER TABLE ... DISABLE
// TRIGGER, as triggers_off.hpp does for a tenant's own new schema, would lock a shared table
// against every tenant's writes until the commit). Triggers the app made ENABLE ALWAYS still fire,
// as they would on a replica, with a warning; ENABLE REPLICA ones fire too, as they do for the
// online move.
//
// The server's foreign-key checks are triggers as well, and a replica skips them, so finish()
// makes them itself: every foreign key out of a written table (and, after deletes, into one) is
// checked with an anti-join (check_foreign_keys below), and a reference that does not hold
// refuses the whole transaction. Nothing is given up: the same keys are checked, by a query that
// the replica role cannot switch off.
//
// When nothing would fire (no user trigger, or only ALWAYS ones), nothing changes: the writes
// run as before with the server's own checks. The role needs the right to set the parameter (a
// superuser, or `GRANT SET ON PARAMETER session_replication_role` on PostgreSQL 15); without it
// the command is refused before anything is committed, and `--fire-triggers` is the operator's way
// to let the triggers run instead. Citus runs a distributed table's triggers on its shards, out
// of reach of this session's setting: a trigger there is refused the same way.
#pragma once

#include <string>
#include <vector>

#include <pqxx/pqxx>

#include "core/model/tenant_data.hpp"

namespace tenantctl::portability {

class AppTriggersQuiet {
public:
    // `written`: the relations of `model` (the destination's) that receive rows. `fire`: the
    // operator asked for the triggers to run (--fire-triggers): nothing is changed. Warnings
    // (ALWAYS triggers) are appended to `warnings`. Call before the first row is written.
    AppTriggersQuiet(pqxx::transaction_base& tx, const model::TenantData& model,
                     const std::vector<const model::Relation*>& written, bool fire, std::vector<std::string>& warnings);

    // After the last row: triggers as usual again for the rest of the transaction, and the
    // foreign keys checked over the tenant's rows (`tenancy_value`). `deleted`: rows of the
    // written tables were deleted too (restore --mode replace), so keys from other tables into
    // them are checked as well. Refused, naming the key and `where` ("at --to staging"), when
    // one does not hold.
    void finish(const std::string& tenancy_value, bool deleted, const std::string& where);

    // How many of the app's triggers were kept from firing (0: the writes ran as usual).
    int quieted() const { return static_cast<int>(m_quieted.size()); }

private:
    pqxx::transaction_base& m_tx;
    const model::TenantData& m_model;
    std::vector<const model::Relation*> m_written;
    std::vector<std::string> m_quieted;  // "schema.table: trigger"
};

// Which foreign keys check_foreign_keys checks.
enum class KeysChecked {
    out_of,             // those of the tables (their rows reference others)
    out_of_and_into,    // and those of other tables into them (rows of them were deleted)
    // Those of the tables into tables outside the tenant's data (shared reference data): what
    // rows equal to the source's can still miss at the destination. For the rows a logical
    // replication stream wrote (move --online): its apply worker is a replica too.
    out_of_to_outside,
    // Those of the tables into the tenant's own tables: rows equal to the source's can still
    // reference a row of another tenant there, which no copy takes (an app's cross-tenant link).
    out_of_to_inside,
    // Those of the tables into the same tables (into the rows a stream brought, not yet into
    // the rows the copy writes at the switch).
    among,
    // Those among the tables, each reference required to find a row of the tenant: what a copy
    // of the tenant can take. Read at the source, before anything is written or frozen.
    within_tenant,
};

// The checks the server skips for a replica, made by query: each foreign key's anti-join over
// the referencing table's rows of the tenant for a key out of `tables`, and over the whole
// referencing table for a key into them (a row whose parent is gone belongs to no tenant any
// more), or whose table is outside `model`. A key out of `tables` into the tenant's own tables
// must find a row of the tenant, not merely a row: another tenant's row is never copied with
// it, and at a destination a row with the same key can be someone else's. Refused, naming the
// key and `where`, when one does not hold. A Citus table's keys are left to Citus, which checks
// them on the shards.
// `new_since_xmin` (a transaction id, as text): for keys among `tables`, only the rows written
// since it are read, those whose row version's xmin is not older (the others were checked by a
// snapshot whose xmin it is, and a row changed since has a new version).
void check_foreign_keys(pqxx::transaction_base& tx, const model::TenantData& model,
                        const std::vector<const model::Relation*>& tables, const std::string& tenancy_value,
                        KeysChecked which, const std::string& where, const std::string& new_since_xmin = {});

}  // namespace tenantctl::portability
