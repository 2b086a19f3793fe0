#include "core/util/interrupt.hpp"

#include "core/errors.hpp"

#include <pthread.h>
#include <signal.h>

#include <atomic>

namespace tenantctl::util {

namespace {

// Written by the handler, read by worker threads (pending_interrupt): a lock-free atomic is
// both async-signal-safe and free of the data race a volatile sig_atomic_t would be.
std::atomic<int> g_signal{0};
static_assert(std::atomic<int>::is_always_lock_free);
int g_depth = 0;
struct sigaction g_old_int {};
struct sigaction g_old_term {};
std::string g_command_line = "tenantctl";

extern "C" void note_interrupt(int sig) { g_signal = sig; }

// A word as a POSIX shell reads it back: bare when it holds only safe characters, else in
// single quotes (a quote inside becomes '\'').
std::string shell_word(std::string_view word) {
    const bool safe = !word.empty() && word.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                                              "0123456789-_./:=@,+%") == std::string_view::npos;
    if (safe) return std::string(word);
    std::string out = "'";
    for (char c : word) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return out + "'";
}

}  // namespace

InterruptScope::InterruptScope() {
    // The flag is not cleared here: a signal that came while an earlier scope of the same run
    // was ending (after one tenant's last batch) still stops the next tenant.
    if (g_depth++ > 0) return;
    struct sigaction action {};
    action.sa_handler = note_interrupt;
    sigemptyset(&action.sa_mask);
    // SA_RESTART: a batch waiting on the server carries on; SA_RESETHAND: a second signal
    // finds the default action and kills.
    action.sa_flags = SA_RESTART | SA_RESETHAND;
    sigaction(SIGINT, &action, &g_old_int);
    sigaction(SIGTERM, &action, &g_old_term);
}

InterruptScope::~InterruptScope() {
    if (--g_depth > 0) return;
    sigaction(SIGINT, &g_old_int, nullptr);
    sigaction(SIGTERM, &g_old_term, nullptr);
}

void block_interrupts_in_this_thread() {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

int pending_interrupt() { return g_signal.load(); }

void stop_if_interrupted(std::string_view done, std::string_view resume) {
    const int sig = g_signal.exchange(0);
    if (sig == 0) return;
    const char* name = sig == SIGINT ? "SIGINT" : "SIGTERM";
    throw Aborted(std::string("interrupted by ") + name + " after " + std::string(done) +
                      "; everything up to there is committed",
                  resume.empty() ? "run the same command again to resume: " + g_command_line
                                 : "resume with: " + std::string(resume));
}

void remember_command_line(int argc, const char* const* argv) {
    g_command_line = "tenantctl";
    for (int i = 1; i < argc; ++i) g_command_line += " " + shell_word(argv[i]);
}

const std::string& command_line() { return g_command_line; }

}  // namespace tenantctl::util
