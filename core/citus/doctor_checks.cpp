#include "core/citus/doctor_checks.hpp"

#include <fmt/format.h>

#include <map>

#include "core/citus/cluster.hpp"
#include "core/citus/distribute.hpp"
#include "core/context.hpp"
#include "core/db/connection.hpp"
#include "core/model/tenant_data.hpp"
#include "core/platform/migrations.hpp"

namespace tenantctl::citus {

namespace {

using doctor::Finding;

// False (after one `ok` row) when the database is not a Citus coordinator.
bool on_citus(pqxx::transaction_base& tx, const std::string& check, std::vector<Finding>& out) {
    if (installed(tx)) return true;
    out.push_back({check, "ok", "server", "not a Citus database (no citus extension): nothing to check"});
    return false;
}

void report_plan(const Plan& plan, const std::string& fix, std::vector<Finding>& out) {
    for (const auto& p : plan.problems) out.push_back({"citus_tables", "fail", "-", p, fix});
    for (const auto& s : plan.steps) {
        if (s.done) continue;
        out.push_back({"citus_tables", "fail", s.table.display(),
                       fmt::format("local on the coordinator; as {} it should be {}", s.reason, s.target.describe()),
                       fix});
    }
}

// Distributed tables of a plan that sit in another colocation group than the first of their
// distribution column's type: their tenant's rows may be on another node.
void report_colocation(const Plan& plan, const std::map<catalog::TableName, Placement>& present,
                       std::vector<Finding>& out) {
    for (const auto& s : plan.steps) {
        if (s.target.kind != Placement::Kind::distributed || !s.done) continue;
        const auto have = placement_of(present, s.table);
        const auto want = s.colocate_with ? placement_of(present, *s.colocate_with) : have;
        if (want.kind == Placement::Kind::distributed && want.colocation_id != have.colocation_id)
            out.push_back({"citus_tables", "fail", s.table.display(),
                           fmt::format("not colocated with {} (colocation group {}, not {}): a tenant's rows of the "
                                       "two tables may sit on different nodes",
                                       s.colocate_with->display(), have.colocation_id, want.colocation_id),
                           fmt::format("SELECT update_distributed_table_colocation('{}', colocate_with => '{}');",
                                       s.table.quoted(), s.colocate_with->quoted())});
    }
}

}  // namespace

void check_nodes(Context& ctx, std::vector<Finding>& out) {
    pqxx::read_transaction tx(ctx.db());
    if (!on_citus(tx, "citus_nodes", out)) return;
    const auto all = nodes(tx);
    std::size_t workers = 0;
    bool ok = true;
    for (const auto& n : all) {
        if (!n.coordinator) ++workers;
        if (!n.active) {
            ok = false;
            out.push_back({"citus_nodes", "fail", n.address(), "the node is not active: its shards cannot be reached",
                           fmt::format("SELECT citus_activate_node('{}', {});", n.name, n.port)});
        }
    }
    if (workers == 0)
        out.push_back({"citus_nodes", "warn", "cluster", "no worker nodes: every shard is on the coordinator",
                       "SELECT citus_add_node('HOST', PORT);"});
    for (const auto& row : tx.exec("SELECT from_nodename, from_nodeport, to_nodename, to_nodeport "
                                   "FROM citus_check_cluster_node_health() WHERE result IS NOT TRUE")) {
        ok = false;
        out.push_back({"citus_nodes", "fail", fmt::format("{}:{}", row[0].c_str(), row[1].c_str()),
                       fmt::format("cannot connect to {}:{}", row[2].c_str(), row[3].c_str()),
                       "check the node is up, listening, and that pg_hba.conf lets the nodes in"});
    }
    // Moving or isolating a tenant (tenant place / isolate) streams its shards by logical
    // replication; a node that cannot would make those commands refuse.
    for (const auto& blocker : logical_replication_blockers(tx)) {
        ok = false;
        out.push_back({"citus_nodes", "warn", blocker.substr(0, blocker.find(": ")),
                       blocker.substr(blocker.find(": ") + 2) +
                           ": tenant isolate and tenant place can only copy shards from it with --transfer-mode "
                           "block_writes",
                       "wal_level = logical and output_plugin_libraries = 'pgoutput, test_decoding, citus' in "
                       "postgresql.conf (wal_level needs a restart)"});
    }
    if (ok)
        out.push_back({"citus_nodes", "ok", "cluster",
                       fmt::format("{} node(s), {} worker(s), all active and reaching each other", all.size(), workers)});
}

void check_tables(Context& ctx, std::vector<Finding>& out) {
    pqxx::read_transaction tx(ctx.db());
    if (!on_citus(tx, "citus_tables", out)) return;
    const auto present = placements(tx);
    const std::size_t before = out.size();
    if (platform::installed_version(tx, ctx.schema()).version > 0) {
        const auto plan = platform_plan(tx, ctx.schema(), present);
        report_plan(plan, "tenantctl init", out);
        report_colocation(plan, present, out);
    }
    const auto data = model::TenantData::load(ctx, tx);
    const auto plan = app_plan(tx, data, ctx.schema(), present);
    report_plan(plan, "tenantctl citus distribute", out);
    report_colocation(plan, present, out);
    if (out.size() == before)
        out.push_back({"citus_tables", "ok", "cluster",
                       fmt::format("every table with tenant rows is distributed by its tenancy column and colocated; "
                                   "{} app table(s) checked",
                                   plan.steps.size())});
}

void check_roles(Context& ctx, std::vector<Finding>& out) {
    const auto& role = ctx.config().tenancy.app_role;
    pqxx::read_transaction tx(ctx.db());
    if (!on_citus(tx, "citus_roles", out)) return;
    bool ok = true;
    const auto rows = tx.exec_params(
        "SELECT nodename, nodeport, success, result FROM run_command_on_workers("
        "  format('SELECT coalesce((SELECT rolcanlogin FROM pg_roles WHERE rolname = %L)::text, ''missing'')', $1::text))",
        role);
    for (const auto& row : rows) {
        const std::string node = fmt::format("{}:{}", row[0].c_str(), row[1].c_str());
        const std::string result = row[3].c_str();
        if (!row[2].as<bool>()) {
            ok = false;
            out.push_back({"citus_roles", "fail", node, "cannot ask the worker: " + result, ""});
        } else if (result == "missing") {
            ok = false;
            out.push_back({"citus_roles", "fail", node,
                           fmt::format("role {} does not exist on the worker: the app's distributed queries fail there",
                                       role),
                           fmt::format("CREATE ROLE {} LOGIN; (on the coordinator: Citus creates it everywhere)",
                                       db::quote_ident(role))});
        } else if (result != "true") {
            ok = false;
            out.push_back({"citus_roles", "fail", node,
                           fmt::format("role {} may not log in on the worker: queries under SET ROLE {} are sent to "
                                       "the workers as that role and fail (\"role is not permitted to log in\")",
                                       role, role),
                           fmt::format("ALTER ROLE {} LOGIN;", db::quote_ident(role))});
        }
    }
    if (ok)
        out.push_back({"citus_roles", "ok", role, fmt::format("may log in on all {} worker(s)", rows.size())});
}

void check_rls(Context& ctx, std::vector<Finding>& out) {
    pqxx::read_transaction tx(ctx.db());
    if (!on_citus(tx, "citus_rls", out)) return;
    const auto present = placements(tx);
    const auto data = model::TenantData::load(ctx, tx);
    bool ok = true;
    std::size_t checked = 0;
    for (const auto& r : data.relations()) {
        if (!r.rls_enabled || placement_of(present, r.name).kind != Placement::Kind::distributed) continue;
        ++checked;
        // Each shard is a table of its own on its worker; Citus copies the parent's RLS state
        // and policies to it. A shard without them serves the app's rows unfiltered.
        const std::string policies = tx.exec_params1("SELECT count(*) FROM pg_policy WHERE polrelid = $1::regclass",
                                                     r.name.quoted())[0]
                                         .c_str();
        for (const auto& row : tx.exec_params(
                 "SELECT nodename, nodeport, success, result FROM run_command_on_placements($1::regclass, "
                 "  $$SELECT (c.relrowsecurity AND c.relforcerowsecurity)::text || ':' || "
                 "    (SELECT count(*) FROM pg_policy p WHERE p.polrelid = c.oid) "
                 "    FROM pg_class c WHERE c.oid = '%s'::regclass$$)",
                 r.name.quoted())) {
            const std::string want = std::string(r.rls_forced ? "true" : "false") + ":" + policies;
            if (row[2].as<bool>() && row[3].c_str() == want) continue;
            ok = false;
            out.push_back({"citus_rls", "fail", fmt::format("{} on {}:{}", r.display(), row[0].c_str(), row[1].c_str()),
                           fmt::format("a shard's RLS state differs from the table's (shard: {}, table: {})",
                                       row[3].c_str(), want),
                           fmt::format("ALTER TABLE {} FORCE ROW LEVEL SECURITY; (re-run on the coordinator to "
                                       "propagate), or recreate the policies there",
                                       r.name.quoted())});
        }
    }
    // A policy on current_setting('app.tenant_id') is evaluated on the worker; the setting only
    // gets there when the app sets it with SET LOCAL and Citus propagates SET LOCAL.
    const std::string propagate = tx.exec1("SELECT current_setting('citus.propagate_set_commands')")[0].c_str();
    if (checked > 0 && propagate != "local") {
        ok = false;
        out.push_back({"citus_rls", "warn", "citus.propagate_set_commands",
                       fmt::format("is '{}': the app's SET LOCAL {} does not reach the workers, so policies there see "
                                   "no tenant (the app sees no rows)",
                                   propagate, ctx.config().tenancy.setting),
                       "ALTER SYSTEM SET citus.propagate_set_commands = 'local'; SELECT pg_reload_conf();"});
    }
    if (ok)
        out.push_back({"citus_rls", "ok", "cluster",
                       fmt::format("{} RLS-protected distributed table(s): every shard has RLS and the policies",
                                   checked)});
}

}  // namespace tenantctl::citus
