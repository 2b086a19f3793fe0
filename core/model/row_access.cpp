#include "core/model/row_access.hpp"

#include <fmt/format.h>

#include "core/context.hpp"
#include "core/db/connection.hpp"
#include "core/errors.hpp"
#include "core/util/strings.hpp"

namespace tenantctl::model {

void require_unfiltered(pqxx::transaction_base& tx, const TenantData& data) {
    std::vector<std::string> names;
    for (const auto& r : data.relations()) {
        names.push_back(r.name.quoted());
        for (const auto& p : r.partitions) names.push_back(p.quoted());
    }
    if (names.empty()) return;
    // The rule PostgreSQL applies (check_enable_rls): policies bind a session unless it is a
    // superuser or has BYPASSRLS, or has the owner's privileges on a table that does not FORCE.
    auto rows = tx.exec_params(
        "WITH me AS (SELECT rolsuper OR rolbypassrls AS exempt FROM pg_roles WHERE rolname = current_user) "
        "SELECT current_user, n.nspname || '.' || c.relname, "
        "  coalesce((SELECT string_agg(p.polname, ', ' ORDER BY p.polname) FROM pg_policy p WHERE p.polrelid = c.oid), "
        "           '(none: every row hidden)') "
        "FROM unnest($1::text[]) AS x(name) JOIN pg_class c ON c.oid = x.name::regclass "
        "JOIN pg_namespace n ON n.oid = c.relnamespace, me "
        "WHERE NOT me.exempt AND c.relrowsecurity "
        "  AND (c.relforcerowsecurity OR NOT pg_has_role(current_user, c.relowner, 'USAGE')) "
        "ORDER BY 2",
        db::text_array(names));
    if (rows.empty()) return;
    std::vector<std::string> tables;
    for (const auto& r : rows) tables.push_back(r[1].c_str());
    throw Refused(fmt::format("role '{}' is subject to row-level security on {} (policies: {}){}: a policy could hide "
                              "rows from this command",
                              rows[0][0].c_str(), rows[0][1].c_str(), rows[0][2].c_str(),
                              rows.size() > 1 ? fmt::format(" and {} more table(s)", rows.size() - 1) : ""),
                  "run it as a role that row-level security does not filter: a superuser, a role WITH BYPASSRLS "
                  "(e.g. CREATE ROLE tenantctl_admin BYPASSRLS ...), or the tables' owner without FORCE ROW LEVEL "
                  "SECURITY");
}

void enter_tenant(Context& ctx, pqxx::transaction_base& tx, const std::string& tenancy_value) {
    tx.exec("SET LOCAL row_security = off");
    db::set_tenant_local(tx, ctx.config().tenancy.setting, tenancy_value);
}

}  // namespace tenantctl::model
