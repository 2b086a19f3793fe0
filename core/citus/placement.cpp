#include "core/citus/placement.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <optional>
#include <set>

#include "core/audit/append.hpp"
#include "core/citus/cluster.hpp"
#include "core/context.hpp"
#include "core/db/connection.hpp"
#include "core/errors.hpp"
#include "core/model/tenant_data.hpp"
#include "core/tenants/lookup.hpp"
#include "core/tenants/model.hpp"
#include "core/tenants/moving.hpp"
#include "core/util/slug.hpp"
#include "core/util/strings.hpp"

namespace tenantctl::citus {

namespace {

using catalog::TableName;

// The platform's colocation group is anchored at its first distributed table.
TableName platform_anchor(const std::string& schema) { return TableName{schema, "tenant_keys"}; }

// Reads the shard of `value` in the group anchored at `anchor`. The value is cast to the
// distribution column's own type, so "01" finds the shard of the bigint 1.
void locate(pqxx::transaction_base& tx, TenantShard& s, bool with_sizes) {
    const auto row = tx.exec_params1(
        fmt::format("SELECT s.shardid, n.nodename, n.nodeport, s.shardminvalue = s.shardmaxvalue, p.colocationid, "
                    "       s.shardminvalue "
                    "FROM pg_dist_shard s JOIN pg_dist_placement pl USING (shardid) "
                    "JOIN pg_dist_node n ON n.groupid = pl.groupid "
                    "JOIN pg_dist_partition p ON p.logicalrelid = s.logicalrelid "
                    "WHERE s.shardid = get_shard_id_for_distribution_column($1::regclass, $2::{}) "
                    "AND n.noderole = 'primary'",
                    s.value_type),
        s.anchor.quoted(), s.value);
    s.shard_id = row[0].as<long long>();
    s.node_name = row[1].c_str();
    s.node_port = row[2].as<int>();
    s.isolated = row[3].as<bool>();
    s.colocation_id = row[4].as<int>();
    if (with_sizes)
        s.bytes = tx.exec_params1("SELECT coalesce(sum(c.shard_size), 0)::bigint FROM citus_shards c "
                                  "JOIN pg_dist_shard x ON x.shardid = c.shardid "
                                  "WHERE c.colocation_id = $1 AND x.shardminvalue = $2",
                                  s.colocation_id, row[5].c_str())[0]
                      .as<long long>();
}

// A schema-isolated tenant's group: the tables of its distributed schema, one shard each on
// one node. nullopt when the schema has no table yet (nothing lives anywhere).
std::optional<TenantShard> locate_schema(pqxx::transaction_base& tx, const std::string& schema, bool with_sizes) {
    const auto rows = tx.exec_params(
        "SELECT s.shardid, n.nodename, n.nodeport, p.colocationid, c.relname "
        "FROM pg_dist_schema ds JOIN pg_class c ON c.relnamespace = ds.schemaid "
        "JOIN pg_dist_partition p ON p.logicalrelid = c.oid JOIN pg_dist_shard s ON s.logicalrelid = c.oid "
        "JOIN pg_dist_placement pl ON pl.shardid = s.shardid "
        "JOIN pg_dist_node n ON n.groupid = pl.groupid AND n.noderole = 'primary' "
        "WHERE ds.schemaid = to_regnamespace($1) ORDER BY c.relname LIMIT 1",
        db::quote_ident(schema));
    if (rows.empty()) return std::nullopt;
    TenantShard s;
    s.anchor = TableName{schema, rows[0][4].c_str()};
    s.value = schema;
    s.value_type = "schema";
    s.shard_id = rows[0][0].as<long long>();
    s.node_name = rows[0][1].c_str();
    s.node_port = rows[0][2].as<int>();
    s.colocation_id = rows[0][3].as<int>();
    s.isolated = true;  // a distributed schema is a shard group of its own
    if (with_sizes)
        s.bytes = tx.exec_params1("SELECT coalesce(sum(shard_size), 0)::bigint FROM citus_shards WHERE colocation_id = $1",
                                  s.colocation_id)[0]
                      .as<long long>();
    return s;
}

// Refuses before Citus starts a stream that a node cannot serve: it would wait for it forever.
void require_streamable(pqxx::transaction_base& tx, const std::string& mode) {
    if (mode == "block_writes") return;
    const auto blockers = logical_replication_blockers(tx);
    if (!blockers.empty())
        throw Refused(fmt::format("cannot copy shards by logical replication: {}", util::join(blockers, "; ")),
                      "fix those nodes (README, \"Citus\"), or give --transfer-mode block_writes (the tenant's writes "
                      "then wait for the copy)");
}

// The tenant with the checks every placement command makes, and its shards.
struct Target {
    tenants::TenantRef tenant;
    std::vector<TenantShard> shards;
};
// `mode` is the --transfer-mode, checked against what the workers can do.
Target target_of(Context& ctx, pqxx::transaction_base& tx, const std::string& slug, const std::string& what,
                 const std::string& mode) {
    require_citus(tx, what);
    Target t{tenants::resolve(ctx, tx, slug), {}};
    tenants::require_not_moving(t.tenant, what);
    if (t.tenant.status == "purged") throw Refused(fmt::format("tenant '{}' is purged: it has no rows to {}", slug, what));
    if (t.tenant.isolation == "schema") {
        const std::string schema = util::schema_name_for_slug(t.tenant.slug);
        if (!schema_distributed(tx, schema))
            throw Refused(fmt::format("cannot {}: its schema {} is not a distributed schema, so Citus keeps it on the "
                                      "coordinator",
                                      what, schema),
                          "run `tenantctl citus distribute` (it distributes every tenant schema)");
    }
    // After the tenant's own checks, so that an unknown slug is "not found" (exit 4) first.
    require_streamable(tx, mode);
    t.shards = shards_of(ctx, tx, t.tenant, false);
    return t;
}

void record(Context& ctx, const tenants::TenantRef& tenant, const std::string& action, const PlacementResult& r,
            json extra) {
    json groups = json::array();
    for (std::size_t i = 0; i < r.before.size(); ++i) {
        json g = {{"anchor", r.before[i].anchor.display()},
                  {"shard_before", r.before[i].shard_id},
                  {"node_before", r.before[i].node()}};
        if (i < r.after.size()) {
            g["shard_after"] = r.after[i].shard_id;
            g["node_after"] = r.after[i].node();
        }
        groups.push_back(std::move(g));
    }
    extra["groups"] = std::move(groups);
    extra["changed"] = r.changed;
    pqxx::work tx(ctx.db());
    audit::Event event;
    event.tenant_id = tenant.id;
    event.action = action;
    event.resource_type = "tenant";
    event.resource_id = tenant.slug;
    event.metadata = std::move(extra);
    audit::append(ctx, tx, event);
    tx.commit();
}

std::pair<std::string, int> parse_node(const std::string& node) {
    const auto colon = node.rfind(':');
    const std::string digits = colon == std::string::npos ? "" : node.substr(colon + 1);
    const bool numeric = !digits.empty() && digits.size() <= 5 &&
                         std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; });
    const int port = numeric ? std::stoi(digits) : 0;
    if (colon == 0 || port <= 0 || port > 65535) throw UsageError(fmt::format("--node '{}' is not HOST:PORT", node));
    return {node.substr(0, colon), port};
}

// The transfer mode for one group. PostgreSQL's logical replication refuses to apply rows
// into a table with row-level security for a subscription owner that does not bypass it, and
// the subscription Citus makes for a shard split or move is such an owner: the stream stops at
// the first row and Citus waits for it forever. A group with an RLS table is therefore copied
// with writes blocked (auto), or refused (force_logical).
std::string mode_for(Context& ctx, pqxx::transaction_base& tx, const TenantShard& s, const std::string& mode) {
    if (mode == "block_writes") return mode;
    const auto rls = tx.exec_params("SELECT p.logicalrelid::text FROM pg_dist_partition p JOIN pg_class c ON "
                                    "c.oid = p.logicalrelid WHERE p.colocationid = $1 AND c.relrowsecurity "
                                    "ORDER BY 1 LIMIT 3",
                                    s.colocation_id);
    if (rls.empty()) return mode;
    std::vector<std::string> names;
    for (const auto& row : rls) names.push_back(row[0].c_str());
    const std::string why = fmt::format("the group of {} has tables with row-level security ({}), which logical "
                                        "replication cannot copy for Citus",
                                        s.anchor.display(), util::join(names, ", "));
    if (mode == "force_logical")
        throw Refused("--transfer-mode force_logical: " + why, "use --transfer-mode auto or block_writes");
    ctx.log().warn(why + ": copying it with writes blocked (block_writes); the tenant's writes wait until it is done");
    return "block_writes";
}

// Moves the group of shard `s`. A move right after another one can find the shards the last
// move left on its source still waiting for Citus's background cleanup (every 15 s), and Citus
// then refuses ("could not be cleaned up"); seen once in 36 back-to-back moves. The cleanup is
// run here and the move tried once more.
void move_group(pqxx::transaction_base& tx, const TenantShard& s, const std::string& host, int port,
                const std::string& mode) {
    auto move = [&] {
        if (s.value_type == "schema")
            tx.exec_params("SELECT citus_schema_move($1::regnamespace, $2, $3, $4::citus.shard_transfer_mode)",
                           db::quote_ident(s.value), host, port, mode);
        else
            tx.exec_params("SELECT citus_move_shard_placement($1, $2, $3, $4, $5, "
                           "shard_transfer_mode => $6::citus.shard_transfer_mode)",
                           s.shard_id, s.node_name, s.node_port, host, port, mode);
    };
    try {
        move();
    } catch (const pqxx::sql_error& e) {
        if (std::string(e.what()).find("could not be cleaned up") == std::string::npos) throw;
        tx.exec0("CALL citus_cleanup_orphaned_resources()");
        move();
    }
}

}  // namespace

void require_citus(pqxx::transaction_base& tx, const std::string& what) {
    if (!installed(tx))
        throw Refused(fmt::format("cannot {}: this database is a single PostgreSQL server, not a Citus coordinator",
                                  what),
                      "tenant placement needs Citus: see the README, \"Citus\"");
}

std::vector<TenantShard> shards_of(Context& ctx, pqxx::transaction_base& tx, const tenants::TenantRef& tenant,
                                   bool with_sizes) {
    std::vector<TenantShard> out;
    if (tenant.isolation == "schema") {
        if (auto s = locate_schema(tx, util::schema_name_for_slug(tenant.slug), with_sizes)) out.push_back(std::move(*s));
        return out;
    }
    const auto present = placements(tx);
    const auto anchor = platform_anchor(ctx.schema());
    const auto platform = placement_of(present, anchor);
    std::set<int> groups;
    if (platform.kind == Placement::Kind::distributed) {
        TenantShard s;
        s.anchor = anchor;
        s.value = tenant.id;
        s.value_type = "uuid";
        locate(tx, s, with_sizes);
        groups.insert(s.colocation_id);
        out.push_back(std::move(s));
    }
    // The app's groups hashed by another value than the tenant id (bigint or text tenancy).
    const auto data = model::TenantData::load(ctx, tx);
    for (const auto& r : data.relations()) {
        const auto p = placement_of(present, r.name);
        if (p.kind != Placement::Kind::distributed || !r.tenancy_column || groups.count(p.colocation_id)) continue;
        TenantShard s;
        s.anchor = r.name;
        s.value = tenant.tenancy_value;
        s.value_type = r.tenancy().type;
        locate(tx, s, with_sizes);
        groups.insert(s.colocation_id);
        out.push_back(std::move(s));
    }
    return out;
}

void check_transfer_mode(const std::string& mode) {
    if (mode != "auto" && mode != "force_logical" && mode != "block_writes")
        throw UsageError(fmt::format("--transfer-mode '{}': use auto, force_logical or block_writes", mode));
}

PlacementResult isolate(Context& ctx, const std::string& slug, const std::string& transfer_mode) {
    check_transfer_mode(transfer_mode);
    auto lock = ctx.lock(tenants::lock_name(slug));
    PlacementResult result;
    Target target;
    {
        pqxx::read_transaction tx(ctx.db());
        target = target_of(ctx, tx, slug, "isolate the tenant", transfer_mode);
    }
    result.before = target.shards;
    if (ctx.dry_run()) {
        for (const auto& s : target.shards) result.changed += s.isolated ? 0 : 1;
        return result;
    }
    for (const auto& s : target.shards) {
        if (s.isolated) continue;
        // Not in a transaction block: Citus splits the shard (by logical replication unless
        // writes are blocked) and commits on every node itself; a killed split is cleaned up
        // by Citus, and a re-run starts this group again.
        pqxx::nontransaction tx(ctx.db());
        const std::string mode = mode_for(ctx, tx, s, transfer_mode);
        tx.exec_params(fmt::format("SELECT isolate_tenant_to_new_shard($1::regclass, $2::{}, 'CASCADE', "
                                   "shard_transfer_mode => $3::citus.shard_transfer_mode)",
                                   s.value_type),
                       s.anchor.quoted(), s.value, mode);
        ++result.changed;
    }
    {
        pqxx::read_transaction tx(ctx.db());
        result.after = shards_of(ctx, tx, target.tenant, false);
    }
    for (const auto& s : result.after)
        if (!s.isolated)
            throw IntegrityError(fmt::format("tenant '{}' is not isolated in the group of {} after the split (shard {})", slug,
                                     s.anchor.display(), s.shard_id));
    if (result.changed > 0) record(ctx, target.tenant, "tenant.isolate", result, {{"transfer_mode", transfer_mode}});
    return result;
}

PlacementResult place(Context& ctx, const std::string& slug, const std::string& node, const std::string& transfer_mode,
                      bool whole_shard) {
    check_transfer_mode(transfer_mode);
    const auto [host, port] = parse_node(node);
    auto lock = ctx.lock(tenants::lock_name(slug));
    PlacementResult result;
    Target target;
    {
        pqxx::read_transaction tx(ctx.db());
        target = target_of(ctx, tx, slug, "place the tenant", transfer_mode);
        std::vector<std::string> known;
        bool found = false;
        for (const auto& n : nodes(tx)) {
            known.push_back(n.address());
            found = found || (n.name == host && n.port == port && n.active);
        }
        if (!found)
            throw UsageError(fmt::format("--node {} is not an active node of the cluster (nodes: {})", node,
                                         util::join(known, ", ")));
    }
    result.before = target.shards;
    std::vector<std::string> shared;
    for (const auto& s : target.shards)
        if (!s.isolated && s.node() != node) shared.push_back(fmt::format("{} (shard {})", s.anchor.display(), s.shard_id));
    if (!shared.empty() && !whole_shard)
        throw Refused(fmt::format("tenant '{}' shares its shard with other tenants in {}: moving it would move them "
                                  "too",
                                  slug, util::join(shared, ", ")),
                      fmt::format("run `tenantctl tenant isolate {}` first, or give --whole-shard", slug));
    if (ctx.dry_run()) {
        for (const auto& s : target.shards) result.changed += s.node() == node ? 0 : 1;
        return result;
    }
    for (const auto& s : target.shards) {
        if (s.node_name == host && s.node_port == port) continue;
        // Moves the shard and every shard colocated with it; with logical replication the
        // tenant's writes go on during the copy and wait only for the switch.
        pqxx::nontransaction tx(ctx.db());
        const std::string mode = mode_for(ctx, tx, s, transfer_mode);
        move_group(tx, s, host, port, mode);
        ++result.changed;
    }
    {
        pqxx::read_transaction tx(ctx.db());
        result.after = shards_of(ctx, tx, target.tenant, false);
    }
    for (const auto& s : result.after)
        if (s.node() != node)
            throw IntegrityError(fmt::format("tenant '{}' is on {}, not {}, in the group of {} after the move", slug, s.node(),
                                     node, s.anchor.display()));
    if (result.changed > 0)
        record(ctx, target.tenant, "tenant.place", result, {{"node", node}, {"transfer_mode", transfer_mode}});
    return result;
}

std::vector<TenantLoad> top(Context& ctx, std::size_t limit) {
    pqxx::read_transaction tx(ctx.db());
    require_citus(tx, "show the busiest tenants");
    const std::string track = tx.exec1("SELECT current_setting('citus.stat_tenants_track')")[0].c_str();
    if (track == "none")
        throw Refused("Citus does not track tenants here (citus.stat_tenants_track = none)",
                      "ALTER SYSTEM SET citus.stat_tenants_track = 'all'; SELECT pg_reload_conf(); on every node");
    std::vector<TenantLoad> out;
    for (const auto& row : tx.exec_params(
             fmt::format("SELECT coalesce(t.slug, ''), s.tenant_attribute, sum(s.query_count_in_this_period), "
                         "       sum(s.query_count_in_last_period), sum(s.read_count_in_this_period), "
                         "       sum(s.cpu_usage_in_this_period), sum(s.cpu_usage_in_last_period) "
                         "FROM citus_stat_tenants s LEFT JOIN {} t "
                         "  ON s.tenant_attribute IN (t.id::text, t.tenancy_key) "
                         "GROUP BY 1, 2 "
                         "ORDER BY 6 DESC, 7 DESC, 3 DESC, 2 LIMIT $1",
                         ctx.platform_table("tenants")),
             static_cast<long long>(limit))) {
        TenantLoad l;
        l.slug = row[0].c_str();
        l.value = row[1].c_str();
        l.queries_this_period = row[2].as<long long>(0);
        l.queries_last_period = row[3].as<long long>(0);
        l.reads_this_period = row[4].as<long long>(0);
        // CPU seconds to the microsecond: citus_stat_tenants sums floats (0.011832000000000002).
        l.cpu_this_period = std::round(row[5].as<double>(0) * 1e6) / 1e6;
        l.cpu_last_period = std::round(row[6].as<double>(0) * 1e6) / 1e6;
        out.push_back(std::move(l));
    }
    return out;
}

std::map<std::string, std::string> node_by_tenant(pqxx::transaction_base& tx, const std::string& schema) {
    std::map<std::string, std::string> out;
    if (!installed(tx)) return out;
    const auto anchor = platform_anchor(schema);
    if (placement_of(placements(tx), anchor).kind != Placement::Kind::distributed) return out;
    for (const auto& row : tx.exec_params(
             fmt::format("SELECT t.id::text, n.nodename || ':' || n.nodeport FROM {} t "
                         "JOIN pg_dist_placement pl ON pl.shardid = "
                         "  get_shard_id_for_distribution_column($1::regclass, t.id) "
                         "JOIN pg_dist_node n ON n.groupid = pl.groupid AND n.noderole = 'primary'",
                         TableName{schema, "tenants"}.quoted()),
             anchor.quoted()))
        out[row[0].c_str()] = row[1].c_str();
    // A schema-isolated tenant's data is its schema: the node of its shard group.
    std::vector<std::string> ids, schemas;
    for (const auto& row : tx.exec(fmt::format("SELECT id::text, slug FROM {} WHERE isolation = 'schema' AND status <> 'purged'",
                                               TableName{schema, "tenants"}.quoted()))) {
        ids.push_back(row[0].c_str());
        schemas.push_back(util::schema_name_for_slug(row[1].c_str()));
    }
    if (ids.empty()) return out;
    for (const auto& row : tx.exec_params(
             "SELECT x.id, (SELECT n.nodename || ':' || n.nodeport FROM pg_dist_schema ds "
             "              JOIN pg_class c ON c.relnamespace = ds.schemaid "
             "              JOIN pg_dist_shard s ON s.logicalrelid = c.oid "
             "              JOIN pg_dist_placement pl ON pl.shardid = s.shardid "
             "              JOIN pg_dist_node n ON n.groupid = pl.groupid AND n.noderole = 'primary' "
             "              WHERE ds.schemaid = to_regnamespace(quote_ident(x.schema)) LIMIT 1) "
             "FROM unnest($1::text[], $2::text[]) AS x(id, schema)",
             db::text_array(ids), db::text_array(schemas)))
        if (!row[1].is_null()) out[row[0].c_str()] = row[1].c_str();
    return out;
}

}  // namespace tenantctl::citus
