#include "core/model/user_triggers.hpp"

#include <fmt/format.h>

#include "core/citus/cluster.hpp"
#include "core/util/strings.hpp"

namespace tenantctl::model {

std::string regclass_array(pqxx::transaction_base& tx, const std::vector<const Relation*>& relations) {
    std::vector<std::string> items;
    for (const auto* r : relations) items.push_back(tx.quote(r->name.quoted()) + "::regclass");
    return fmt::format("ARRAY[{}]::regclass[]", util::join(items, ", "));
}

// pg_partition_tree gives nothing for a table that is not partitioned: the relations themselves
// come from the array.
std::string relids_of(pqxx::transaction_base& tx, const std::vector<const Relation*>& relations) {
    const std::string array = regclass_array(tx, relations);
    return fmt::format(
        "(SELECT unnest({0}) UNION SELECT p.relid FROM unnest({0}) r(rel), LATERAL pg_partition_tree(r.rel) p)", array);
}

std::string citus_table_sql(bool citus, std::string_view relid) {
    return citus ? fmt::format("EXISTS (SELECT 1 FROM pg_dist_partition d WHERE d.logicalrelid = {})", relid) : "false";
}

std::vector<std::string> UserTriggers::all() const {
    std::vector<std::string> out = quietable;
    out.insert(out.end(), always.begin(), always.end());
    out.insert(out.end(), on_citus.begin(), on_citus.end());
    return out;
}

UserTriggers user_triggers_of(pqxx::transaction_base& tx, const std::vector<const Relation*>& relations, int events) {
    UserTriggers out;
    if (relations.empty()) return out;
    const std::string on_citus = citus_table_sql(citus::installed(tx), "t.tgrelid");
    // Left out: Citus's own, and a `tenant move --online`'s change journal (its triggers
    // record only the moving tenant's changes, in tenantctl's table: portability/journal.hpp).
    // A clone a partition inherits decides too (it may have been altered on its own), but each
    // trigger is named once, where it was made.
    bool any_clone_quietable = false;
    for (const auto& r : tx.exec_params(fmt::format(
             "SELECT format('%I.%I: %I', n.nspname, c.relname, t.tgname), t.tgenabled, t.tgparentid = 0, {} "
             "FROM pg_trigger t JOIN pg_proc f ON f.oid = t.tgfoid JOIN pg_class c ON c.oid = t.tgrelid "
             "JOIN pg_namespace n ON n.oid = c.relnamespace "
             "WHERE t.tgrelid IN {} AND NOT t.tgisinternal AND t.tgenabled IN ('O', 'A') "
             "AND f.proname NOT LIKE 'citus\\_%' AND f.proname NOT LIKE 'tenantctl\\_move\\_%' "
             "AND ($1 = 0 OR (t.tgtype::int & $1) <> 0) ORDER BY 1",
             on_citus, relids_of(tx, relations)), events)) {
        const std::string name = r[0].c_str();
        const bool always = r[1].c_str()[0] == 'A', named = r[2].as<bool>(), sharded = r[3].as<bool>();
        if (!named) {
            any_clone_quietable = any_clone_quietable || (!always && !sharded);
            continue;
        }
        (always ? out.always : sharded ? out.on_citus : out.quietable).push_back(name);
    }
    if (out.quietable.empty() && any_clone_quietable) out.quietable.push_back("(a trigger of a partition)");
    return out;
}

bool may_use_replica_role(pqxx::transaction_base& tx) {
    // Parameterized calls only: libpqxx 6 aborts the whole transaction when a plain exec()
    // fails, and this one may fail by design.
    tx.exec("SAVEPOINT tenantctl_replica_role");
    try {
        tx.exec_params("SELECT set_config('session_replication_role', $1, true)", "replica");
        tx.exec("ROLLBACK TO SAVEPOINT tenantctl_replica_role");
        return true;
    } catch (const pqxx::insufficient_privilege&) {
        tx.exec("ROLLBACK TO SAVEPOINT tenantctl_replica_role");
        return false;
    }
}

}  // namespace tenantctl::model
