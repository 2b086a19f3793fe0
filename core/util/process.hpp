// Running helper programs (initdb, pg_ctl, psql) without a shell: argv is passed as is,
// so no value is ever interpreted by /bin/sh.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace tenantctl::util {

struct ProcessResult {
    int exit_code = -1;  // 128 + signal when killed by a signal
    std::string out;
    std::string err;
};

// Runs argv[0] (looked up in PATH) and waits. stdin is /dev/null. Captures stdout/stderr
// when asked, otherwise they are inherited.
ProcessResult run_process(const std::vector<std::string>& argv, bool capture = true);

// Replaces the current process (for `sandbox psql`). Only returns on failure.
[[noreturn]] void exec_process(const std::vector<std::string>& argv);

bool is_root();
// Locates an executable in PATH, or nullopt.
std::optional<std::string> find_in_path(const std::string& name);

}  // namespace tenantctl::util
