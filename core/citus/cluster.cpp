#include "core/citus/cluster.hpp"

#include <fmt/format.h>

#include "core/db/connection.hpp"
#include "core/util/strings.hpp"

namespace tenantctl::citus {

bool installed(pqxx::transaction_base& tx) {
    return tx.exec1("SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_extension WHERE extname = 'citus')")[0].as<bool>();
}

std::vector<Node> nodes(pqxx::transaction_base& tx) {
    std::vector<Node> out;
    for (const auto& row : tx.exec("SELECT nodename, nodeport, groupid = 0, isactive, shouldhaveshards "
                                   "FROM pg_dist_node WHERE noderole = 'primary' ORDER BY groupid, nodeid")) {
        Node n;
        n.name = row[0].c_str();
        n.port = row[1].as<int>();
        n.coordinator = row[2].as<bool>();
        n.active = row[3].as<bool>();
        n.should_have_shards = row[4].as<bool>();
        out.push_back(std::move(n));
    }
    return out;
}

std::vector<std::string> logical_replication_blockers(pqxx::transaction_base& tx) {
    std::vector<std::string> out;
    for (const auto& row : tx.exec(
             "SELECT nodename || ':' || nodeport, success, result FROM run_command_on_workers("
             "  $$SELECT current_setting('wal_level') || '|' || "
             "           coalesce(current_setting('output_plugin_libraries', true), '-')$$)")) {
        const std::string node = row[0].c_str();
        const std::string result = row[2].c_str();
        if (!row[1].as<bool>()) {
            out.push_back(node + ": cannot be asked (" + result + ")");
            continue;
        }
        const auto bar = result.find('|');
        const std::string wal_level = result.substr(0, bar);
        const std::string plugins = bar == std::string::npos ? "-" : result.substr(bar + 1);
        if (wal_level != "logical") out.push_back(fmt::format("{}: wal_level is {}, not logical", node, wal_level));
        if (plugins == "-") continue;  // a release without the setting lets every plugin in
        bool listed = false;
        for (const auto& raw : util::split(plugins, ',')) {
            std::string item(util::trim(raw));
            if (item.size() >= 2 && item.front() == '"') item = item.substr(1, item.size() - 2);
            listed = listed || item == "citus";
        }
        if (!listed)
            out.push_back(fmt::format("{}: output_plugin_libraries is '{}', without citus", node, plugins));
    }
    return out;
}

std::string Placement::describe() const {
    switch (kind) {
    case Kind::local: return "local on the coordinator";
    case Kind::citus_local: return "a Citus local table on the coordinator";
    case Kind::reference: return "a reference table";
    case Kind::single_shard:
        return colocation_id == 0 ? "a distributed schema"
                                  : fmt::format("a table of a distributed schema (colocation group {})", colocation_id);
    case Kind::distributed:
        return colocation_id == 0 ? fmt::format("distributed by {}", column)
                                  : fmt::format("distributed by {} (colocation group {})", column, colocation_id);
    }
    return "?";
}

std::map<catalog::TableName, Placement> placements(pqxx::transaction_base& tx) {
    std::map<catalog::TableName, Placement> out;
    // Partitions of a distributed table are listed too; callers look up the tables they model.
    for (const auto& row : tx.exec("SELECT n.nspname, c.relname, p.partmethod, p.repmodel, p.colocationid, "
                                   "       CASE WHEN p.partmethod = 'h' "
                                   "            THEN column_to_column_name(p.logicalrelid, p.partkey) END "
                                   "FROM pg_dist_partition p JOIN pg_class c ON c.oid = p.logicalrelid "
                                   "JOIN pg_namespace n ON n.oid = c.relnamespace")) {
        Placement p;
        const std::string method = row[2].c_str();
        const std::string model = row[3].c_str();
        if (method == "h") {
            p.kind = Placement::Kind::distributed;
            p.column = row[5].c_str();
            p.colocation_id = row[4].as<int>();
        } else if (model == "t") {
            p.kind = Placement::Kind::reference;
        } else if (row[4].as<int>() != 0) {  // Citus local tables have no colocation group
            p.kind = Placement::Kind::single_shard;
            p.colocation_id = row[4].as<int>();
        } else {
            p.kind = Placement::Kind::citus_local;
        }
        out[catalog::TableName{row[0].c_str(), row[1].c_str()}] = p;
    }
    return out;
}

Placement placement_of(const std::map<catalog::TableName, Placement>& all, const catalog::TableName& t) {
    auto it = all.find(t);
    return it == all.end() ? Placement{} : it->second;
}

bool schema_distributed(pqxx::transaction_base& tx, const std::string& schema) {
    return tx.exec_params1("SELECT EXISTS (SELECT 1 FROM pg_dist_schema WHERE schemaid = to_regnamespace($1))",
                           db::quote_ident(schema))[0]
        .as<bool>();
}

}  // namespace tenantctl::citus
