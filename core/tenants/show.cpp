#include "core/tenants/show.hpp"

#include <fmt/format.h>

#include "core/citus/cluster.hpp"
#include "core/citus/placement.hpp"
#include "core/context.hpp"
#include "core/db/errors.hpp"
#include "core/errors.hpp"
#include "core/model/row_access.hpp"
#include "core/model/tenant_data.hpp"
#include "core/platform/migrations.hpp"
#include "core/tenants/lookup.hpp"
#include "core/tenants/model.hpp"
#include "core/tenants/purge.hpp"

namespace tenantctl::tenants {

namespace {
#define TS(col) "to_char(" col " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"
json nullable(const pqxx::field& f) { return f.is_null() ? json(nullptr) : json(f.c_str()); }
}  // namespace

// The tenant's row in the app's own tenants table (tenancy.tenants_table), or null.
json app_tenant_row(Context& ctx, pqxx::transaction_base& tx, const Tenant& t) {
    if (!ctx.config().tenancy.tenants_table) return nullptr;
    auto data = model::TenantData::load(ctx, tx);
    const model::Relation* table = data.tenants_table();
    model::enter_tenant(ctx, tx, t.tenancy_value);
    auto r = tx.exec_params(fmt::format("SELECT to_jsonb(x)::text FROM {} x WHERE {}", table->name.quoted(),
                                        data.tenant_predicate(*table, "x", 1)),
                            t.tenancy_value);
    return r.empty() ? json(nullptr) : json::parse(r[0][0].c_str());
}

json show(Context& ctx, const std::string& slug, int recent_events) {
    platform::require_current(ctx);
    try {
        pqxx::read_transaction tx(ctx.db());
        Tenant t = load_or_throw(ctx, tx, slug);
        json doc = to_json(t);
        doc["tenancy_key"] = t.tenancy_value;

        json keys = json::array();
        for (const auto& r : tx.exec_params(
                 fmt::format("SELECT version, state, kek_id, " TS("created_at") ", " TS("activated_at") ", " TS(
                                 "destroyed_at") " FROM {} WHERE tenant_id = $1::uuid ORDER BY version DESC",
                             ctx.platform_table("tenant_keys")),
                 t.id))
            keys.push_back(json{{"version", r[0].as<int>()},
                                {"state", r[1].c_str()},
                                {"kek_id", r[2].c_str()},
                                {"created_at", nullable(r[3])},
                                {"activated_at", nullable(r[4])},
                                {"destroyed_at", nullable(r[5])}});
        doc["keys"] = keys;

        json jobs = json::array();
        for (const auto& r : tx.exec_params(
                 fmt::format("SELECT kind, target, state, counts::text, coalesce(error, ''), " TS("started_at") " FROM {} "
                             "WHERE tenant_id = $1::uuid AND state = 'running' ORDER BY started_at",
                             ctx.platform_table("jobs")),
                 t.id))
            jobs.push_back(json{{"kind", r[0].c_str()},
                                {"target", nullable(r[1])},
                                {"state", r[2].c_str()},
                                {"counts", json::parse(r[3].c_str())},
                                {"error", r[4].c_str()},
                                {"started_at", r[5].c_str()}});
        doc["open_jobs"] = jobs;

        json events = json::array();
        for (const auto& r : tx.exec_params(
                 fmt::format("SELECT id, " TS("occurred_at") ", actor_type, actor_id, action, metadata::text FROM {} "
                             "WHERE tenant_id = $1::uuid ORDER BY occurred_at DESC, id DESC LIMIT $2",
                             ctx.platform_table("audit_log")),
                 t.id, recent_events))
            events.push_back(json{{"id", r[0].as<long long>()},
                                  {"occurred_at", r[1].c_str()},
                                  {"actor", fmt::format("{}:{}", r[2].c_str(), r[3].c_str())},
                                  {"action", r[4].c_str()},
                                  {"metadata", json::parse(r[5].c_str())}});

        json rows = json::object();
        if (t.status != "purged") {
            try {
                for (const auto& c : row_counts(ctx, tx, t)) rows[c.table] = c.rows;
                doc["app_row"] = app_tenant_row(ctx, tx, t);
            } catch (const Refused& e) {
                // Counts seen through a policy could be wrong: show none rather than a guess.
                ctx.log().warn(fmt::format("row counts not shown: {}", e.what()));
                rows = nullptr;
            }
        }
        doc["row_counts"] = rows;
        // On Citus: where the tenant's rows are, one shard per colocation group.
        if (citus::installed(tx) && t.status != "purged") {
            json shards = json::array();
            const TenantRef ref{t.id, t.slug, t.status, t.isolation, t.tenancy_value};
            for (const auto& s : citus::shards_of(ctx, tx, ref, true))
                shards.push_back({{"group", s.anchor.display()},
                                  {"shard_id", s.shard_id},
                                  {"node", s.node()},
                                  {"isolated", s.isolated},
                                  {"bytes", s.bytes}});
            doc["shards"] = shards;
        }
        doc["recent_audit_events"] = events;
        return doc;
    } catch (...) {
        db::rethrow_translated(fmt::format("reading tenant '{}'", slug));
    }
}
#undef TS

}  // namespace tenantctl::tenants
