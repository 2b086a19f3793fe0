#pragma once

namespace tenantctl {
const char* version();     // "0.1.0"
const char* git_commit();  // short hash of the commit the binary was built from
}  // namespace tenantctl
