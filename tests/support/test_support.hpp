// Shared by integration and end-to-end tests: the server the test run started (the CTest
// fixture runs `tenantctl sandbox up --dir build/test-sandbox`), a fresh database per test,
// a Context around it, and a runner for the built binary.
#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "core/context.hpp"
#include "core/errors.hpp"
#include "core/log.hpp"
#include "core/sandbox/sandbox.hpp"

namespace tenantctl::test {

// The fixture's server. Fails the test (never skips) when it is not running.
const sandbox::State& server();

// A Citus test cluster (tests/citus/cluster.sh up STATE_DIR): its nodes' ports, coordinator
// first. Fails the test (never skips) when the cluster is not running.
std::vector<int> citus_ports(const std::string& state_dir);
std::string citus_node_conninfo(int port, const std::string& dbname);
// Creates `dbname` on every node; with `with_citus`, the extension on every node and the nodes
// registered with the coordinator (under ClusterWideLock).
void create_citus_database(const std::string& state_dir, const std::string& dbname, bool with_citus);
void add_citus(const std::string& state_dir, const std::string& dbname);
void drop_citus_database(const std::string& state_dir, const std::string& dbname);

// Held while a test changes what every database of a Citus node shares: registering the nodes
// of a new database (Citus then copies every role to the workers with ALTER ROLE) and creating
// or dropping roles (propagated to every worker). Two of these at once on one worker collide
// on the shared role catalog, and Citus reports it as "failure on connection marked as
// essential"; seen in 2 of 7 parallel runs before this lock. One cluster serves one app
// database in production, so only tests, which make many databases at once, need it.
class ClusterWideLock {
public:
    explicit ClusterWideLock(const std::string& state_dir);
    ~ClusterWideLock();
    ClusterWideLock(const ClusterWideLock&) = delete;
    ClusterWideLock& operator=(const ClusterWideLock&) = delete;

private:
    int m_fd = -1;
};

// Held around SQL that creates, alters or drops roles: the ClusterWideLock under the Citus
// fixture (Citus propagates role changes to every worker), nothing on the single server.
class RoleChangeLock {
public:
    RoleChangeLock();
    ~RoleChangeLock();

private:
    std::unique_ptr<ClusterWideLock> m_lock;
};

// The second fixture of the end-to-end suite (issue 17): CTest sets TENANTCTL_TEST_CITUS_STATE
// to the Citus cluster's state directory, and every TestDatabase is then made on the cluster
// (Citus set up, `tenantctl init` distributing the platform) instead of on the single server.
// Empty on the single server.
std::string citus_fixture_state();
inline bool on_citus() { return !citus_fixture_state().empty(); }

// The bin directory of the PostgreSQL the tests run against (pg_dump, psql of its release).
std::filesystem::path pg_bin_dir();

// `tenantctl citus distribute` under the Citus fixture, so that the app tables a test made
// are placed as an operator would place them; nothing on the single server.
void distribute_app_tables(const class TestDatabase& db);

// A database created for one test from a template that already has the platform schema,
// dropped when the object goes away. Under the Citus fixture: on every node of the cluster,
// initialised from scratch (shards live in the workers' databases, so no template).
class TestDatabase {
public:
    // `with_platform`: start from the template with `tenantctl init` applied (default), or empty.
    explicit TestDatabase(bool with_platform = true);
    ~TestDatabase();
    TestDatabase(const TestDatabase&) = delete;
    TestDatabase& operator=(const TestDatabase&) = delete;
    // A copy of `db` as it is now (CREATE DATABASE ... TEMPLATE db): what restoring a backup of
    // it to this point in time gives. Nothing may be connected to `db` while it is made.
    static std::unique_ptr<TestDatabase> copy_of(const TestDatabase& db);

    const std::string& name() const { return m_name; }
    std::string conninfo() const;
    std::string url() const;
    // Runs SQL (several statements allowed) as the superuser, outside a transaction block.
    void exec(const std::string& sql) const;
    // First column of the first row as text ("" for NULL / no rows).
    std::string query_value(const std::string& sql) const;

private:
    struct Named {};
    TestDatabase(Named, std::string name) : m_name(std::move(name)) {}
    std::string m_name;
};

// A Context wired to a test database, with a fixed clock, collected logs and output.
class TestContext {
public:
    explicit TestContext(const TestDatabase& db, config::Config config = {}, GlobalOptions globals = {});
    // The same around any database the test made itself (the Citus suite's coordinator).
    explicit TestContext(const std::string& conninfo, config::Config config = {}, GlobalOptions globals = {});
    Context& ctx() { return *m_ctx; }
    Context* operator->() { return m_ctx.get(); }
    std::string log_text() const { return m_err.str(); }
    FixedClock& clock() { return m_clock; }
    CollectingSink& sink() { return m_sink; }

private:
    std::ostringstream m_err;
    std::istringstream m_in;
    FixedClock m_clock;
    Logger m_log;
    CollectingSink m_sink;
    std::unique_ptr<Context> m_ctx;
};

// A master key for tests: base64 text and the loaded key.
std::string test_master_key_base64();

// The exit code a call would end the process with: Exit::ok when it returns normally.
template <class F>
Exit exit_of(F&& f) {
    try {
        f();
    } catch (const Error& e) {
        return e.code();
    }
    return Exit::ok;
}

struct CliResult {
    int exit_code = -1;
    std::string out;
    std::string err;
};

struct CliOptions {
    std::map<std::string, std::string> env;  // added to (or overriding) the base environment
    std::string stdin_text;
    std::optional<std::filesystem::path> cwd;
};

inline CliOptions in_dir(const std::filesystem::path& dir) {
    CliOptions o;
    o.cwd = dir;
    return o;
}
inline CliOptions with_env(std::map<std::string, std::string> env) {
    CliOptions o;
    o.env = std::move(env);
    return o;
}
inline CliOptions with_stdin(std::string text) {
    CliOptions o;
    o.stdin_text = std::move(text);
    return o;
}

// Runs the built tenantctl with a clean environment: HOME and XDG dirs in a scratch folder,
// no PG* variables, TENANTCTL_DATABASE_URL set when `db` is given, and a test master key.
CliResult run_cli(const std::vector<std::string>& args, const TestDatabase* db = nullptr, const CliOptions& options = {});
// The environment run_cli gives the binary, with HOME and the XDG dirs under `home`.
std::map<std::string, std::string> cli_environment(const TestDatabase* db, const CliOptions& options,
                                                   const std::filesystem::path& home);

// A scratch directory removed at the end of the test.
class TempDir {
public:
    TempDir();
    ~TempDir();
    const std::filesystem::path& path() const { return m_path; }
    std::filesystem::path operator/(const std::string& name) const { return m_path / name; }

private:
    std::filesystem::path m_path;
};

// What a stream of `tenant move --online` leaves: publications and slots in `here`'s database,
// subscriptions in `there`'s, and the objects of its change journal on each side (tables,
// functions and triggers named tenantctl_move_*), as "publications,slots,subscriptions,
// journal here,journal there". "0,0,0,0,0" once a move has finished or given up.
std::string stream_objects(const TestDatabase& here, const TestDatabase& there);

void write_file(const std::filesystem::path& path, const std::string& content, unsigned mode = 0644);
std::string read_file(const std::filesystem::path& path);

}  // namespace tenantctl::test
