// Named points in long-running commands where tests inject a fault exactly where they mean
// to, on a fast or a slow machine alike: no sleeps, no racing a timer.
//
//   TENANTCTL_TEST_FAILPOINT=NAME[@N][:ACTION]
//     NAME    the point, e.g. purge.before-commit (README, Development, lists them)
//     N       act the Nth time the point is reached (default 1)
//     ACTION  kill   SIGKILL this process (default)
//             pause  create the file named by TENANTCTL_TEST_FAILPOINT_FILE and wait until
//                    it is removed; meanwhile the test terminates the backend or restarts
//                    the server, and the command meets the fault on its next statement
//
// Unset (always, outside tests) a point costs one getenv per process. A malformed value is
// a usage error, so a typo in a test fails loudly instead of injecting nothing.
#pragma once

#include <string_view>

namespace tenantctl::util {

void failpoint(std::string_view name);

}  // namespace tenantctl::util
