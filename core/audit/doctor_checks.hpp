// The audit module's doctor check: no rows wait in the default partition (they are outside
// every month, so only prune's default-partition pass reaches them) and every month of the
// premake window has its partition.
#pragma once

#include <vector>

#include "core/doctor/doctor.hpp"

namespace tenantctl::audit {

void check_partitions(Context& ctx, std::vector<doctor::Finding>& out);

}  // namespace tenantctl::audit
