// A snapshot of what the isolation checks and the probe need from the catalog: tenant
// relations (every table or partition carrying the tenancy column, in every schema), their
// policies, and which roles a given role can act as. Loaded with a handful of queries, so a
// schema of thousands of partitions costs milliseconds.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <pqxx/pqxx>

#include "core/doctor/policy_expr.hpp"

namespace tenantctl {
class Context;
}

namespace tenantctl::doctor {

struct PolicyRow {
    std::string name;
    char cmd = '*';  // r a w d *
    bool permissive = true;
    std::vector<unsigned> roles;  // 0 = PUBLIC
    std::optional<std::string> qual, check;
    std::string roles_text;  // "PUBLIC", "app, admin"
};

struct TenantRel {
    unsigned oid = 0;
    std::string schema, name, qualified;  // qualified: quoted where needed (quote_ident)
    char kind = 'r';                      // r p
    bool partition = false;
    bool rls = false, force = false;
    unsigned owner = 0;
    std::string owner_name;
    std::string column_type;  // format_type of the tenancy column
    bool platform = false;    // inside the platform schema
    std::string root;         // partitions: quoted root table
    unsigned root_oid = 0;
};

struct RoleRow {
    unsigned oid = 0;
    std::string name;
    bool super = false, bypass = false;
};

// Commands RLS distinguishes, and which parts of a policy each one evaluates.
enum class Cmd { select, insert, update, delete_ };
const char* cmd_name(Cmd c);

class IsolationCatalog {
public:
    IsolationCatalog(Context& ctx, pqxx::transaction_base& tx);

    const std::vector<TenantRel>& rels() const { return m_rels; }
    const TenantRel* rel(unsigned oid) const;
    const std::vector<PolicyRow>& policies(unsigned relid) const;
    const RoleRow* role(unsigned oid) const;
    const RoleRow* role(const std::string& name) const;
    const std::string& app_role() const { return m_app; }
    bool app_exists() const { return m_app_oid != 0; }
    unsigned app_oid() const { return m_app_oid; }

    // Roles whose privileges `role` has: 'USAGE' (inherited) or 'MEMBER' (also by SET ROLE).
    const std::set<unsigned>& acts_as(unsigned role, bool member);

    // Why `role` reads `rel` without its tenant policies confining it ("" when they do).
    std::string bypass_reason(unsigned role, const TenantRel& rel);

    // The policy expression (USING, or WITH CHECK for the new row) for `cmd`.
    struct Leak {
        const PolicyRow* policy;
        bool check_part;  // WITH CHECK (new row) rather than USING
        ExprAnalysis analysis;
    };
    // Permissive policies that let `role` reach rows of another tenant with `cmd`: empty when a
    // restrictive policy confines the tenant or every permissive one does.
    std::vector<Leak> leaks(unsigned role, bool member, const TenantRel& rel, Cmd cmd);

    const std::string& column() const { return m_column; }
    const std::string& setting() const { return m_setting; }
    // `col = nullif(current_setting('s', true), '')::type`, for hints.
    std::string tenant_expr(const TenantRel& rel) const;

private:
    std::string m_column, m_setting, m_app;
    unsigned m_app_oid = 0;
    pqxx::transaction_base& m_tx;
    std::vector<TenantRel> m_rels;
    std::map<unsigned, std::size_t> m_rel_index;
    std::map<unsigned, std::vector<PolicyRow>> m_policies;
    std::map<unsigned, RoleRow> m_roles;
    std::map<std::pair<unsigned, bool>, std::set<unsigned>> m_acts_as;
};

// SQL literal for a value we print in a hint ('it''s').
std::string sql_literal(const std::string& v);

}  // namespace tenantctl::doctor
