// The app's own triggers on some tables, by whether a session can keep them from firing.
//
// A session with `session_replication_role = replica` (what logical replication's apply worker
// runs as) does not fire triggers enabled the ordinary way (ENABLE, pg_trigger.tgenabled 'O').
// Writes that must not look like the app's own (a copied or restored row, a re-encrypted value:
// the row already holds what the triggers wrote) run that way. Three kinds stay out of reach:
// ENABLE ALWAYS triggers fire anyway, and so does every trigger of a Citus table, which Citus
// runs on the shards, on other sessions. The internal triggers of foreign keys are not listed
// here; a replica skips them too, and whoever turns the role on checks the keys itself.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <pqxx/pqxx>

#include "core/model/tenant_data.hpp"

namespace tenantctl::model {

struct UserTriggers {
    std::vector<std::string> quietable;  // "schema.table: trigger", ENABLE: a replica does not fire them
    std::vector<std::string> always;     // ENABLE ALWAYS
    std::vector<std::string> on_citus;   // of Citus tables

    std::vector<std::string> all() const;  // every one: what fires in an ordinary session
};

// The events a trigger fires on (pg_trigger.tgtype bits), for user_triggers_of's `events`.
inline constexpr int kOnInsert = 1 << 2, kOnDelete = 1 << 3, kOnUpdate = 1 << 4;

// The user triggers of `relations` and of every partition of them (named once each, where they
// were made; Citus's own triggers left out); with `events`, only those firing on one of them.
UserTriggers user_triggers_of(pqxx::transaction_base& tx, const std::vector<const Relation*>& relations,
                              int events = 0);

// Whether this session's role may set session_replication_role (a superuser, or GRANT SET ON
// PARAMETER on PostgreSQL 15). Leaves the setting as it was; `tx` stays usable either way.
bool may_use_replica_role(pqxx::transaction_base& tx);

// The relations and all their partitions at every level, as an SQL subquery of oids.
std::string relids_of(pqxx::transaction_base& tx, const std::vector<const Relation*>& relations);

// `ARRAY['"public"."users"'::regclass, ...]::regclass[]`.
std::string regclass_array(pqxx::transaction_base& tx, const std::vector<const Relation*>& relations);

// An SQL condition: the relation of oid expression `relid` is a Citus table, whose triggers and
// foreign keys live on its shards ("false" when `citus` is not installed).
std::string citus_table_sql(bool citus, std::string_view relid);

}  // namespace tenantctl::model
