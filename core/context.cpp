#include "core/context.hpp"

#include <fcntl.h>
#include <pwd.h>
#include <termios.h>
#include <unistd.h>

#include <csignal>
#include <cstdlib>
#include <istream>
#include <mutex>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "core/crypto/bytes.hpp"
#include "core/crypto/random.hpp"
#include "core/db/errors.hpp"
#include "core/errors.hpp"
#include "core/sandbox/sandbox.hpp"
#include "core/util/duration.hpp"
#include "core/util/strings.hpp"
#include "core/util/json_input.hpp"

namespace tenantctl {

namespace {

termios g_saved_termios;  // restored by the handler when Ctrl-C interrupts the prompt

void restore_echo_and_reraise(int sig) {
    int fd = ::open("/dev/tty", O_RDWR | O_NOCTTY);
    if (fd >= 0) {
        ::tcsetattr(fd, TCSAFLUSH, &g_saved_termios);
        ::close(fd);
    }
    ::signal(sig, SIG_DFL);
    ::raise(sig);
}

// "Password for user NAME: " on the controlling terminal, read without echo (as psql asks).
// nullopt when there is no terminal to ask on.
std::optional<std::string> read_password_from_terminal(const std::string& user) {
    const int fd = ::open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (fd < 0) return std::nullopt;
    termios quiet{};
    if (::tcgetattr(fd, &g_saved_termios) != 0) {
        ::close(fd);
        return std::nullopt;
    }
    quiet = g_saved_termios;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    quiet.c_lflag |= ICANON | ECHONL;
    auto old_int = ::signal(SIGINT, restore_echo_and_reraise);
    auto old_term = ::signal(SIGTERM, restore_echo_and_reraise);
    // Echo goes off before the prompt shows: whoever answers a visible prompt is never echoed.
    // (Prompt first, then echo off, echoed a quick answer and then flushed it unread.)
    ::tcsetattr(fd, TCSAFLUSH, &quiet);
    const std::string prompt = fmt::format("Password for user {}: ", user);
    (void)!::write(fd, prompt.data(), prompt.size());
    std::string password;
    char c = 0;
    bool ended = false;
    while (::read(fd, &c, 1) == 1) {
        if (c == '\n') {
            ended = true;
            break;
        }
        password.push_back(c);
    }
    ::tcsetattr(fd, TCSADRAIN, &g_saved_termios);  // what was typed after the password stays
    ::signal(SIGINT, old_int);
    ::signal(SIGTERM, old_term);
    ::close(fd);
    if (!ended) return std::nullopt;  // end of input: nothing was typed
    return password;
}

std::optional<std::string> env(const char* name) {
    const char* v = std::getenv(name);
    if (!v || !*v) return std::nullopt;
    return std::string(v);
}

std::string new_uuid() {
    std::string b = crypto::random_bytes(16);
    b[6] = static_cast<char>((b[6] & 0x0f) | 0x40);  // version 4
    b[8] = static_cast<char>((b[8] & 0x3f) | 0x80);  // RFC 4122 variant
    std::string hex = crypto::hex_encode(b);
    return fmt::format("{}-{}-{}-{}-{}", hex.substr(0, 8), hex.substr(8, 4), hex.substr(12, 4), hex.substr(16, 4),
                       hex.substr(20));
}

// libpq reads these; if any is set the operator has chosen a target through libpq itself.
bool libpq_environment_set() {
    for (const char* name : {"PGHOST", "PGHOSTADDR", "PGPORT", "PGDATABASE", "PGUSER", "PGSERVICE"})
        if (env(name)) return true;
    return false;
}

// The login name: $USER, then $LOGNAME, then the password database, because cron and
// systemd services often set neither variable and "unknown" in an audit event helps nobody.
std::string os_user_name() {
    for (const char* variable : {"USER", "LOGNAME"})
        if (const char* value = std::getenv(variable); value && *value) return value;
    const uid_t uid = geteuid();
    std::vector<char> buffer(16384);
    passwd entry{};
    passwd* found = nullptr;
    if (getpwuid_r(uid, &entry, buffer.data(), buffer.size(), &found) == 0 && found && found->pw_name &&
        *found->pw_name)
        return found->pw_name;
    return "uid" + std::to_string(uid);
}

}  // namespace

std::string default_actor() {
    std::string name = os_user_name();
    char host[256] = {};
    if (gethostname(host, sizeof host - 1) != 0) host[0] = '\0';
    return name + "@" + (host[0] ? host : "localhost");
}

Context::Context(GlobalOptions globals, config::Config config, Terminal terminal, const Clock& clock, Logger& log,
                 std::istream& in)
    : m_globals(std::move(globals)),
      m_config(std::move(config)),
      m_terminal(terminal),
      m_clock(clock),
      m_log(log),
      m_in(in),
      m_run_id(new_uuid()),
      m_lock_timeout(std::chrono::seconds(0)) {
    if (!m_globals.actor.empty()) {
        m_actor = m_globals.actor;
        util::check_actor(m_actor, "--actor");
    } else if (auto from_env = env("TENANTCTL_ACTOR"); from_env && !from_env->empty()) {
        m_actor = *from_env;
        util::check_actor(m_actor, "TENANTCTL_ACTOR");
    } else {
        m_actor = default_actor();
        util::check_actor(m_actor, "the default actor (USER@hostname)");
    }
    if (m_globals.lock_timeout) {
        auto d = util::parse_duration(*m_globals.lock_timeout);
        if (d.months != 0) throw UsageError("--lock-timeout must be shorter than a month");
        m_lock_timeout = std::chrono::duration_cast<std::chrono::milliseconds>(d.seconds);
    }
}

Context::~Context() = default;

bool Context::progress_enabled() const {
    if (m_globals.progress == "always") return true;
    if (m_globals.progress == "never") return false;
    return m_terminal.stderr_tty && m_globals.verbosity >= 0 && !m_log.json();
}

const db::ConnInfo& Context::conninfo() {
    if (m_conninfo) return *m_conninfo;
    // What the operator typed beats anything ambient: --database, then --context (an unknown
    // one is exit 2 even when the environment names a database), then the environment, then
    // the config's current_context, libpq's PG* variables, and a running sandbox last.
    if (m_globals.database) {
        m_conninfo = db::ConnInfo{*m_globals.database, "--database"};
    } else if (const auto context = target_context()) {  // --context, else current_context unless the env names one
        m_conninfo = db::ConnInfo{*m_config.database_for(context),
                                  m_globals.context ? "--context " + *context : std::string("config")};
    } else if (auto url = env("TENANTCTL_DATABASE_URL")) {
        m_conninfo = db::ConnInfo{*url, "TENANTCTL_DATABASE_URL"};
    } else if (libpq_environment_set()) {
        m_conninfo = db::ConnInfo{"", "libpq environment (PG*)"};
    } else if (auto sb = sandbox::running(sandbox::default_dir())) {
        m_log.info(fmt::format("using the running sandbox at {} (no database configured)", sb->dir.string()));
        m_conninfo = db::ConnInfo{sb->conninfo(), "sandbox"};
    } else {
        m_conninfo = db::ConnInfo{"", "libpq defaults"};
    }
    if (m_terminal.stdin_tty) m_conninfo->password = std::make_shared<db::PasswordPrompt>(read_password_from_terminal);
    m_log.debug(fmt::format("target: {} (from {})", db::describe_target(m_conninfo->conninfo), m_conninfo->source));
    return *m_conninfo;
}

pqxx::connection& Context::db() {
    if (!m_db) {
        m_db = db::connect(conninfo(), fmt::format("tenantctl {}", m_command));
        db::check_server_version(*m_db);
    }
    return *m_db;
}

void Context::reset_db() { m_db.reset(); }

std::unique_ptr<pqxx::connection> Context::new_connection(std::string_view purpose) {
    return db::connect(conninfo(), fmt::format("tenantctl {}{}{}", m_command, purpose.empty() ? "" : " ", purpose));
}

std::unique_ptr<db::AdvisoryLock> Context::lock(std::string_view name) {
    return std::make_unique<db::AdvisoryLock>(conninfo(), name, m_lock_timeout,
                                              fmt::format("tenantctl {} ({})", m_command, m_actor));
}

std::string Context::platform_table(std::string_view name) const { return db::quote_qualified(m_config.schema, name); }

std::optional<std::string> Context::master_key_source() const {
    if (auto s = env("TENANTCTL_MASTER_KEY_SOURCE")) return s;
    if (m_config.keys.master_key) return m_config.keys.master_key;
    if (env("TENANTCTL_MASTER_KEY")) return std::string("env:TENANTCTL_MASTER_KEY");
    // The demo needs no secret set-up: a sandbox in use brings its own key file.
    if (auto sb = sandbox::load(sandbox::default_dir())) {
        if (std::filesystem::exists(sb->key_file())) return "file:" + sb->key_file().string();
    }
    return std::nullopt;
}

const crypto::MasterKey& Context::master_key() {
    // Workers (seal, reencrypt) may ask first at once; loaded once, then never moved.
    static std::mutex loading;
    std::lock_guard<std::mutex> guard(loading);
    if (!m_master_key) {
        auto source = master_key_source();
        if (!source)
            throw UsageError("no master key configured",
                             "set keys.master_key in tenantctl.yaml or TENANTCTL_MASTER_KEY_SOURCE "
                             "(env:NAME, file:PATH or cmd:COMMAND)");
        m_master_key = crypto::load_master_key(*source);
    }
    return *m_master_key;
}

void Context::set_master_key(crypto::MasterKey key) { m_master_key = std::move(key); }

bool Context::confirm(std::string_view question) {
    if (m_globals.yes) return true;
    if (!m_terminal.stdin_tty)
        throw Aborted(fmt::format("{}: confirmation needed but stdin is not a terminal", question), "pass --yes");
    m_log.stream() << question << " [y/N] " << std::flush;
    std::string answer;
    std::getline(m_in, answer);
    if (answer == "y" || answer == "Y" || answer == "yes") return true;
    throw Aborted(fmt::format("{}: declined", question));
}

void Context::confirm_by_typing(std::string_view question, std::string_view expected) {
    if (!m_terminal.stdin_tty) {
        if (m_globals.yes) return;
        throw Aborted(fmt::format("{}: confirmation needed but stdin is not a terminal", question), "pass --yes");
    }
    m_log.stream() << question << "\nType '" << expected << "' to confirm: " << std::flush;
    std::string answer;
    std::getline(m_in, answer);
    if (answer != expected)
        throw Aborted(fmt::format("{}: declined (typed {}, expected '{}')", question, util::in_quotes(answer), expected));
}

std::optional<std::string> Context::target_context() const {
    if (m_globals.database) return std::nullopt;
    if (m_globals.context) return m_globals.context;
    if (env("TENANTCTL_DATABASE_URL")) return std::nullopt;
    return m_config.current_context;
}

void Context::confirm_protected_target() {
    const auto name = target_context();
    if (!name) return;
    const auto it = m_config.contexts.find(*name);
    if (it == m_config.contexts.end() || !it->second.is_protected) return;
    confirm_by_typing(fmt::format("`tenantctl {}` changes data in the protected context '{}'", m_command, *name), *name);
}

RecordSink& Context::sink() {
    if (m_sink) return *m_sink;
    if (!m_null_sink) m_null_sink = std::make_unique<DiscardingSink>();
    return *m_null_sink;
}

}  // namespace tenantctl
