// The user triggers of some tables, off inside the caller's transaction while rows that already
// hold what those triggers wrote arrive (a copy into a tenant's new schema, a restore of a
// tenant's own schema from a backup), then back as each was: ENABLE, ENABLE REPLICA or ENABLE
// ALWAYS. ALTER TABLE ... DISABLE TRIGGER locks each table against writes until the commit, so
// no other session ever writes to it with its triggers off. Internal triggers (foreign keys)
// stay on, and so do the ones Citus adds to its tables and those of a `tenant move --online`'s
// change journal (journal.hpp), which must see every change of the moving tenant's rows.
#pragma once

#include <string>
#include <vector>

#include <pqxx/pqxx>

namespace tenantctl::portability {

class UserTriggersOff {
public:
    // `tables`: schema-qualified, quoted names (partitions included by the caller: a trigger a
    // partition inherits is turned off on the partition itself too).
    UserTriggersOff(pqxx::transaction_base& tx, const std::vector<std::string>& tables);
    // Before the commit: every trigger turned off back as it was. Returns how many.
    int restore();

private:
    struct Trigger {
        std::string table;
        std::string name;
        char enabled;  // pg_trigger.tgenabled: O, R or A
    };
    pqxx::transaction_base& m_tx;
    std::vector<Trigger> m_off;
};

}  // namespace tenantctl::portability
