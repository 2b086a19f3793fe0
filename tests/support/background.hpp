// The built binary running in the background with stdout on a pipe (`audit tail -f`): read its
// lines as they come, close the reader, wait for its exit. Killed with SIGTERM when dropped.
#pragma once

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace tenantctl::test {

// The binary running in the background with stdout on a pipe (for tail -f).
class Background {
public:
    Background(const std::vector<std::string>& args, const std::string& url) {
        int fds[2];
        REQUIRE(::pipe(fds) == 0);
        posix_spawn_file_actions_t fa;
        posix_spawn_file_actions_init(&fa);
        posix_spawn_file_actions_adddup2(&fa, fds[1], 1);
        posix_spawn_file_actions_addclose(&fa, fds[0]);
        std::vector<std::string> argv_s{TENANTCTL_BINARY};
        argv_s.insert(argv_s.end(), args.begin(), args.end());
        std::vector<char*> argv;
        for (auto& s : argv_s) argv.push_back(s.data());
        argv.push_back(nullptr);
        std::vector<std::string> env_s{"PATH=/usr/bin:/bin", "HOME=/tmp", "TENANTCTL_DATABASE_URL=" + url};
        std::vector<char*> envp;
        for (auto& s : env_s) envp.push_back(s.data());
        envp.push_back(nullptr);
        REQUIRE(posix_spawn(&m_pid, TENANTCTL_BINARY, &fa, nullptr, argv.data(), envp.data()) == 0);
        posix_spawn_file_actions_destroy(&fa);
        ::close(fds[1]);
        m_fd = fds[0];
    }
    ~Background() {
        if (!m_reaped) {
            ::kill(m_pid, SIGTERM);
            int status = 0;
            ::waitpid(m_pid, &status, 0);
        }
        if (m_fd >= 0) ::close(m_fd);
    }
    // The reader goes away, as `| head -1` does after its line.
    void close_output() {
        ::close(m_fd);
        m_fd = -1;
    }
    // Its exit code once it ends by itself, or nullopt if it still runs at the deadline.
    std::optional<int> exit_code(std::chrono::seconds deadline) {
        const auto until = std::chrono::steady_clock::now() + deadline;
        int status = 0;
        while (::waitpid(m_pid, &status, WNOHANG) == 0) {
            if (std::chrono::steady_clock::now() > until) return std::nullopt;
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
        m_reaped = true;
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    }
    // Reads until `n` complete lines arrived or the deadline passed.
    std::vector<std::string> lines(std::size_t n, std::chrono::seconds deadline = std::chrono::seconds(20)) {
        auto until = std::chrono::steady_clock::now() + deadline;
        while (count() < n && std::chrono::steady_clock::now() < until) {
            pollfd p{m_fd, POLLIN, 0};
            if (::poll(&p, 1, 100) > 0) {
                char buf[4096];
                auto k = ::read(m_fd, buf, sizeof buf);
                if (k <= 0) break;
                m_out.append(buf, static_cast<std::size_t>(k));
            }
        }
        std::vector<std::string> out;
        std::size_t start = 0;
        for (auto end = m_out.find('\n'); end != std::string::npos; end = m_out.find('\n', start)) {
            out.push_back(m_out.substr(start, end - start));
            start = end + 1;
        }
        return out;
    }

private:
    std::size_t count() const { return static_cast<std::size_t>(std::count(m_out.begin(), m_out.end(), '\n')); }
    pid_t m_pid = -1;
    bool m_reaped = false;
    int m_fd = -1;
    std::string m_out;
};

}  // namespace tenantctl::test
