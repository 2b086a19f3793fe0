// Where one tenant lives on a Citus cluster, and moving it (issue 17): `tenant isolate` gives
// the tenant shards of its own, `tenant place` moves them to a node, `tenant show` and `tenant
// list --by-node` say where it is, `tenant top` who is busy.
//
// A tenant's rows sit in one shard per colocation group: the platform's group (hashed by its
// id, core/citus/distribute.hpp) holds its keys and audit trail and the app's uuid tables; an
// app whose tenancy column is a bigint or text has a group of its own, hashed by the tenant's
// tenancy value. Every command here works on all of the tenant's groups.
#pragma once

#include <map>
#include <string>
#include <vector>

#include <pqxx/pqxx>

#include "core/catalog/catalog.hpp"

namespace tenantctl {
class Context;
namespace tenants {
struct TenantRef;
}
}  // namespace tenantctl

namespace tenantctl::citus {

struct TenantShard {
    catalog::TableName anchor;  // the group's first table
    std::string value;          // the tenant's distribution value in this group
    std::string value_type;     // its SQL type: "uuid", "bigint"
    int colocation_id = 0;
    long long shard_id = 0;  // the anchor's shard holding the value
    std::string node_name;
    int node_port = 0;
    bool isolated = false;  // the shard's hash range is this one value's hash
    long long bytes = -1;   // every table's shard of the group in that range (-1: not measured)
    std::string node() const { return node_name + ":" + std::to_string(node_port); }
};

// Refused (exit 5) on a database without Citus, naming what needed it.
void require_citus(pqxx::transaction_base& tx, const std::string& what);

// The tenant's shard in each of its colocation groups. `with_sizes` asks every worker for the
// shard sizes (citus_shard_sizes): one round trip per node.
std::vector<TenantShard> shards_of(Context& ctx, pqxx::transaction_base& tx, const tenants::TenantRef& tenant,
                                   bool with_sizes);

struct PlacementResult {
    std::vector<TenantShard> before;
    std::vector<TenantShard> after;  // read back once the work is done (dry run: empty)
    std::size_t changed = 0;         // groups isolated or moved by this run
};

// How Citus copies a shard: "auto" (logical replication; writes go on), "force_logical",
// "block_writes" (writes wait for the copy). UsageError for anything else.
void check_transfer_mode(const std::string& mode);

// Isolates the tenant in every group (isolate_tenant_to_new_shard ... CASCADE), skipping the
// groups where it already is: a re-run after a kill finishes the work. Under the tenant's lock,
// audited; refused for a moving, moved or purged tenant. Afterwards every group is read back
// and must be isolated.
PlacementResult isolate(Context& ctx, const std::string& slug, const std::string& transfer_mode);

// Moves the tenant's shard of every group to `node` ("HOST:PORT", an active node of the
// cluster) with citus_move_shard_placement, skipping groups already there. A shard that is not
// isolated carries other tenants with it: refused unless `whole_shard`. Read back afterwards.
PlacementResult place(Context& ctx, const std::string& slug, const std::string& node, const std::string& transfer_mode,
                      bool whole_shard);

struct TenantLoad {
    std::string slug;  // "" when no tenant has the value (a row of some other table's group)
    std::string value;
    long long queries_this_period = 0;
    long long queries_last_period = 0;
    long long reads_this_period = 0;
    double cpu_this_period = 0;  // seconds
    double cpu_last_period = 0;
};
// The busiest tenants by CPU (this period, then the last) from citus_stat_tenants. Refused when
// tracking is off (citus.stat_tenants_track = 'none'), with the setting that turns it on.
std::vector<TenantLoad> top(Context& ctx, std::size_t limit);

// The node of each tenant's shard in the platform's group, by tenant id (`tenant list --by-node`).
std::map<std::string, std::string> node_by_tenant(pqxx::transaction_base& tx, const std::string& schema);

}  // namespace tenantctl::citus
