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

// A database created for one test from a template that already has the platform schema,
// dropped when the object goes away.
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

void write_file(const std::filesystem::path& path, const std::string& content, unsigned mode = 0644);
std::string read_file(const std::filesystem::path& path);

}  // namespace tenantctl::test
