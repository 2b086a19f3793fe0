#include "core/doctor/isolation_catalog.hpp"

#include <fmt/format.h>

#include "core/context.hpp"
#include "core/db/connection.hpp"

namespace tenantctl::doctor {

namespace {

std::vector<unsigned> parse_oid_array(const std::string& text) {
    std::vector<unsigned> out;
    std::string cur;
    for (char c : text) {
        if (c >= '0' && c <= '9') {
            cur += c;
        } else if (!cur.empty()) {
            out.push_back(static_cast<unsigned>(std::stoul(cur)));
            cur.clear();
        }
    }
    if (!cur.empty()) out.push_back(static_cast<unsigned>(std::stoul(cur)));
    return out;
}

std::optional<std::string> opt_text(const pqxx::field& f) {
    if (f.is_null()) return std::nullopt;
    return f.as<std::string>();
}

}  // namespace

const char* cmd_name(Cmd c) {
    switch (c) {
        case Cmd::select: return "SELECT";
        case Cmd::insert: return "INSERT";
        case Cmd::update: return "UPDATE";
        case Cmd::delete_: return "DELETE";
    }
    return "";
}

std::string sql_literal(const std::string& v) {
    std::string out = "'";
    for (char c : v) {
        if (c == '\'') out += '\'';
        out += c;
    }
    return out + "'";
}

IsolationCatalog::IsolationCatalog(Context& ctx, pqxx::transaction_base& tx)
    : m_column(ctx.config().tenancy.column),
      m_setting(ctx.config().tenancy.setting),
      m_app(ctx.config().tenancy.app_role),
      m_tx(tx) {
    for (const auto& r : tx.exec("SELECT oid, rolname, rolsuper, rolbypassrls FROM pg_roles")) {
        RoleRow role{r[0].as<unsigned>(), r[1].as<std::string>(), r[2].as<bool>(), r[3].as<bool>()};
        if (role.name == m_app) m_app_oid = role.oid;
        m_roles[role.oid] = role;
    }
    auto rels = tx.exec_params(
        "SELECT c.oid, n.nspname, c.relname, c.relkind, c.relispartition, c.relrowsecurity, c.relforcerowsecurity, "
        "       c.relowner, format_type(a.atttypid, a.atttypmod), n.nspname = $2, "
        "       CASE WHEN c.relispartition THEN pg_partition_root(c.oid)::oid END, "
        "       quote_ident(n.nspname) || '.' || quote_ident(c.relname) "
        "FROM pg_attribute a "
        "JOIN pg_class c ON c.oid = a.attrelid "
        "JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE a.attname = $1 AND NOT a.attisdropped AND a.attnum > 0 AND c.relkind IN ('r', 'p') "
        "  AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%' "
        "ORDER BY n.nspname, c.relname",
        m_column, ctx.schema());
    m_rels.reserve(rels.size());
    for (const auto& r : rels) {
        TenantRel t;
        t.oid = r[0].as<unsigned>();
        t.schema = r[1].as<std::string>();
        t.name = r[2].as<std::string>();
        t.qualified = r[11].as<std::string>();
        t.kind = r[3].as<std::string>()[0];
        t.partition = r[4].as<bool>();
        t.rls = r[5].as<bool>();
        t.force = r[6].as<bool>();
        t.owner = r[7].as<unsigned>();
        t.owner_name = m_roles.count(t.owner) ? m_roles[t.owner].name : std::to_string(t.owner);
        t.column_type = r[8].as<std::string>();
        t.platform = r[9].as<bool>();
        if (!r[10].is_null()) t.root_oid = r[10].as<unsigned>();
        m_rel_index[t.oid] = m_rels.size();
        m_rels.push_back(std::move(t));
    }
    for (auto& t : m_rels)
        if (t.partition && m_rel_index.count(t.root_oid)) t.root = m_rels[m_rel_index[t.root_oid]].qualified;
    auto pols = tx.exec_params(
        "SELECT p.polrelid, p.polname, p.polcmd, p.polpermissive, p.polroles::text, "
        "       pg_get_expr(p.polqual, p.polrelid), pg_get_expr(p.polwithcheck, p.polrelid), "
        "       CASE WHEN 0 = ANY (p.polroles) THEN 'PUBLIC' ELSE "
        "         array_to_string(ARRAY(SELECT rolname FROM pg_roles WHERE oid = ANY (p.polroles) ORDER BY 1), ', ') END "
        "FROM pg_policy p "
        "JOIN pg_class c ON c.oid = p.polrelid "
        "JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = $1 AND NOT a.attisdropped AND a.attnum > 0 "
        "ORDER BY p.polrelid, p.polname",
        m_column);
    for (const auto& r : pols) {
        PolicyRow p;
        p.name = r[1].as<std::string>();
        p.cmd = r[2].as<std::string>()[0];
        p.permissive = r[3].as<bool>();
        p.roles = parse_oid_array(r[4].as<std::string>());
        p.qual = opt_text(r[5]);
        p.check = opt_text(r[6]);
        p.roles_text = r[7].as<std::string>();
        m_policies[r[0].as<unsigned>()].push_back(std::move(p));
    }
}

const TenantRel* IsolationCatalog::rel(unsigned oid) const {
    auto it = m_rel_index.find(oid);
    return it == m_rel_index.end() ? nullptr : &m_rels[it->second];
}

const std::vector<PolicyRow>& IsolationCatalog::policies(unsigned relid) const {
    static const std::vector<PolicyRow> none;
    auto it = m_policies.find(relid);
    return it == m_policies.end() ? none : it->second;
}

const RoleRow* IsolationCatalog::role(unsigned oid) const {
    auto it = m_roles.find(oid);
    return it == m_roles.end() ? nullptr : &it->second;
}

const RoleRow* IsolationCatalog::role(const std::string& name) const {
    for (const auto& [oid, r] : m_roles)
        if (r.name == name) return &r;
    return nullptr;
}

const std::set<unsigned>& IsolationCatalog::acts_as(unsigned role, bool member) {
    auto key = std::make_pair(role, member);
    auto it = m_acts_as.find(key);
    if (it != m_acts_as.end()) return it->second;
    std::set<unsigned> s;
    auto rows = m_tx.exec_params(member ? "SELECT oid FROM pg_roles WHERE pg_has_role($1::oid, oid, 'MEMBER')"
                                        : "SELECT oid FROM pg_roles WHERE pg_has_role($1::oid, oid, 'USAGE')",
                                 role);
    for (const auto& r : rows) s.insert(r[0].as<unsigned>());
    s.insert(role);
    return m_acts_as[key] = std::move(s);
}

std::vector<IsolationCatalog::Leak> IsolationCatalog::leaks(unsigned role, bool member, const TenantRel& rel,
                                                              Cmd cmd) {
    const auto& roles = acts_as(role, member);
    const char letter = cmd == Cmd::select ? 'r' : cmd == Cmd::insert ? 'a' : cmd == Cmd::update ? 'w' : 'd';
    std::vector<Leak> out;
    for (bool check_part : {false, true}) {
        if (check_part && cmd != Cmd::insert && cmd != Cmd::update) continue;
        if (!check_part && cmd == Cmd::insert) continue;
        std::vector<std::pair<const PolicyRow*, ExprAnalysis>> permissive;
        bool restricted = false;
        for (const auto& p : policies(rel.oid)) {
            if (p.cmd != '*' && p.cmd != letter) continue;
            bool applies = false;
            for (auto r : p.roles) applies = applies || r == 0 || roles.count(r);
            if (!applies) continue;
            // The new row is checked against WITH CHECK, or USING when a policy has none.
            const auto& expr = check_part && p.check ? p.check : p.qual;
            // A policy without the expression adds nothing: PostgreSQL leaves it out of the OR
            // (a permissive INSERT policy without WITH CHECK admits no row).
            if (!expr) continue;
            auto a = analyze_policy_expr(*expr, m_column, m_setting);
            if (p.permissive)
                permissive.push_back({&p, a});
            else if (a.restricts())
                restricted = true;
        }
        if (restricted) continue;
        for (auto& [p, a] : permissive)
            if (!a.restricts()) out.push_back({p, check_part, a});
    }
    return out;
}

std::string IsolationCatalog::bypass_reason(unsigned role, const TenantRel& rel) {
    const auto* r = this->role(role);
    if (r && r->super) return fmt::format("{} is a superuser", r->name);
    if (r && r->bypass) return fmt::format("{} has BYPASSRLS", r->name);
    if (!rel.rls) return "ROW LEVEL SECURITY is not enabled on " + rel.qualified;
    std::string name = r ? r->name : std::to_string(role);
    if (!rel.force && acts_as(role, false).count(rel.owner))
        return fmt::format("{} owns {} and its RLS is not forced", name, rel.qualified);
    auto l = leaks(role, false, rel, Cmd::select);
    if (!l.empty())
        return fmt::format("policy {} does not confine {}: {}", l[0].policy->name, name,
                           explain(l[0].analysis, m_column, m_setting));
    return "";
}

std::string IsolationCatalog::tenant_expr(const TenantRel& rel) const {
    return fmt::format("{} = nullif(current_setting({}, true), '')::{}", db::quote_ident(m_column),
                       sql_literal(m_setting), rel.column_type);
}

}  // namespace tenantctl::doctor
