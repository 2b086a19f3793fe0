// The gdpr module's doctor checks: the data map classifies every tenant-scoped column, and
// no GDPR request is open past its legal due date.
#pragma once

#include <vector>

#include "core/doctor/doctor.hpp"

namespace tenantctl::gdpr {

void check_data_map(Context& ctx, std::vector<doctor::Finding>& out);
void check_overdue_requests(Context& ctx, std::vector<doctor::Finding>& out);

}  // namespace tenantctl::gdpr
