// tenantctl tenant isolate | place | top: a tenant's shards on a Citus cluster
#include <fmt/format.h>

#include "cli/registry.hpp"
#include "commands/commands.hpp"
#include "core/citus/placement.hpp"

namespace tenantctl::commands {

namespace {

struct IsolateOptions {
    std::string slug;
    std::string transfer_mode = "auto";
};

struct PlaceOptions {
    std::string slug;
    std::string node;
    std::string transfer_mode = "auto";
    bool whole_shard = false;
};

struct TopOptions {
    int limit = 10;
};

// One row per colocation group: where the tenant was and where it is now.
Records placement_records(const citus::PlacementResult& r) {
    Records out = Records::table({"group", "shard_before", "node_before", "shard_after", "node_after", "isolated"});
    for (std::size_t i = 0; i < r.before.size(); ++i) {
        const auto& b = r.before[i];
        const bool read_back = i < r.after.size();
        out.add({b.anchor.display(), b.shard_id, b.node(), read_back ? json(r.after[i].shard_id) : json(nullptr),
                 read_back ? json(r.after[i].node()) : json(nullptr),
                 read_back ? r.after[i].isolated : b.isolated});
    }
    return out;
}

Records run_isolate(Context& ctx, const IsolateOptions& o) {
    const auto r = citus::isolate(ctx, o.slug, o.transfer_mode);
    if (r.changed == 0)
        ctx.log().info(fmt::format("tenant '{}' already has shards of its own in all {} group(s)", o.slug,
                                   r.before.size()));
    else
        ctx.log().info(fmt::format("{}tenant '{}' isolated in {} of {} group(s)", ctx.dry_run() ? "dry run: " : "",
                                   o.slug, r.changed, r.before.size()));
    return placement_records(r);
}

Records run_place(Context& ctx, const PlaceOptions& o) {
    const auto r = citus::place(ctx, o.slug, o.node, o.transfer_mode, o.whole_shard);
    if (r.changed == 0)
        ctx.log().info(fmt::format("tenant '{}' is already on {}", o.slug, o.node));
    else
        ctx.log().info(fmt::format("{}tenant '{}' moved to {} in {} of {} group(s)", ctx.dry_run() ? "dry run: " : "",
                                   o.slug, o.node, r.changed, r.before.size()));
    return placement_records(r);
}

Records run_top(Context& ctx, const TopOptions& o) {
    if (o.limit < 1 || o.limit > 10000) throw UsageError("--limit must be between 1 and 10000");
    Records r = Records::table({"slug", "tenant_attribute", "cpu_this_period", "cpu_last_period", "queries_this_period",
                                "queries_last_period", "reads_this_period"});
    for (const auto& l : citus::top(ctx, static_cast<std::size_t>(o.limit)))
        r.add({l.slug.empty() ? json(nullptr) : json(l.slug), l.value, l.cpu_this_period, l.cpu_last_period,
               l.queries_this_period, l.queries_last_period, l.reads_this_period});
    return r;
}

const char* kTransferModeHelp =
    "how Citus copies the shards: auto (logical replication, the tenant's writes go on and wait only for the final "
    "switch; a group with row-level security, which logical replication cannot copy for Citus, is copied with "
    "writes blocked), force_logical (refuses such a group), or block_writes (writes wait for the whole copy)";

}  // namespace

void declare_tenant_placement(cli::Registry& r) {
    r.command<IsolateOptions>("tenant isolate", "Citus: give a tenant shards of its own")
        .positional("SLUG", &IsolateOptions::slug, "the tenant")
        .complete(cli::Completer::tenant_slug)
        .option("--transfer-mode", &IsolateOptions::transfer_mode, kTransferModeHelp, "MODE")
        .choices({"auto", "force_logical", "block_writes"})
        .description(
            "Splits the tenant's hash value out of the shards it shares with other tenants "
            "(isolate_tenant_to_new_shard ... CASCADE), in every colocation group that holds its rows: its keys, "
            "audit trail and app rows then sit in shards of their own, which `tenant place` can move to any node "
            "without carrying other tenants along. Groups where it is already isolated are skipped, so a re-run after "
            "a kill finishes the work. The result is read back: every group must show the tenant isolated. Refused on "
            "a single server, and for a moving, moved or purged tenant.")
        .mutating()
        .example("tenantctl tenant isolate acme")
        .example("tenantctl tenant isolate acme --dry-run")
        .run(run_isolate);
    r.command<PlaceOptions>("tenant place", "Citus: move a tenant's shards to another node")
        .positional("SLUG", &PlaceOptions::slug, "the tenant")
        .complete(cli::Completer::tenant_slug)
        .option("--node", &PlaceOptions::node, "the node to put it on, as pg_dist_node names it", "HOST:PORT")
        .required()
        .option("--transfer-mode", &PlaceOptions::transfer_mode, kTransferModeHelp, "MODE")
        .choices({"auto", "force_logical", "block_writes"})
        .flag("--whole-shard", &PlaceOptions::whole_shard,
              "move a shard the tenant shares with others, and them with it (default: refuse, isolate it first)")
        .description(
            "Moves the tenant's shard in every colocation group to the node (citus_move_shard_placement, every "
            "colocated shard with it). With the default transfer mode the copy runs by logical replication while the "
            "app keeps writing; writes wait only for the switch. Groups already on the node are skipped, so a re-run "
            "finishes a killed move. Afterwards the placement is read back and must name the node.")
        .mutating()
        .example("tenantctl tenant place acme --node 10.0.0.3:5432")
        .example("tenantctl tenant isolate acme && tenantctl tenant place acme --node 10.0.0.3:5432")
        .run(run_place);
    r.command<TopOptions>("tenant top", "Citus: the busiest tenants by CPU, from citus_stat_tenants")
        .option("--limit", &TopOptions::limit, "how many tenants (default 10)", "N")
        .description(
            "Reads citus_stat_tenants, which counts the queries and CPU time of single-tenant queries per "
            "distribution value in the current and the last period (citus.stat_tenants_period, 60 s by default): "
            "the noisy neighbours. Needs citus.stat_tenants_track = 'all' on every node.")
        .example("tenantctl tenant top")
        .example("tenantctl tenant top --limit 3 -o json")
        .run(run_top);
}

}  // namespace tenantctl::commands
