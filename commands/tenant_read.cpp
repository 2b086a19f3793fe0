// tenantctl tenant list | show
#include <fmt/format.h>

#include <algorithm>
#include <map>

#include "cli/registry.hpp"
#include "commands/commands.hpp"
#include "core/citus/placement.hpp"
#include "core/db/errors.hpp"
#include "core/platform/migrations.hpp"
#include "core/tenants/model.hpp"
#include "core/tenants/show.hpp"

namespace tenantctl::commands {

namespace {

struct TenantListOptions {
    std::optional<std::string> status, plan, region;
    bool by_node = false;
};

Records run_tenant_list(Context& ctx, const TenantListOptions& o) {
    platform::require_current(ctx);
    std::vector<tenants::Tenant> rows;
    std::map<std::string, std::string> nodes;  // tenant id -> HOST:PORT of its shard
    try {
        pqxx::read_transaction tx(ctx.db());
        rows = tenants::list(ctx, tx, tenants::ListFilter{o.status, o.plan, o.region});
        if (o.by_node) {
            citus::require_citus(tx, "list tenants by node");
            nodes = citus::node_by_tenant(tx, ctx.schema());
        }
    } catch (...) {
        db::rethrow_translated("listing tenants");
    }
    if (!o.by_node) {
        Records r =
            Records::table({"slug", "name", "status", "plan", "region", "isolation", "created_at", "purge_after", "id"});
        for (const auto& t : rows)
            r.add({t.slug, tenants::opt(t.name), t.status, tenants::opt(t.plan), tenants::opt(t.region), t.isolation,
                   t.created_at, tenants::opt(t.purge_after), t.id});
        return r;
    }
    // Grouped by node, so the tenants one node serves read as one block.
    auto node_of = [&](const tenants::Tenant& t) {
        auto it = nodes.find(t.id);
        return it == nodes.end() ? std::string() : it->second;
    };
    std::stable_sort(rows.begin(), rows.end(),
                     [&](const tenants::Tenant& a, const tenants::Tenant& b) { return node_of(a) < node_of(b); });
    Records r = Records::table(
        {"node", "slug", "name", "status", "plan", "region", "isolation", "created_at", "purge_after", "id"});
    for (const auto& t : rows)
        r.add({node_of(t).empty() ? json(nullptr) : json(node_of(t)), t.slug, tenants::opt(t.name), t.status,
               tenants::opt(t.plan), tenants::opt(t.region), t.isolation, t.created_at, tenants::opt(t.purge_after),
               t.id});
    return r;
}

struct TenantShowOptions {
    std::string slug;
    int events = 10;
};

Records run_show(Context& ctx, const TenantShowOptions& o) {
    if (o.events < 0 || o.events > 1000) throw UsageError("--events must be between 0 and 1000");
    return Records::doc(tenants::show(ctx, o.slug, o.events));
}

}  // namespace

void declare_tenant_read(cli::Registry& r) {
    r.command<TenantListOptions>("tenant list", "List tenants")
        .option("--status", &TenantListOptions::status,
                "only this status: active, suspended, pending_deletion, purged, or all (default: all but purged)",
                "STATUS")
        .choices({"active", "suspended", "pending_deletion", "purged", "all"})
        .option("--plan", &TenantListOptions::plan, "only tenants on this plan", "PLAN")
        .option("--region", &TenantListOptions::region, "only tenants in this region", "REGION")
        .flag("--by-node", &TenantListOptions::by_node,
              "Citus: add the node that holds each tenant's shard, and group the list by node")
        .example("tenantctl tenant list")
        .example("tenantctl tenant list --status suspended -o json")
        .example("tenantctl tenant list --plan pro --region eu-west-1 -o csv")
        .example("tenantctl tenant list --sort-by created_at -o wide")
        .example("tenantctl tenant list --status suspended -o name | xargs -n1 tenantctl tenant show")
        .example("tenantctl tenant list --jq '.[] | select(.plan == \"pro\") | .slug'")
        .example("tenantctl tenant list --by-node")
        .table_columns({"node", "slug", "name", "status", "plan", "created_at"})
        .run(run_tenant_list);
    r.command<TenantShowOptions>("tenant show", "Show one tenant: settings, flags, keys, row counts, recent audit events")
        .positional("SLUG", &TenantShowOptions::slug, "the tenant")
        .complete(cli::Completer::tenant_slug)
        .option("--events", &TenantShowOptions::events, "how many recent audit events to include (default 10)", "N")
        .description("Row counts cover every tenant-scoped table the catalog knows (tables with the tenancy column, "
                     "and the tenant's own schema in schema mode), read with the tenancy setting set, so forced "
                     "row-level security does not hide rows.")
        .example("tenantctl tenant show acme")
        .example("tenantctl tenant show acme -o json | jq .row_counts")
        .run(run_show);
}

}  // namespace tenantctl::commands
