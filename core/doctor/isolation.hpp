// Static cross-tenant path checks (issue 13): every way the application role could reach
// another tenant's rows that the catalog can show, in every schema. Each finding names the
// relation, policy, function or role, says why it leaks, and carries the fix as SQL in `hint`.
#pragma once

#include <vector>

#include "core/doctor/doctor.hpp"

namespace tenantctl::doctor {

// Permissive policies OR'ed with something that does not confine the tenancy column
// (bypass switches, unset-setting escapes, always-true debug policies, WITH CHECK (true),
// comparisons with something other than the setting), per command the app role may run.
void check_policies(Context& ctx, std::vector<Finding>& out);
// Partitions of tenant tables the app role can query by name (RLS sits on the parent only).
void check_partitions(Context& ctx, std::vector<Finding>& out);
// Views readable by the app role that run as an owner RLS does not confine.
void check_views(Context& ctx, std::vector<Finding>& out);
// Materialized views of tenant tables readable by the app role (they have no RLS).
void check_matviews(Context& ctx, std::vector<Finding>& out);
// SECURITY DEFINER functions the app role may execute, owned by a role RLS does not confine,
// that read tenant tables.
void check_definer_functions(Context& ctx, std::vector<Finding>& out);
// Roles the app role can SET ROLE to (transitively) that are superuser, BYPASSRLS or own a
// tenant relation.
void check_role_membership(Context& ctx, std::vector<Finding>& out);
// Tenant tables inside the platform schema, and platform relations the app role can reach.
void check_platform_isolation(Context& ctx, std::vector<Finding>& out);

}  // namespace tenantctl::doctor
