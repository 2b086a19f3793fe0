#include "core/crypto/master_key.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <openssl/crypto.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iterator>
#include <vector>

#include <fmt/format.h>

#include "core/crypto/hash.hpp"
#include "core/crypto/random.hpp"
#include "core/errors.hpp"
#include "core/util/duration.hpp"

namespace tenantctl::crypto {

namespace {

constexpr std::size_t kKeySize = 32;
// A key is 44 characters; anything much bigger is the wrong file or command.
constexpr std::size_t kMaxSourceSize = 4096;
constexpr const char* kFormatHint = "the master key is 32 random bytes in base64, e.g. from: openssl rand -base64 32";

// Wipes a std::string however the scope is left.
class WipeOnExit {
public:
    explicit WipeOnExit(std::string& s) : m_s(s) {}
    ~WipeOnExit() { OPENSSL_cleanse(m_s.data(), m_s.size()); }
    WipeOnExit(const WipeOnExit&) = delete;
    WipeOnExit& operator=(const WipeOnExit&) = delete;

private:
    std::string& m_s;
};

std::string_view trim(std::string_view s) {
    constexpr std::string_view kSpace = " \t\r\n\v\f";
    const auto first = s.find_first_not_of(kSpace);
    if (first == std::string_view::npos) return {};
    return s.substr(first, s.find_last_not_of(kSpace) - first + 1);
}

// `origin` says where the text came from ("environment variable X", "file P", "command")
// so errors are actionable without showing the text.
SecureBytes decode_key_text(std::string_view text, const std::string& origin) {
    const std::string_view trimmed = trim(text);
    if (trimmed.empty()) throw UsageError("master key from " + origin + " is empty", kFormatHint);
    // Accept both alphabets and missing padding by rewriting to padded standard base64.
    std::string normal(trimmed);
    WipeOnExit wipe_normal(normal);
    for (char& c : normal) {
        if (c == '-') c = '+';
        if (c == '_') c = '/';
    }
    if (normal.find('=') == std::string::npos)
        while (normal.size() % 4 != 0) normal.push_back('=');
    std::string raw;
    WipeOnExit wipe_raw(raw);
    if (!base64_decode(normal, raw))
        throw UsageError("master key from " + origin + " is not valid base64", kFormatHint);
    if (raw.size() != kKeySize)
        throw UsageError("master key from " + origin + " must decode to 32 bytes, got " + std::to_string(raw.size()),
                         kFormatHint);
    return SecureBytes(raw);
}

std::string errno_text(int err) { return std::strerror(err); }

// Variables the cmd: key source never sees (database credentials).
constexpr std::string_view kCommandHiddenEnv[] = {"TENANTCTL_DATABASE_URL", "PGPASSWORD", "PGPASSFILE",
                                                  "PGSERVICEFILE"};

// TENANTCTL_KEY_COMMAND_TIMEOUT (a duration; 0s: no limit), default 30s.
std::chrono::seconds command_timeout() {
    const char* text = std::getenv("TENANTCTL_KEY_COMMAND_TIMEOUT");
    if (!text || !*text) return std::chrono::seconds(30);
    const auto d = util::parse_duration(text);
    if (d.months != 0) throw UsageError("TENANTCTL_KEY_COMMAND_TIMEOUT must be shorter than a month");
    return d.seconds;
}

// Reads at most kMaxSourceSize bytes; returns false if there was more. With a non-zero
// `timeout`, gives up (timed_out) when the writer has not closed its end by then.
bool read_all(int fd, SecureBytes& out, int& read_errno, std::chrono::seconds timeout, bool& timed_out) {
    SecureBytes buffer(kMaxSourceSize + 1);
    std::size_t used = 0;
    read_errno = 0;
    timed_out = false;
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (used < buffer.size()) {
        if (timeout.count() > 0) {
            const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
            if (left.count() <= 0) {
                timed_out = true;
                break;
            }
            pollfd p{fd, POLLIN, 0};
            const int ready = ::poll(&p, 1, static_cast<int>(std::min<long long>(left.count(), 60000)));
            if (ready < 0 && errno != EINTR) {
                read_errno = errno;
                break;
            }
            if (ready <= 0) continue;
        }
        const ssize_t n = ::read(fd, buffer.data() + used, buffer.size() - used);
        if (n == 0) break;
        if (n < 0) {
            if (errno == EINTR) continue;
            read_errno = errno;
            break;
        }
        used += static_cast<std::size_t>(n);
    }
    buffer.resize(used);
    out = std::move(buffer);
    return used <= kMaxSourceSize;
}

SecureBytes key_from_env(std::string_view name) {
    if (name.empty()) throw UsageError("master key source env: needs a variable name (env:NAME)");
    const std::string var(name);
    const char* value = std::getenv(var.c_str());
    if (value == nullptr) throw UsageError("environment variable " + var + " (the master key source) is not set");
    return decode_key_text(value, "environment variable " + var);
}

std::string octal_mode(mode_t mode) {
    char text[8];
    std::snprintf(text, sizeof text, "%04o", static_cast<unsigned>(mode & 07777));
    return text;
}

SecureBytes key_from_file(std::string_view path_view) {
    if (path_view.empty()) throw UsageError("master key source file: needs a path (file:PATH)");
    const std::string path(path_view);
    // O_NONBLOCK: opening a FIFO would otherwise wait for a writer forever. The type is
    // checked on the opened descriptor below, before anything is read.
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0) throw UsageError("cannot open master key file " + path + ": " + errno_text(errno));
    struct FdCloser {
        int fd;
        ~FdCloser() { ::close(fd); }
    } closer{fd};

    // fstat on the opened descriptor, so the file checked is the file read.
    struct stat st {};
    if (::fstat(fd, &st) != 0) throw UsageError("cannot stat master key file " + path + ": " + errno_text(errno));
    if (S_ISDIR(st.st_mode)) throw UsageError("master key file " + path + " is a directory");
    if (!S_ISREG(st.st_mode))
        throw UsageError("master key file " + path + " is not a regular file (a FIFO, socket or device)",
                         "store the key in a regular file with mode 600, or use cmd:COMMAND to produce it");
    if ((st.st_mode & 077) != 0)
        throw Refused(
            "master key file " + path + " is accessible by group or others (mode " + octal_mode(st.st_mode) + ")",
            "chmod 600 " + path);

    SecureBytes content;
    int read_errno = 0;
    bool timed_out = false;
    const bool complete = read_all(fd, content, read_errno, std::chrono::seconds(0), timed_out);
    if (read_errno != 0) throw UsageError("cannot read master key file " + path + ": " + errno_text(read_errno));
    if (!complete) throw UsageError("master key file " + path + " is too large to hold a master key", kFormatHint);
    return decode_key_text(content.view(), "file " + path);
}

SecureBytes key_from_command(std::string_view command_view) {
    if (command_view.empty()) throw UsageError("master key source cmd: needs a command (cmd:COMMAND)");
    const std::string command(command_view);
    if (command.find('\0') != std::string::npos) throw UsageError("master key command contains a NUL byte");

    // The command's environment without the database credentials: a key helper has no business
    // with them, and it may log its environment. Built before fork (no allocation after it).
    std::vector<std::string> env_strings;
    for (char** e = environ; e && *e; ++e) {
        const std::string_view entry(*e);
        const std::string_view name = entry.substr(0, entry.find('='));
        if (std::find(std::begin(kCommandHiddenEnv), std::end(kCommandHiddenEnv), name) != std::end(kCommandHiddenEnv))
            continue;
        env_strings.emplace_back(entry);
    }
    std::vector<char*> envp;
    for (auto& e : env_strings) envp.push_back(e.data());
    envp.push_back(nullptr);
    const auto timeout = command_timeout();
    // Off a terminal the command gets its own process group, so a timeout kills everything it
    // started. On a terminal it stays in the foreground group: a password prompt must be able
    // to read the terminal (a background group would be stopped by SIGTTIN).
    const bool own_group = ::isatty(STDIN_FILENO) == 0;

    int pipe_fds[2];
    if (::pipe2(pipe_fds, O_CLOEXEC) != 0)
        throw Error(Exit::runtime, "cannot create a pipe for the master key command: " + errno_text(errno));
    const pid_t pid = ::fork();
    if (pid < 0) {
        const int err = errno;
        ::close(pipe_fds[0]);
        ::close(pipe_fds[1]);
        throw Error(Exit::runtime, "cannot start the master key command: " + errno_text(err));
    }
    if (pid == 0) {
        // Child: only async-signal-safe calls until exec.
        if (pipe_fds[1] == STDOUT_FILENO)
            ::fcntl(STDOUT_FILENO, F_SETFD, 0);  // dup2 onto itself would keep O_CLOEXEC
        else if (::dup2(pipe_fds[1], STDOUT_FILENO) < 0)
            ::_exit(127);
        if (own_group) ::setpgid(0, 0);
        const char* argv[] = {"sh", "-c", command.c_str(), nullptr};
        ::execve("/bin/sh", const_cast<char* const*>(argv), envp.data());
        ::_exit(127);
    }
    if (own_group) ::setpgid(pid, pid);  // also here: whichever runs first, the group exists before a kill
    ::close(pipe_fds[1]);

    SecureBytes output;
    int read_errno = 0;
    bool timed_out = false;
    const bool complete = read_all(pipe_fds[0], output, read_errno, timeout, timed_out);
    if (timed_out) {
        ::kill(own_group ? -pid : pid, SIGKILL);
        ::close(pipe_fds[0]);
        while (::waitpid(pid, nullptr, 0) < 0 && errno == EINTR) {
        }
        throw UsageError(fmt::format("master key command did not finish within {}s; it was killed", timeout.count()),
                         "check the command (does it wait for input?), or raise TENANTCTL_KEY_COMMAND_TIMEOUT "
                         "(a duration such as 2m; 0s waits forever)");
    }
    // Closing before waiting lets a command that is still writing die of SIGPIPE.
    ::close(pipe_fds[0]);
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) throw Error(Exit::runtime, "cannot wait for the master key command: " + errno_text(errno));
    }
    // The command's output is never quoted: on failure it may be half a key or a secret.
    // Too much output comes first: closing the pipe early makes the command fail (SIGPIPE).
    if (!complete) throw UsageError("master key command printed too much to be a master key", kFormatHint);
    if (WIFEXITED(status) && WEXITSTATUS(status) != 0)
        throw UsageError("master key command failed with exit status " + std::to_string(WEXITSTATUS(status)));
    if (WIFSIGNALED(status))
        throw UsageError("master key command was killed by signal " + std::to_string(WTERMSIG(status)));
    if (read_errno != 0) throw UsageError("cannot read the master key command's output: " + errno_text(read_errno));
    return decode_key_text(output.view(), "command");
}

bool starts_with(std::string_view s, std::string_view prefix) { return s.substr(0, prefix.size()) == prefix; }

}  // namespace

std::string master_key_id(const SecureBytes& key) {
    return hmac_sha256_hex(key.view(), "tenantctl:kek-id").substr(0, 16);
}

MasterKey master_key_from_bytes(SecureBytes key) {
    if (key.size() != kKeySize)
        throw UsageError("master key must be 32 bytes, got " + std::to_string(key.size()), kFormatHint);
    std::string id = master_key_id(key);
    return MasterKey{std::move(key), std::move(id)};
}

MasterKey load_master_key(std::string_view source) {
    if (starts_with(source, "env:")) return master_key_from_bytes(key_from_env(source.substr(4)));
    if (starts_with(source, "file:")) return master_key_from_bytes(key_from_file(source.substr(5)));
    if (starts_with(source, "cmd:")) return master_key_from_bytes(key_from_command(source.substr(4)));
    // Never echo `source`: it may be a key pasted where a source was expected.
    throw UsageError("master key source must be env:NAME, file:PATH or cmd:COMMAND",
                     "e.g. env:TENANTCTL_MASTER_KEY or file:/etc/tenantctl/master.key");
}

std::string generate_master_key_base64() {
    SecureBytes raw(kKeySize);
    random_fill(raw.data(), raw.size());
    return base64_encode(raw.view());
}

}  // namespace tenantctl::crypto
