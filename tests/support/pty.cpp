#include "tests/support/pty.hpp"

#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <stdexcept>

namespace tenantctl::test {

PtySession::PtySession(const std::vector<std::string>& args, const TestDatabase* db, const CliOptions& options) {
    const auto env = cli_environment(db, options, m_home.path());
    std::vector<std::string> env_strings;
    for (const auto& [k, v] : env) env_strings.push_back(k + "=" + v);
    env_strings.push_back("TERM=dumb");  // no colour escapes in what the tests read
    std::vector<char*> envp;
    for (auto& s : env_strings) envp.push_back(s.data());
    envp.push_back(nullptr);
    std::vector<std::string> argv_strings{TENANTCTL_BINARY};
    argv_strings.insert(argv_strings.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (auto& s : argv_strings) argv.push_back(s.data());
    argv.push_back(nullptr);

    winsize size{};
    size.ws_row = 50;
    size.ws_col = 200;
    m_pid = ::forkpty(&m_master, nullptr, nullptr, &size);
    if (m_pid < 0) throw std::runtime_error("forkpty failed");
    if (m_pid == 0) {
        // The child: only async-signal-safe calls until exec.
        if (options.cwd && ::chdir(options.cwd->c_str()) != 0) ::_exit(126);
        ::execve(TENANTCTL_BINARY, argv.data(), envp.data());
        ::_exit(127);
    }
}

PtySession::~PtySession() {
    if (!m_reaped && m_pid > 0) {
        ::kill(m_pid, SIGKILL);
        int status = 0;
        ::waitpid(m_pid, &status, 0);
    }
    if (m_master >= 0) ::close(m_master);
}

bool PtySession::read_some(std::chrono::milliseconds timeout) {
    pollfd p{m_master, POLLIN, 0};
    const int ready = ::poll(&p, 1, static_cast<int>(timeout.count()));
    if (ready <= 0) return ready == 0 || errno == EINTR;
    char buffer[4096];
    const ssize_t n = ::read(m_master, buffer, sizeof buffer);
    if (n <= 0) return false;  // EIO: every slave end is closed, the process has ended
    for (ssize_t i = 0; i < n; ++i)
        if (buffer[i] != '\r') m_screen += buffer[i];
    return true;
}

bool PtySession::wait_for(const std::string& text, std::chrono::seconds deadline) {
    const auto until = std::chrono::steady_clock::now() + deadline;
    while (m_screen.find(text) == std::string::npos) {
        if (std::chrono::steady_clock::now() > until) return false;
        if (!read_some(std::chrono::milliseconds(200))) return m_screen.find(text) != std::string::npos;
    }
    return true;
}

void PtySession::type(const std::string& keys) {
    std::size_t done = 0;
    while (done < keys.size()) {
        const ssize_t n = ::write(m_master, keys.data() + done, keys.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) throw std::runtime_error("writing to the pseudo-terminal failed");
        done += static_cast<std::size_t>(n);
    }
}

int PtySession::finish(std::chrono::seconds deadline) {
    if (m_reaped) return m_exit;
    const auto until = std::chrono::steady_clock::now() + deadline;
    while (read_some(std::chrono::milliseconds(200)) && std::chrono::steady_clock::now() < until) {
    }
    int status = 0;
    if (::waitpid(m_pid, &status, std::chrono::steady_clock::now() < until ? 0 : WNOHANG) != m_pid) {
        ::kill(m_pid, SIGKILL);
        ::waitpid(m_pid, &status, 0);
    }
    m_reaped = true;
    m_exit = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return m_exit;
}

}  // namespace tenantctl::test
