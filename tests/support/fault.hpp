// Fault injection for the end-to-end tests: runs the built binary with a failpoint
// (core/util/failpoint.hpp) and, at that exact point, kills it, terminates its database
// sessions, or restarts the server. Nothing depends on timing: the process waits at the point
// until the fault is in place.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "tests/support/test_support.hpp"

namespace tenantctl::test {

enum class Fault {
    kill,       // SIGKILL at the point
    terminate,  // pg_terminate_backend of every session of the test's database, then go on
    restart,    // pg_ctl restart -m fast of the test server, then go on (tests tagged
                // [server-restart] run alone: see tests/CMakeLists.txt)
    sigint,     // SIGINT (Ctrl-C) to the process at the point, then go on
    sigterm,    // SIGTERM to the process at the point, then go on
};
const char* to_string(Fault fault);

// Runs `args` until failpoint `point` is reached for the `hit`th time, injects `fault` there
// and lets it go on; returns how it ended. Fails the test if the point is never reached.
CliResult run_with_fault(const std::vector<std::string>& args, const TestDatabase& db, const std::string& point,
                         int hit, Fault fault, CliOptions options = {});

// Runs `args` until failpoint `point` is first reached, calls `meanwhile` while the process
// waits there, and lets it go on; returns how it ended.
CliResult run_paused_at(const std::vector<std::string>& args, const TestDatabase& db, const std::string& point,
                        const std::function<void()>& meanwhile, CliOptions options = {});

}  // namespace tenantctl::test
