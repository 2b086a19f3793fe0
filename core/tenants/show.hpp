// `tenant show`: everything an operator asks about one tenant during an incident, in one
// document: the row (settings, flags, status and why), its data-key versions, rows per
// tenant-scoped table, open jobs (pending migrations, an unfinished purge) and the latest
// audit events.
#pragma once

#include <string>

#include "core/records.hpp"

namespace tenantctl {
class Context;
}

namespace tenantctl::tenants {

json show(Context& ctx, const std::string& slug, int recent_events = 10);

}  // namespace tenantctl::tenants
