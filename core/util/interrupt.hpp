// Ctrl-C and SIGTERM during long, resumable work: stop between batches, never inside one.
//
// Outside an InterruptScope the signals keep their default action, so a command that has
// nothing to save (a query, a connect that hangs) dies at once as every Unix tool does. Inside
// one, the first signal only sets a flag; the work loop finishes and commits the batch it is
// in, with its checkpoint, then calls stop_if_interrupted(), which throws Aborted (exit 10)
// naming what was done and the command that resumes. A second signal kills at once
// (SA_RESETHAND), for an operator who cannot wait for a batch stuck on a lock.
//
// Worker threads call block_interrupts_in_this_thread() first, so the kernel always runs the
// handler on the thread that started the work: that thread cannot run another line of its own
// code between a signal's arrival and the flag being set, so a test that signals a run paused
// at a failpoint knows for certain that the run stops at its next check.
#pragma once

#include <string>
#include <string_view>

namespace tenantctl::util {

class InterruptScope {
public:
    InterruptScope();
    ~InterruptScope();
    InterruptScope(const InterruptScope&) = delete;
    InterruptScope& operator=(const InterruptScope&) = delete;
};

void block_interrupts_in_this_thread();

// The signal (SIGINT, SIGTERM) that arrived inside a scope and was not yet acted on, or 0.
int pending_interrupt();

// Throws Aborted when a signal arrived: "interrupted by SIGINT after DONE; ...", with the
// command that resumes the work as the hint (`resume`, else the command line as typed).
void stop_if_interrupted(std::string_view done, std::string_view resume = {});

// The command line as typed, shell-quoted, for "run it again to resume" hints. Set once by
// the CLI (secrets are never in argv, so it is safe to print).
void remember_command_line(int argc, const char* const* argv);
const std::string& command_line();

}  // namespace tenantctl::util
