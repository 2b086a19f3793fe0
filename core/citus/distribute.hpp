// Placing tables on a Citus cluster (issue 17): the platform's tables at `tenantctl init`, the
// app's tenant tables at `tenantctl citus distribute`.
//
// The rule is DESIGN section 12's: every table that holds one tenant's rows is distributed by
// its tenancy column, and all of them in one colocation group, so one tenant's rows of every
// table sit on one node (single-tenant work is a router query, and `tenant place` moves the
// tenant whole). Tables shared by all tenants (the tenants tables, the migration ledger, jobs,
// signing keys) become reference tables: a copy on every node, so foreign keys to them work.
// The app's tables are colocated with the platform's when their tenancy column is a uuid, so
// a tenant's keys and audit trail travel with its data.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <pqxx/pqxx>

#include "core/catalog/catalog.hpp"
#include "core/citus/cluster.hpp"

namespace tenantctl {
class Context;
namespace model {
class TenantData;
}
}  // namespace tenantctl

namespace tenantctl::citus {

struct Step {
    catalog::TableName table;
    Placement target;  // reference, or distributed by target.column
    // Distributed: the table whose colocation group it joins; nullopt starts a new group.
    std::optional<catalog::TableName> colocate_with;
    std::string reason;                 // why this placement, for the plan's output
    std::vector<std::string> before;    // SQL run first, in the same transaction
    bool done = false;                  // already placed so: nothing to do
};

// A foreign key from or to a table being placed. Citus cannot place a table while a local
// table holds a key to or from it (a key to a new reference table even turns the local table
// into a "Citus local table", which may then point at no distributed table), and a cycle of
// keys has no order at all. So every such key is dropped, all tables are placed, and the keys
// are added back (validated again), in one transaction: a kill in between loses nothing.
struct DetachedKey {
    catalog::TableName table;
    std::string constraint;
    std::string definition;  // pg_get_constraintdef(): "FOREIGN KEY (...) REFERENCES ..."
};

struct Plan {
    std::vector<Step> steps;             // in the order they must run: parents first
    std::vector<std::string> problems;   // each stops the whole plan; nothing is changed
    std::vector<DetachedKey> detached_keys;  // non-empty: apply runs every step in one transaction
    std::size_t pending() const;
};

// The platform schema's tables. `present` are the placements read from the cluster.
Plan platform_plan(pqxx::transaction_base& tx, const std::string& schema,
                   const std::map<catalog::TableName, Placement>& present);

// The app's tables of the data model: its tenants table a reference table, every tenant table
// distributed by its tenancy column. A dependent without the tenancy column, a unique key or a
// foreign key that leaves the tenancy column out, is a problem (Citus refuses them).
Plan app_plan(pqxx::transaction_base& tx, const model::TenantData& data, const std::string& platform_schema,
              const std::map<catalog::TableName, Placement>& present);

// Runs the steps not done, each in its own transaction (create_distributed_table copies a
// table's rows into its shards, and a failure leaves the tables before it placed: a re-run
// continues), or all in one when the plan detaches foreign keys. Calls `on_step` after each step
// has committed. Throws Refused when the plan has problems.
void apply(pqxx::connection& conn, const Plan& plan, const std::function<void(const Step&)>& on_step);

// `tenantctl init` on a Citus coordinator: the platform plan, applied (dry run: the steps it
// would take).
std::vector<Step> distribute_platform(Context& ctx);

// `tenantctl citus distribute`: the app's plan under the "citus" advisory lock, applied (dry
// run: planned only), with an audit event listing what was placed. Refused on a database
// without Citus, or before the platform tables are placed (`tenantctl init` first, so the
// app's uuid tables can join their colocation group).
struct AppDistribution {
    Plan plan;
    std::vector<Step> placed;
};
AppDistribution distribute_app(Context& ctx);

}  // namespace tenantctl::citus
