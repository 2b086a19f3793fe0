// How tenantctl's batch transactions on the application's tables go through row-level
// security (DESIGN: "go through RLS; don't use BYPASSRLS").
//
// Every batch transaction sets the tenancy setting (app.tenant_id) with set_config(..., true),
// so the tables' policies see exactly one tenant. That alone is enough when tenantctl connects
// as a role RLS applies to: an ordinary role, or the tables' owner when RLS is FORCEd.
// Superusers and BYPASSRLS roles ignore policies even when forced, so for such a session the
// batch's statements on application tables also run under `SET LOCAL ROLE <tenancy.app_role>`
// (when that role exists), exactly as the application would, and the role is reset before
// tenantctl writes its own platform tables. With no usable app role the queries still filter
// on the tenancy column explicitly, and a warning says that RLS is not in the loop.
#pragma once

#include <optional>
#include <string>

#include <pqxx/pqxx>

namespace tenantctl {
class Context;
}

namespace tenantctl::keys {

class TenantScope {
public:
    // Decides once per run, from the session's role attributes.
    static TenantScope decide(Context& ctx, pqxx::transaction_base& tx);

    // Sets the tenancy setting for this transaction and, when needed, the app role.
    void enter(pqxx::transaction_base& tx, const std::string& tenant_id) const;
    // Back to the session's own role (for writes to platform tables in the same transaction).
    void leave(pqxx::transaction_base& tx) const;

    // The role the data statements run as, if tenantctl switches to one.
    const std::optional<std::string>& role() const { return m_role; }
    // "row-level security as role app", for logs and the run summary.
    std::string describe() const;

private:
    std::string m_setting;
    std::optional<std::string> m_role;
    bool m_bypasses = false;
};

}  // namespace tenantctl::keys
