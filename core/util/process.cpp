#include "core/util/process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>

#include <fmt/format.h>

#include "core/errors.hpp"

extern char** environ;

namespace tenantctl::util {

namespace {
std::vector<char*> to_argv(const std::vector<std::string>& args) {
    std::vector<char*> out;
    for (const auto& a : args) out.push_back(const_cast<char*>(a.c_str()));
    out.push_back(nullptr);
    return out;
}
}  // namespace

ProcessResult run_process(const std::vector<std::string>& argv, bool capture) {
    int out_pipe[2] = {-1, -1}, err_pipe[2] = {-1, -1};
    if (capture && (pipe2(out_pipe, O_CLOEXEC) != 0 || pipe2(err_pipe, O_CLOEXEC) != 0))
        throw Error(Exit::runtime, fmt::format("cannot create a pipe: {}", std::strerror(errno)));

    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    if (capture) {
        posix_spawn_file_actions_adddup2(&actions, out_pipe[1], 1);
        posix_spawn_file_actions_adddup2(&actions, err_pipe[1], 2);
    }
    pid_t pid = 0;
    auto args = to_argv(argv);
    int rc = posix_spawnp(&pid, argv.at(0).c_str(), &actions, nullptr, args.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    if (capture) {
        close(out_pipe[1]);
        close(err_pipe[1]);
    }
    if (rc != 0) {
        if (capture) {
            close(out_pipe[0]);
            close(err_pipe[0]);
        }
        throw Error(Exit::runtime, fmt::format("cannot run {}: {}", argv[0], std::strerror(rc)));
    }

    ProcessResult result;
    if (capture) {
        pollfd fds[2] = {{out_pipe[0], POLLIN, 0}, {err_pipe[0], POLLIN, 0}};
        int open_fds = 2;
        char buf[4096];
        while (open_fds > 0) {
            if (poll(fds, 2, -1) < 0) {
                if (errno == EINTR) continue;
                break;
            }
            for (int k = 0; k < 2; ++k) {
                if (fds[k].fd < 0 || !(fds[k].revents & (POLLIN | POLLHUP | POLLERR))) continue;
                ssize_t n = read(fds[k].fd, buf, sizeof buf);
                if (n > 0) {
                    (k == 0 ? result.out : result.err).append(buf, static_cast<std::size_t>(n));
                } else if (n == 0 || errno != EINTR) {
                    close(fds[k].fd);
                    fds[k].fd = -1;
                    --open_fds;
                }
            }
        }
    }
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return result;
}

void exec_process(const std::vector<std::string>& argv) {
    auto args = to_argv(argv);
    execvp(argv.at(0).c_str(), args.data());
    throw Error(Exit::runtime, fmt::format("cannot run {}: {}", argv[0], std::strerror(errno)));
}

bool is_root() { return geteuid() == 0; }

std::optional<std::string> find_in_path(const std::string& name) {
    const char* path = std::getenv("PATH");
    if (!path) return std::nullopt;
    std::string_view rest = path;
    while (!rest.empty()) {
        auto pos = rest.find(':');
        std::string dir(rest.substr(0, pos));
        rest = pos == std::string_view::npos ? std::string_view{} : rest.substr(pos + 1);
        if (dir.empty()) continue;
        auto candidate = std::filesystem::path(dir) / name;
        if (access(candidate.c_str(), X_OK) == 0) return candidate.string();
    }
    return std::nullopt;
}

}  // namespace tenantctl::util
