#include "tests/support/fault.hpp"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <chrono>
#include <filesystem>
#include <thread>

#include "core/sandbox/sandbox.hpp"
#include "core/util/process.hpp"

namespace tenantctl::test {

namespace fs = std::filesystem;

const char* to_string(Fault fault) {
    switch (fault) {
        case Fault::kill: return "SIGKILL";
        case Fault::terminate: return "terminated backend";
        case Fault::restart: return "server restart";
        case Fault::sigint: return "SIGINT";
        case Fault::sigterm: return "SIGTERM";
    }
    return "?";
}

namespace {

pid_t spawn(const std::vector<std::string>& args, const std::map<std::string, std::string>& env, const fs::path& out,
            const fs::path& err, const fs::path& cwd) {
    std::vector<std::string> argv_s{TENANTCTL_BINARY};
    argv_s.insert(argv_s.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (auto& a : argv_s) argv.push_back(a.data());
    argv.push_back(nullptr);
    std::vector<std::string> env_s;
    for (const auto& [k, v] : env) env_s.push_back(k + "=" + v);
    std::vector<char*> envp;
    for (auto& e : env_s) envp.push_back(e.data());
    envp.push_back(nullptr);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 1, out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    posix_spawn_file_actions_addopen(&fa, 2, err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    posix_spawn_file_actions_addchdir_np(&fa, cwd.c_str());
    pid_t pid = -1;
    const int rc = posix_spawn(&pid, argv[0], &fa, nullptr, argv.data(), envp.data());
    posix_spawn_file_actions_destroy(&fa);
    REQUIRE(rc == 0);
    return pid;
}

int exit_code_of(int status) { return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status); }

void restart_server() {
    const auto& s = server();
    std::vector<std::string> argv{(s.bin_dir / "pg_ctl").string(), "-D", s.data_dir().string(), "-l",
                                  s.log_file().string(), "-m", "fast", "-w", "-t", "60", "restart"};
    if (s.run_as_postgres) argv.insert(argv.begin(), {"runuser", "-u", "postgres", "--"});
    auto r = util::run_process(argv);
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
}

}  // namespace

namespace {
CliResult run_at_point(const std::vector<std::string>& args, const TestDatabase& db, const std::string& point, int hit,
                       Fault fault, const std::function<void()>& meanwhile, CliOptions options);
}  // namespace

CliResult run_with_fault(const std::vector<std::string>& args, const TestDatabase& db, const std::string& point,
                         int hit, Fault fault, CliOptions options) {
    return run_at_point(args, db, point, hit, fault, {}, std::move(options));
}

CliResult run_paused_at(const std::vector<std::string>& args, const TestDatabase& db, const std::string& point,
                        const std::function<void()>& meanwhile, CliOptions options) {
    return run_at_point(args, db, point, 1, Fault::sigint, meanwhile, std::move(options));
}

namespace {

CliResult run_at_point(const std::vector<std::string>& args, const TestDatabase& db, const std::string& point, int hit,
                       Fault fault, const std::function<void()>& meanwhile, CliOptions options) {
    TempDir scratch;
    const fs::path paused = scratch / "paused";
    options.env["TENANTCTL_TEST_FAILPOINT"] =
        fmt::format("{}@{}{}", point, hit, fault == Fault::kill ? ":kill" : ":pause");
    options.env["TENANTCTL_TEST_FAILPOINT_FILE"] = paused.string();
    const auto env = cli_environment(&db, options, scratch.path());
    const fs::path cwd = options.cwd ? *options.cwd : scratch.path();
    const pid_t pid = spawn(args, env, scratch / "out", scratch / "err", cwd);

    int status = 0;
    bool exited = false;
    if (fault != Fault::kill) {
        // Until the process sits at the point (or ends without reaching it).
        const auto give_up = std::chrono::steady_clock::now() + std::chrono::minutes(5);
        while (!fs::exists(paused)) {
            const pid_t done = ::waitpid(pid, &status, WNOHANG);
            if (done == pid) {
                exited = true;
                break;
            }
            if (std::chrono::steady_clock::now() > give_up) {
                ::kill(pid, SIGKILL);
                ::waitpid(pid, &status, 0);
                FAIL("failpoint " << point << "@" << hit << " not reached within 5 minutes");
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
        }
        if (!exited) {
            if (fault == Fault::terminate) {
                db.exec("SELECT pg_terminate_backend(pid, 30000) FROM pg_stat_activity "
                        "WHERE datname = current_database() AND pid <> pg_backend_pid()");
            } else if (meanwhile) {
                try {
                    meanwhile();
                } catch (...) {  // a failed check: the process must not wait at the point forever
                    ::kill(pid, SIGKILL);
                    ::waitpid(pid, &status, 0);
                    throw;
                }
            } else if (fault == Fault::sigint || fault == Fault::sigterm) {
                // Sent while the process waits at the point: pending before it goes on.
                ::kill(pid, fault == Fault::sigint ? SIGINT : SIGTERM);
            } else {
                restart_server();
            }
            fs::remove(paused);
        }
    }
    if (!exited) REQUIRE(::waitpid(pid, &status, 0) == pid);
    CliResult r;
    r.exit_code = exit_code_of(status);
    r.out = read_file(scratch / "out");
    r.err = read_file(scratch / "err");
    INFO(args.front() << " with " << to_string(fault) << " at " << point << "@" << hit << ": " << r.err);
    // A fault at a point the run never reached proves nothing.
    REQUIRE_FALSE(exited);
    return r;
}

}  // namespace

}  // namespace tenantctl::test
