// What tenantctl needs to know about a Citus cluster (issue 17, DESIGN section 12): whether the
// database is a Citus coordinator, its nodes, and how each table is placed. Read from Citus's
// own catalog (pg_dist_partition, pg_dist_node); nothing here changes the cluster.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include <pqxx/pqxx>

#include "core/catalog/catalog.hpp"

namespace tenantctl::citus {

// Whether the connected database has the citus extension (it is a coordinator, or a single
// node that will become one).
bool installed(pqxx::transaction_base& tx);

struct Node {
    std::string name;
    int port = 0;
    bool coordinator = false;  // group 0
    bool active = false;
    bool should_have_shards = false;
    std::string address() const { return name + ":" + std::to_string(port); }
};
std::vector<Node> nodes(pqxx::transaction_base& tx);

// Workers that cannot stream shards by logical replication, as "HOST:PORT: why": wal_level is
// not logical, or output_plugin_libraries (PostgreSQL 15.20 and later) does not list citus.
// Citus moves and splits shards that way in the auto and force_logical transfer modes, and on
// such a node it waits for a stream that never starts.
std::vector<std::string> logical_replication_blockers(pqxx::transaction_base& tx);

// How a table is placed in the cluster.
struct Placement {
    // single_shard: a table of a distributed schema (schema-based sharding), one shard that
    // lives with the rest of its schema.
    enum class Kind { local, citus_local, reference, distributed, single_shard };
    Kind kind = Kind::local;
    std::string column;     // the distribution column (distributed only)
    int colocation_id = 0;  // distributed only
    std::string describe() const;  // "distributed by tenant_id (colocation 2)", "reference", ...
};

// Every table Citus knows, by name; a table not in the map is local.
std::map<catalog::TableName, Placement> placements(pqxx::transaction_base& tx);
Placement placement_of(const std::map<catalog::TableName, Placement>& all, const catalog::TableName& t);

// Whether `schema` is a distributed schema (citus_schema_distribute, or created under
// citus.enable_schema_based_sharding): its tables share one shard group on one node.
bool schema_distributed(pqxx::transaction_base& tx, const std::string& schema);

}  // namespace tenantctl::citus
