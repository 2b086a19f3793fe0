// A throwaway local PostgreSQL cluster built from the installed server binaries (initdb +
// pg_ctl), listening only on a Unix socket. Used by the demo, by developers, and by the test
// run's fixture. When run as root the server runs as the `postgres` user (initdb refuses root).
#pragma once

#include <filesystem>
#include <optional>
#include <string>

#include "core/log.hpp"

namespace tenantctl::sandbox {

struct State {
    std::filesystem::path dir;         // state directory (sandbox.json, master.key)
    std::filesystem::path cluster_dir; // holds data/, sock/, server.log (may live outside dir)
    std::filesystem::path bin_dir;     // the PostgreSQL binaries used
    int port = 0;
    bool run_as_postgres = false;

    std::filesystem::path data_dir() const { return cluster_dir / "data"; }
    std::filesystem::path socket_dir() const { return cluster_dir / "sock"; }
    std::filesystem::path log_file() const { return cluster_dir / "server.log"; }
    std::filesystem::path key_file() const { return dir / "master.key"; }
    // libpq keyword form and URI form of the same target.
    std::string conninfo(const std::string& dbname = "postgres") const;
    std::string url(const std::string& dbname = "postgres") const;
};

// $TENANTCTL_SANDBOX_DIR (exported by `sandbox env`), else $XDG_STATE_HOME/tenantctl/sandbox
// (default ~/.local/state/tenantctl/sandbox).
std::filesystem::path default_dir();

// The server binaries: $TENANTCTL_PG_BIN, else the newest /usr/lib/postgresql/*/bin.
std::filesystem::path find_server_binaries();

struct UpResult {
    State state;
    bool already_running = false;
};

// Idempotent: creates the cluster if missing, starts it if stopped. `port` 0 picks a free one.
// Throws Refused when the directory holds something else or the requested port is taken.
UpResult up(const std::filesystem::path& dir, int port, Logger& log);

// Stops the server and removes the cluster and state unless `keep`.
// Returns false when there was nothing to stop.
bool down(const std::filesystem::path& dir, bool keep, Logger& log);

// The sandbox's recorded state, if `dir` holds one.
std::optional<State> load(const std::filesystem::path& dir);
bool is_running(const State& state);

// The state of a running sandbox in `dir`, or nullopt.
std::optional<State> running(const std::filesystem::path& dir);

}  // namespace tenantctl::sandbox
