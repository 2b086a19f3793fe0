#include "core/keys/tenant_scope.hpp"

#include <fmt/format.h>

#include "core/context.hpp"
#include "core/db/connection.hpp"

namespace tenantctl::keys {

TenantScope TenantScope::decide(Context& ctx, pqxx::transaction_base& tx) {
    TenantScope s;
    s.m_setting = ctx.config().tenancy.setting;
    auto r = tx.exec1("SELECT rolsuper OR rolbypassrls FROM pg_roles WHERE rolname = current_user");
    s.m_bypasses = r[0].as<bool>();
    if (!s.m_bypasses) return s;
    const std::string& app_role = ctx.config().tenancy.app_role;
    auto usable = tx.exec_params(
        "SELECT 1 FROM pg_roles WHERE rolname = $1 AND NOT rolsuper AND NOT rolbypassrls "
        "AND pg_has_role(current_user, oid, 'MEMBER')",
        app_role);
    if (!usable.empty()) {
        s.m_role = app_role;
    } else {
        ctx.log().warn(fmt::format(
            "connected as a role that bypasses row-level security and the app role '{}' is not usable: "
            "relying on explicit {} filters only",
            app_role, ctx.config().tenancy.column));
    }
    return s;
}

void TenantScope::enter(pqxx::transaction_base& tx, const std::string& tenant_id) const {
    db::set_tenant_local(tx, m_setting, tenant_id);
    if (m_role) tx.exec("SET LOCAL ROLE " + db::quote_ident(*m_role));
}

void TenantScope::leave(pqxx::transaction_base& tx) const {
    if (m_role) tx.exec("SET LOCAL ROLE NONE");
}

std::string TenantScope::describe() const {
    if (m_role) return fmt::format("row-level security as role {}", *m_role);
    if (m_bypasses) return "explicit tenant filter (session bypasses row-level security)";
    return "row-level security";
}

}  // namespace tenantctl::keys
