// doctor's checks of a Citus cluster (issue 17). On a database without the citus extension
// each reports one `ok` row saying there is nothing to check.
//   citus_nodes   every node is active and every node reaches every other
//   citus_tables  the platform's and the app's tenant tables are distributed by the tenancy
//                 column in one colocation group, the shared tables are reference tables, and
//                 nothing that holds tenant rows is left local on the coordinator
//   citus_roles   the application role may log in on every worker (queries under SET ROLE
//                 are sent to the workers as that role)
//   citus_rls     every shard of an RLS-protected table has RLS enabled, forced and its
//                 policies, and the tenancy setting reaches the workers
#pragma once

#include <vector>

#include "core/doctor/doctor.hpp"

namespace tenantctl::citus {

void check_nodes(Context& ctx, std::vector<doctor::Finding>& out);
void check_tables(Context& ctx, std::vector<doctor::Finding>& out);
void check_roles(Context& ctx, std::vector<doctor::Finding>& out);
void check_rls(Context& ctx, std::vector<doctor::Finding>& out);

}  // namespace tenantctl::citus
