// End-to-end tests of what only happens on a terminal (confirmations, refusing to write binary
// to a screen): runs the built binary with stdin, stdout and stderr on a pseudo-terminal, as
// a person at a shell would, and talks to it the way that person does.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <string>
#include <vector>

#include "tests/support/test_support.hpp"

namespace tenantctl::test {

class PtySession {
public:
    // Starts `tenantctl ARGS` on a new pseudo-terminal with run_cli's environment.
    PtySession(const std::vector<std::string>& args, const TestDatabase* db = nullptr, const CliOptions& options = {});
    ~PtySession();  // kills the process if it still runs
    PtySession(const PtySession&) = delete;
    PtySession& operator=(const PtySession&) = delete;

    // Reads the screen until `text` has appeared; false when the process ended or `deadline`
    // passed first (a generous deadline: it only bounds a test that already failed).
    bool wait_for(const std::string& text, std::chrono::seconds deadline = std::chrono::seconds(60));
    // Types `keys` (a line needs its "\n").
    void type(const std::string& keys);
    // Reads the rest of the screen and returns the exit code (128+N for signal N).
    int finish(std::chrono::seconds deadline = std::chrono::seconds(120));

    // Everything written to the terminal so far (stdout and stderr together, "\r\n" as "\n").
    const std::string& screen() const { return m_screen; }

private:
    bool read_some(std::chrono::milliseconds timeout);

    TempDir m_home;
    pid_t m_pid = -1;
    int m_master = -1;
    std::string m_screen;
    bool m_reaped = false;
    int m_exit = -1;
};

}  // namespace tenantctl::test
