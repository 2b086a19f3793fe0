// Everything a command needs from the outside world, injected (DESIGN section 10): global
// options, configuration, clock, terminal facts, logger, output sink, and the database and
// master key, both opened lazily so --help and the doc generators never connect.
#pragma once

#include <chrono>
#include <iosfwd>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <pqxx/pqxx>

#include "core/clock.hpp"
#include "core/config/config.hpp"
#include "core/crypto/master_key.hpp"
#include "core/db/connection.hpp"
#include "core/db/lock.hpp"
#include "core/log.hpp"
#include "core/records.hpp"

namespace tenantctl {

// DESIGN section 2: options every command accepts.
struct GlobalOptions {
    std::optional<std::string> database;     // -d/--database (env TENANTCTL_DATABASE_URL)
    std::optional<std::string> config_path;  // -c/--config (env TENANTCTL_CONFIG)
    std::optional<std::string> context;      // --context
    std::string output = "table";            // -o/--output
    std::string actor;                       // --actor (env TENANTCTL_ACTOR), default user@host
    bool yes = false;                        // -y/--yes
    bool dry_run = false;                    // --dry-run
    int verbosity = 0;                       // -q = -1, -v = 1
    std::string log_format = "text";         // --log-format text|json
    bool no_color = false;                   // --no-color (and NO_COLOR)
    std::optional<std::string> lock_timeout; // --lock-timeout DURATION
    std::string progress = "auto";           // --progress auto|always|never
    bool no_headers = false;                 // --no-headers (table and csv)
};

struct Terminal {
    bool stdin_tty = false;
    bool stdout_tty = false;
    bool stderr_tty = false;
    bool color = false;  // stderr colors allowed (TTY and no NO_COLOR / --no-color)
};

class Context {
public:
    Context(GlobalOptions globals, config::Config config, Terminal terminal, const Clock& clock, Logger& log,
            std::istream& in);
    ~Context();
    Context(const Context&) = delete;
    Context& operator=(const Context&) = delete;

    const GlobalOptions& globals() const { return m_globals; }
    const config::Config& config() const { return m_config; }
    const Terminal& terminal() const { return m_terminal; }
    const Clock& clock() const { return m_clock; }
    TimePoint now() const { return m_clock.now(); }
    Logger& log() { return m_log; }

    // The operator recorded in audit events: --actor, TENANTCTL_ACTOR, else user@host.
    const std::string& actor() const { return m_actor; }
    // A uuid naming this invocation: the request_id of its audit events and jobs.
    const std::string& run_id() const { return m_run_id; }
    bool dry_run() const { return m_globals.dry_run; }
    std::chrono::milliseconds lock_timeout() const { return m_lock_timeout; }
    bool progress_enabled() const;

    // The command being run ("tenant create"): used in application_name and audit events.
    void set_command(std::string path) { m_command = std::move(path); }
    const std::string& command() const { return m_command; }

    // Database -------------------------------------------------------------------------
    // Resolved connection target: --database > TENANTCTL_DATABASE_URL > config context >
    // libpq environment (PG*) > a running sandbox > libpq defaults.
    const db::ConnInfo& conninfo();
    // Override the resolved target (tests, sandbox commands).
    void set_conninfo(db::ConnInfo info) { m_conninfo = std::move(info); }
    // The work connection, opened on first use; the server version is checked once.
    pqxx::connection& db();
    // Drop the work connection (after a failure) so the next db() reconnects.
    void reset_db();
    // An extra connection (workers, listeners), tagged with the command name.
    std::unique_ptr<pqxx::connection> new_connection(std::string_view purpose = {});
    // Session-level advisory lock on its own connection, waiting up to --lock-timeout.
    std::unique_ptr<db::AdvisoryLock> lock(std::string_view name);

    // Platform schema names (quoted), e.g. platform_table("tenants") -> "tenantctl"."tenants".
    const std::string& schema() const { return m_config.schema; }
    std::string platform_table(std::string_view name) const;

    // Master key (KEK), loaded on first use from TENANTCTL_MASTER_KEY_SOURCE, the config's
    // keys.master_key, TENANTCTL_MASTER_KEY, or the sandbox's key file.
    const crypto::MasterKey& master_key();
    void set_master_key(crypto::MasterKey key);
    std::optional<std::string> master_key_source() const;

    // Destructive steps: true with --yes; on a TTY asks; otherwise throws Aborted.
    bool confirm(std::string_view question);
    // The steps where a reflexive "y" is too cheap (purge --force, a protected context):
    // the operator types `expected` (the tenant's slug, the context's name). On a terminal
    // this is asked even with --yes; without one, --yes is required.
    void confirm_by_typing(std::string_view question, std::string_view expected);
    // The config context the command talks to, by conninfo()'s precedence (none when
    // --database or TENANTCTL_DATABASE_URL decides).
    std::optional<std::string> target_context() const;
    // Called before a mutating command runs: a context marked `protected: true` wants its
    // name typed (confirm_by_typing).
    void confirm_protected_target();

    // Where streamed results go (set by the CLI to the -o renderer; tests collect).
    RecordSink& sink();
    void set_sink(RecordSink* sink) { m_sink = sink; }

private:
    GlobalOptions m_globals;
    config::Config m_config;
    Terminal m_terminal;
    const Clock& m_clock;
    Logger& m_log;
    std::istream& m_in;
    std::string m_actor;
    std::string m_run_id;
    std::string m_command;
    std::chrono::milliseconds m_lock_timeout;
    std::optional<db::ConnInfo> m_conninfo;
    std::unique_ptr<pqxx::connection> m_db;
    std::optional<crypto::MasterKey> m_master_key;
    RecordSink* m_sink = nullptr;
    std::unique_ptr<RecordSink> m_null_sink;
};

// user@host of the current process.
std::string default_actor();

}  // namespace tenantctl
