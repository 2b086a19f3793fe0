#include "core/doctor/isolation.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <map>
#include <set>

#include "core/context.hpp"
#include "core/db/connection.hpp"
#include "core/doctor/isolation_catalog.hpp"
#include "core/platform/migrations.hpp"

namespace tenantctl::doctor {

namespace {

// Every check needs the app role; without it there is nothing to measure against.
bool require_app(IsolationCatalog& cat, const std::string& check, std::vector<Finding>& out) {
    if (cat.app_exists()) return true;
    out.push_back({check, "warn", cat.app_role(),
                   "skipped: the role does not exist (set tenancy.app_role to the role the application connects as)",
                   ""});
    return false;
}

std::string join(const std::vector<std::string>& v, const std::string& sep) {
    std::string s;
    for (const auto& x : v) s += (s.empty() ? "" : sep) + x;
    return s;
}

// The grantees through which the app role holds privileges on a relation (for REVOKE hints).
const char* kGranteesSql =
    "coalesce((SELECT string_agg(DISTINCT CASE WHEN g.grantee = 0 THEN 'PUBLIC' ELSE quote_ident(r.rolname) END, ', ') "
    "          FROM aclexplode(c.relacl) g LEFT JOIN pg_roles r ON r.oid = g.grantee "
    "          WHERE g.grantee = 0 OR pg_has_role($1::name, g.grantee, 'MEMBER')), quote_ident($1::name))";

std::string privileges_text(bool s, bool i, bool u, bool d) {
    std::vector<std::string> v;
    if (s) v.push_back("SELECT");
    if (i) v.push_back("INSERT");
    if (u) v.push_back("UPDATE");
    if (d) v.push_back("DELETE");
    return join(v, ", ");
}

}  // namespace

void check_policies(Context& ctx, std::vector<Finding>& out) {
    pqxx::read_transaction tx(ctx.db());
    IsolationCatalog cat(ctx, tx);
    if (!require_app(cat, "policies", out)) return;
    // Which commands the app role may run on each tenant relation with RLS on.
    auto privs = tx.exec_params(
        "SELECT c.oid, has_table_privilege($1::name, c.oid, 'SELECT'), has_table_privilege($1::name, c.oid, 'INSERT'), "
        "       has_table_privilege($1::name, c.oid, 'UPDATE'), has_table_privilege($1::name, c.oid, 'DELETE') "
        "FROM pg_class c WHERE c.oid = ANY ($2::oid[]) AND c.relrowsecurity",
        cat.app_role(), [&] {
            std::string a = "{";
            for (const auto& r : cat.rels()) a += (a.size() > 1 ? "," : "") + std::to_string(r.oid);
            return a + "}";
        }());
    int checked = 0, bad = 0;
    for (const auto& row : privs) {
        const TenantRel* rel = cat.rel(row[0].as<unsigned>());
        if (!rel || rel->platform) continue;
        ++checked;
        // One finding per policy and part (USING / WITH CHECK), listing the commands it opens.
        std::map<std::pair<std::string, bool>, std::pair<IsolationCatalog::Leak, std::vector<std::string>>> found;
        const Cmd cmds[] = {Cmd::select, Cmd::insert, Cmd::update, Cmd::delete_};
        for (int i = 0; i < 4; ++i) {
            if (!row[i + 1].as<bool>()) continue;
            for (auto& l : cat.leaks(cat.app_oid(), true, *rel, cmds[i])) {
                auto key = std::make_pair(l.policy->name, l.check_part);
                auto it = found.find(key);
                if (it == found.end()) it = found.emplace(key, std::make_pair(l, std::vector<std::string>{})).first;
                it->second.second.push_back(cmd_name(cmds[i]));
            }
        }
        // Does another policy confine the tenant, so the leaking one can simply go?
        bool has_good = false;
        for (const auto& p : cat.policies(rel->oid))
            if (p.qual && analyze_policy_expr(*p.qual, cat.column(), cat.setting()).restricts()) has_good = true;
        for (auto& [key, v] : found) {
            auto& [leak, cmds_list] = v;
            const auto& p = *leak.policy;
            ++bad;
            std::string what = !leak.check_part ? "lets a tenant reach rows of another (USING"
                               : p.check ? "lets a tenant write rows of another (WITH CHECK"
                                         : "lets a tenant write rows of another (no WITH CHECK, so USING checks new rows";
            std::string detail = fmt::format(
                "policy {} (permissive, {}, to {}) {}): {}; permissive policies are OR'ed, so this opens {} for {}",
                p.name, p.cmd == '*' ? "ALL" : cmd_name(p.cmd == 'r' ? Cmd::select : p.cmd == 'a' ? Cmd::insert
                                                                       : p.cmd == 'w' ? Cmd::update : Cmd::delete_),
                p.roles_text, what, explain(leak.analysis, cat.column(), cat.setting()), rel->qualified,
                join(cmds_list, ", "));
            std::string guard = cat.tenant_expr(*rel);
            std::string hint;
            if (has_good && !leak.check_part)
                hint = fmt::format("DROP POLICY {} ON {}; -- if it must stay, confine it: CREATE POLICY tenant_guard ON "
                                   "{} AS RESTRICTIVE USING ({}) WITH CHECK ({});",
                                   db::quote_ident(p.name), rel->qualified, rel->qualified, guard, guard);
            else if (leak.check_part)
                hint = fmt::format("ALTER POLICY {} ON {} WITH CHECK ({});", db::quote_ident(p.name), rel->qualified,
                                   guard);
            else
                hint = fmt::format("ALTER POLICY {} ON {} USING ({});", db::quote_ident(p.name), rel->qualified, guard);
            out.push_back({"policies", "fail", rel->qualified, detail, hint});
        }
    }
    if (bad == 0)
        out.push_back({"policies", "ok", cat.app_role(),
                       fmt::format("{} relation(s) with RLS: every policy the role meets confines {} to "
                                   "current_setting('{}')",
                                   checked, cat.column(), cat.setting()),
                       ""});
}

void check_partitions(Context& ctx, std::vector<Finding>& out) {
    pqxx::read_transaction tx(ctx.db());
    IsolationCatalog cat(ctx, tx);
    if (!require_app(cat, "partitions", out)) return;
    auto rows = tx.exec_params(
        std::string("SELECT c.oid, has_table_privilege($1::name, c.oid, 'SELECT'), has_table_privilege($1::name, c.oid, 'INSERT'), "
                    "       has_table_privilege($1::name, c.oid, 'UPDATE'), has_table_privilege($1::name, c.oid, 'DELETE'), ") +
            kGranteesSql +
            " FROM pg_class c WHERE c.relispartition AND c.oid = ANY ($2::oid[]) "
            "  AND has_table_privilege($1::name, c.oid, 'SELECT, INSERT, UPDATE, DELETE')",
        cat.app_role(), [&] {
            std::string a = "{";
            for (const auto& r : cat.rels())
                if (r.partition) a += (a.size() > 1 ? "," : "") + std::to_string(r.oid);
            return a + "}";
        }());
    int parts = 0;
    for (const auto& r : cat.rels()) parts += r.partition;
    int bad = 0;
    for (const auto& row : rows) {
        const TenantRel* rel = cat.rel(row[0].as<unsigned>());
        if (!rel || rel->rls) continue;  // its own RLS applies; the policies check reads its policies
        ++bad;
        out.push_back(
            {"partitions", "fail", rel->qualified,
             fmt::format("{} can {} this partition of {} directly, and RLS of the parent does not apply to a "
                         "partition named in a query: every tenant's rows in it are open",
                         cat.app_role(), privileges_text(row[1].as<bool>(), row[2].as<bool>(), row[3].as<bool>(),
                                                         row[4].as<bool>()),
                         rel->root),
             fmt::format("REVOKE ALL ON TABLE {} FROM {}; -- the app queries the parent {}", rel->qualified,
                         row[5].as<std::string>(), rel->root)});
    }
    if (bad == 0)
        out.push_back({"partitions", "ok", cat.app_role(),
                       fmt::format("{} partition(s) of tenant tables: none open to the role without RLS", parts), ""});
}

namespace {

// Views and materialized views readable by the app role and, transitively through views,
// the relations they read and the role they read them as.
struct ViewPath {
    unsigned top;
    std::string top_name;
    char top_kind;
    unsigned ref;
    char ref_kind;
    unsigned runas;
    std::string grantees;
};

std::vector<ViewPath> view_paths(pqxx::transaction_base& tx, const std::string& app) {
    auto rows = tx.exec_params(
        std::string(
            "WITH RECURSIVE v AS ( "
            "  SELECT c.oid, c.relkind, c.relowner, "
            "         coalesce((SELECT lower(option_value) IN ('true', 'on', '1', 'yes') "
            "                   FROM pg_options_to_table(c.reloptions) WHERE option_name = 'security_invoker'), "
            "                  false) AS invoker "
            "  FROM pg_class c WHERE c.relkind IN ('v', 'm')), "
            "deps AS ( "
            "  SELECT v.oid AS top, v.oid AS cur, v.relkind AS cur_kind, "
            "         CASE WHEN v.relkind = 'v' AND v.invoker THEN (SELECT oid FROM pg_roles WHERE rolname = $1::name) "
            "              ELSE v.relowner END AS runas, 1 AS depth "
            "  FROM v JOIN pg_class c ON c.oid = v.oid JOIN pg_namespace n ON n.oid = c.relnamespace "
            "  WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%' "
            "    AND has_table_privilege($1::name, v.oid, 'SELECT') "
            "  UNION ALL "
            "  SELECT d.top, ref.oid, ref.relkind, "
            "         CASE WHEN ref.relkind = 'v' AND NOT rv.invoker THEN ref.relowner ELSE d.runas END, d.depth + 1 "
            "  FROM deps d "
            "  JOIN pg_rewrite rw ON rw.ev_class = d.cur "
            "  JOIN pg_depend dep ON dep.classid = 'pg_rewrite'::regclass AND dep.objid = rw.oid "
            "                    AND dep.refclassid = 'pg_class'::regclass AND dep.refobjid <> d.cur "
            "  JOIN pg_class ref ON ref.oid = dep.refobjid "
            "  LEFT JOIN v rv ON rv.oid = ref.oid "
            "  WHERE d.depth < 16 AND (d.cur_kind = 'v' OR d.depth = 1)) "
            "SELECT DISTINCT d.top, (SELECT quote_ident(nn.nspname) || '.' || quote_ident(cc.relname) FROM pg_class cc "
            "JOIN pg_namespace nn ON nn.oid = cc.relnamespace WHERE cc.oid = d.top), t.relkind, d.cur, d.cur_kind, d.runas, ") +
            kGranteesSql +
            " FROM deps d JOIN pg_class t ON t.oid = d.top JOIN pg_class c ON c.oid = d.top "
            "WHERE d.depth > 1 ORDER BY 2",
        app);
    std::vector<ViewPath> out;
    for (const auto& r : rows)
        out.push_back({r[0].as<unsigned>(), r[1].as<std::string>(), r[2].as<std::string>()[0], r[3].as<unsigned>(),
                       r[4].as<std::string>()[0], r[5].as<unsigned>(), r[6].as<std::string>()});
    return out;
}

}  // namespace

void check_views(Context& ctx, std::vector<Finding>& out) {
    pqxx::read_transaction tx(ctx.db());
    IsolationCatalog cat(ctx, tx);
    if (!require_app(cat, "views", out)) return;
    std::set<unsigned> views, reported;
    int bad = 0;
    const auto paths = view_paths(tx, cat.app_role());
    for (const auto& p : paths) {
        if (p.top_kind != 'v') continue;
        views.insert(p.top);
        if (reported.count(p.top)) continue;
        std::string reason;
        std::string via;
        if (p.ref_kind == 'm') {
            // A view over a materialized view of tenant rows exposes them whoever runs it.
            bool tenant_mv = false;
            for (const auto& q : paths)
                if (q.top == p.ref && cat.rel(q.ref)) tenant_mv = true;
            if (!tenant_mv) continue;
            reason = "it reads a materialized view of tenant rows, which has no RLS";
        } else if (const TenantRel* rel = cat.rel(p.ref)) {
            if (p.runas == cat.app_oid()) continue;  // security_invoker all the way: the app's own RLS applies
            reason = cat.bypass_reason(p.runas, *rel);
            if (reason.empty()) continue;
            const auto* owner = cat.role(p.runas);
            via = fmt::format(" runs as {} (views run with their owner's rights unless security_invoker) and reads {}:",
                              owner ? owner->name : std::to_string(p.runas), rel->qualified);
        } else {
            continue;
        }
        reported.insert(p.top);
        ++bad;
        out.push_back({"views", "fail", p.top_name,
                       fmt::format("{} can SELECT this view, which{} {}: it returns every tenant's rows",
                                   cat.app_role(), via, reason),
                       fmt::format("ALTER VIEW {} SET (security_invoker = true); -- or: REVOKE SELECT ON {} FROM {};",
                                   p.top_name, p.top_name, p.grantees)});
    }
    if (bad == 0)
        out.push_back({"views", "ok", cat.app_role(),
                       fmt::format("{} view(s) over other relations readable by the role: none reads tenant rows "
                                   "past RLS",
                                   views.size()),
                       ""});
}

void check_matviews(Context& ctx, std::vector<Finding>& out) {
    pqxx::read_transaction tx(ctx.db());
    IsolationCatalog cat(ctx, tx);
    if (!require_app(cat, "matviews", out)) return;
    std::set<unsigned> reported;
    int bad = 0;
    for (const auto& p : view_paths(tx, cat.app_role())) {
        if (p.top_kind != 'm' || reported.count(p.top)) continue;
        const TenantRel* rel = cat.rel(p.ref);
        if (!rel) continue;
        reported.insert(p.top);
        ++bad;
        out.push_back({"matviews", "fail", p.top_name,
                       fmt::format("{} can SELECT this materialized view of {}: it stores rows of every tenant as of "
                                   "its last refresh, and materialized views have no RLS",
                                   cat.app_role(), rel->qualified),
                       fmt::format("REVOKE SELECT ON {} FROM {}; -- serve it through a security_invoker view that "
                                   "filters on {}, or keep one per tenant",
                                   p.top_name, p.grantees, cat.column())});
    }
    if (bad == 0)
        out.push_back({"matviews", "ok", cat.app_role(), "no materialized view of tenant tables is readable by the role",
                       ""});
}

namespace {

bool mentions(const std::string& body_lower, const std::string& name) {
    std::string n = name;
    std::transform(n.begin(), n.end(), n.begin(), [](unsigned char c) { return std::tolower(c); });
    auto is_ident = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '$'; };
    for (auto pos = body_lower.find(n); pos != std::string::npos; pos = body_lower.find(n, pos + 1)) {
        bool before = pos == 0 || !is_ident(body_lower[pos - 1]);
        bool after = pos + n.size() >= body_lower.size() || !is_ident(body_lower[pos + n.size()]);
        if (before && after) return true;
    }
    return false;
}

}  // namespace

void check_definer_functions(Context& ctx, std::vector<Finding>& out) {
    pqxx::read_transaction tx(ctx.db());
    IsolationCatalog cat(ctx, tx);
    if (!require_app(cat, "definer_functions", out)) return;
    auto rows = tx.exec_params(
        "SELECT p.oid, quote_ident(n.nspname) || '.' || quote_ident(p.proname) || '(' || "
        "       pg_get_function_identity_arguments(p.oid) || ')', p.proowner, "
        "       CASE WHEN p.prokind = 'f' AND l.lanname IN ('sql', 'plpgsql') THEN pg_get_functiondef(p.oid) "
        "            ELSE p.prosrc END, "
        "       coalesce((SELECT string_agg(DISTINCT CASE WHEN g.grantee = 0 THEN 'PUBLIC' ELSE quote_ident(r.rolname) "
        "                 END, ', ') FROM aclexplode(coalesce(p.proacl, acldefault('f', p.proowner))) g "
        "                 LEFT JOIN pg_roles r ON r.oid = g.grantee "
        "                 WHERE g.grantee = 0 OR pg_has_role($1::name, g.grantee, 'MEMBER')), quote_ident($1::name)) "
        "FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace JOIN pg_language l ON l.oid = p.prolang "
        "WHERE p.prosecdef AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%' "
        "  AND has_function_privilege($1::name, p.oid, 'EXECUTE') "
        "ORDER BY 2",
        cat.app_role());
    int bad = 0;
    for (const auto& r : rows) {
        unsigned owner = r[2].as<unsigned>();
        std::string body = r[3].is_null() ? "" : r[3].as<std::string>();
        std::transform(body.begin(), body.end(), body.begin(), [](unsigned char c) { return std::tolower(c); });
        for (const auto& rel : cat.rels()) {
            if (!mentions(body, rel.name)) continue;
            auto reason = cat.bypass_reason(owner, rel);
            if (reason.empty()) continue;
            ++bad;
            std::string fn = r[1].as<std::string>();
            const auto* o = cat.role(owner);
            out.push_back({"definer_functions", "fail", fn,
                           fmt::format("{} can execute this SECURITY DEFINER function, which runs as {} and reads {}, "
                                       "where {}: it can return or change every tenant's rows",
                                       cat.app_role(), o ? o->name : std::to_string(owner), rel.qualified, reason),
                           fmt::format("ALTER FUNCTION {} SECURITY INVOKER; -- or: REVOKE EXECUTE ON FUNCTION {} FROM {};",
                                       fn, fn, r[4].as<std::string>())});
            break;
        }
    }
    if (bad == 0)
        out.push_back({"definer_functions", "ok", cat.app_role(),
                       fmt::format("{} SECURITY DEFINER function(s) executable by the role: none reads tenant tables "
                                   "past RLS",
                                   rows.size()),
                       ""});
}

void check_role_membership(Context& ctx, std::vector<Finding>& out) {
    pqxx::read_transaction tx(ctx.db());
    IsolationCatalog cat(ctx, tx);
    if (!require_app(cat, "role_membership", out)) return;
    // Every role the app role can SET ROLE to, with the shortest chain of grants leading there.
    // From PostgreSQL 16 a grant can withhold SET; such edges do not count.
    bool set_option = ctx.db().server_version() >= 160000;
    auto rows = tx.exec_params(
        std::string("WITH RECURSIVE m(roleid, path) AS ( "
                    "  SELECT oid, ARRAY[rolname::text] FROM pg_roles WHERE rolname = $1::name "
                    "  UNION ALL "
                    "  SELECT am.roleid, m.path || g.rolname::text FROM m "
                    "  JOIN pg_auth_members am ON am.member = m.roleid ") +
            (set_option ? "AND am.set_option " : "") +
            "  JOIN pg_roles g ON g.oid = am.roleid "
            "  WHERE NOT g.rolname = ANY (m.path) AND cardinality(m.path) < 32) "
            "SELECT DISTINCT ON (roleid) roleid, array_to_string(path, ' -> '), path[2], "
            "       pg_has_role($1::name, roleid, 'USAGE') "
            "FROM m WHERE cardinality(path) > 1 ORDER BY roleid, cardinality(path)",
        cat.app_role());
    std::map<unsigned, std::vector<const TenantRel*>> owned;
    for (const auto& rel : cat.rels()) owned[rel.owner].push_back(&rel);
    int bad = 0;
    for (const auto& r : rows) {
        const auto* role = cat.role(r[0].as<unsigned>());
        if (!role) continue;
        std::string chain = r[1].as<std::string>();
        std::string hint = fmt::format("REVOKE {} FROM {};", db::quote_ident(r[2].as<std::string>()),
                                       db::quote_ident(cat.app_role()));
        std::vector<std::string> why;
        if (role->super) why.push_back("is a superuser");
        if (role->bypass) why.push_back("has BYPASSRLS");
        // Inherited ownership is reported by the app_role check.
        bool inherits = r[3].as<bool>();
        auto it = owned.find(role->oid);
        if (it != owned.end() && !inherits)
            why.push_back(fmt::format("owns tenant table {}{}", it->second.front()->qualified,
                                      it->second.size() > 1 ? fmt::format(" and {} more", it->second.size() - 1) : ""));
        if (why.empty()) continue;
        ++bad;
        out.push_back({"role_membership", "fail", cat.app_role(),
                       fmt::format("can SET ROLE to {} ({}), which {}: after SET ROLE, RLS no longer confines it",
                                   role->name, chain, join(why, " and ")),
                       hint});
    }
    if (bad == 0)
        out.push_back({"role_membership", "ok", cat.app_role(),
                       fmt::format("{} role(s) reachable by SET ROLE: none is superuser, BYPASSRLS or a tenant table "
                                   "owner",
                                   rows.size()),
                       ""});
}

void check_platform_isolation(Context& ctx, std::vector<Finding>& out) {
    pqxx::read_transaction tx(ctx.db());
    IsolationCatalog cat(ctx, tx);
    // tenantctl's own tables, from the migrations compiled into this binary.
    std::set<std::string> own;
    for (const auto& m : platform::embedded_migrations()) {
        std::string_view sql = m.sql;
        const std::string_view marker = "CREATE TABLE @schema@.";
        for (auto pos = sql.find(marker); pos != std::string_view::npos; pos = sql.find(marker, pos + 1)) {
            auto b = pos + marker.size();
            auto e = b;
            while (e < sql.size() && (std::isalnum(static_cast<unsigned char>(sql[e])) || sql[e] == '_')) ++e;
            own.insert(std::string(sql.substr(b, e - b)));
        }
    }
    int bad = 0;
    for (const auto& rel : cat.rels()) {
        // A detached month of the audit log is tenantctl's too (the audit_partitions check says
        // how to attach it back; moving it out of the schema would take it further from the log).
        const bool audit_month = rel.name.size() == 18 && rel.name.rfind("audit_log_y", 0) == 0 && rel.name[15] == 'm' &&
                                 std::all_of(rel.name.begin() + 11, rel.name.begin() + 15, ::isdigit) &&
                                 std::all_of(rel.name.begin() + 16, rel.name.end(), ::isdigit);
        if (!rel.platform || rel.partition || own.count(rel.name) || audit_month) continue;
        ++bad;
        out.push_back({"platform_isolation", "fail", rel.qualified,
                       fmt::format("tenant table inside the platform schema {}: the platform schema is tenantctl's, "
                                   "its grants and the RLS checks of app tables do not cover it",
                                   ctx.schema()),
                       fmt::format("ALTER TABLE {} SET SCHEMA public; -- then enable and force RLS on it",
                                   rel.qualified)});
    }
    if (cat.app_exists()) {
        auto rows = tx.exec_params(
            std::string("SELECT quote_ident(n.nspname) || '.' || quote_ident(c.relname), "
                        "       has_table_privilege($1::name, c.oid, 'SELECT'), has_table_privilege($1::name, c.oid, 'INSERT'), "
                        "       has_table_privilege($1::name, c.oid, 'UPDATE'), has_table_privilege($1::name, c.oid, 'DELETE'), ") +
                kGranteesSql +
                " FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE n.nspname = $2 AND c.relkind IN ('r', 'p', 'v', 'm') "
                "  AND has_table_privilege($1::name, c.oid, 'SELECT, INSERT, UPDATE, DELETE') ORDER BY 1",
            cat.app_role(), ctx.schema());
        for (const auto& r : rows) {
            ++bad;
            out.push_back(
                {"platform_isolation", "fail", r[0].as<std::string>(),
                 fmt::format("{} can {} this platform relation, which holds rows of every tenant and has no RLS",
                             cat.app_role(),
                             privileges_text(r[1].as<bool>(), r[2].as<bool>(), r[3].as<bool>(), r[4].as<bool>())),
                 fmt::format("REVOKE ALL ON {} FROM {};", r[0].as<std::string>(), r[5].as<std::string>())});
        }
    }
    if (bad == 0)
        out.push_back({"platform_isolation", "ok", ctx.schema(),
                       "no app tenant table inside the platform schema, and the app role reaches none of its relations",
                       ""});
}

}  // namespace tenantctl::doctor
