#include "tests/support/test_support.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/file.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <chrono>
#include <thread>
#include <pqxx/pqxx>

#include <atomic>
#include <cstring>
#include <fstream>
#include <map>
#include <mutex>
#include <random>

#include "core/crypto/hash.hpp"
#include "core/crypto/master_key.hpp"
#include "core/platform/migrations.hpp"

namespace fs = std::filesystem;

namespace tenantctl::test {

namespace {

std::string random_suffix() {
    static std::mt19937_64 rng{std::random_device{}()};
    return fmt::format("{:x}", rng() & 0xffffffffffULL);
}

// The template's name changes whenever the embedded platform schema does, so a server left
// over from an earlier run never hands out a stale schema.
std::string template_name() {
    std::string all;
    for (const auto& m : platform::embedded_migrations()) all += m.sql;
    return "tenantctl_tpl_" + crypto::sha256_hex(all).substr(0, 16);
}

// `tenantctl init` as the test set-up runs it.
void init_platform(const std::string& conninfo) {
    std::ostringstream err;
    std::istringstream in;
    SystemClock clock;
    Logger log(err, false, -1, false);
    GlobalOptions globals;
    globals.actor = "test-setup";
    Context ctx(globals, config::Config{}, Terminal{}, clock, log, in);
    ctx.set_command("init");
    ctx.set_conninfo(db::ConnInfo{conninfo, "test"});
    platform::init(ctx);
}

void ensure_template(const sandbox::State& s) {
    static bool done = false;
    if (done) return;
    const std::string tpl = template_name();
    pqxx::connection admin(s.conninfo("postgres"));
    pqxx::nontransaction tx(admin);
    tx.exec("SELECT pg_advisory_lock(4242)");
    bool exists = !tx.exec_params("SELECT 1 FROM pg_database WHERE datname = $1", tpl).empty();
    if (!exists) {
        tx.exec("CREATE DATABASE " + tx.quote_name(tpl + "_build") + " TEMPLATE template0");
        init_platform(s.conninfo(tpl + "_build"));
        // Built under a temporary name and renamed, so a crash never leaves a half template.
        tx.exec("ALTER DATABASE " + tx.quote_name(tpl + "_build") + " RENAME TO " + tx.quote_name(tpl));
    }
    tx.exec("SELECT pg_advisory_unlock(4242)");
    done = true;
}

}  // namespace

std::string citus_fixture_state() {
    const char* dir = std::getenv("TENANTCTL_TEST_CITUS_STATE");
    return dir ? dir : "";
}

std::vector<int> citus_ports(const std::string& state_dir) {
    // Read once per state directory: every conninfo() of a test database asks, from the test's
    // threads too.
    static std::mutex guard;
    static std::map<std::string, std::vector<int>> known;
    std::lock_guard<std::mutex> hold(guard);
    if (auto it = known.find(state_dir); it != known.end()) return it->second;
    std::ifstream in(state_dir + "/ports");
    std::vector<int> ports;
    for (int port = 0; in >> port;) ports.push_back(port);
    if (ports.size() != 3)
        FAIL("the Citus test cluster is not running (" << state_dir
                                                       << "/ports is missing; the citus_cluster_up fixture starts "
                                                          "it: run the tests through ctest)");
    return known[state_dir] = ports;
}

std::string citus_node_conninfo(int port, const std::string& dbname) {
    return fmt::format("host=127.0.0.1 port={} user=postgres dbname={}", port, dbname);
}

ClusterWideLock::ClusterWideLock(const std::string& state_dir) {
    const std::string path = state_dir + "/cluster-wide.lock";
    m_fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (m_fd < 0 || ::flock(m_fd, LOCK_EX) != 0) FAIL("cannot lock " << path);
}

ClusterWideLock::~ClusterWideLock() {
    if (m_fd >= 0) ::close(m_fd);  // releases the flock
}

void create_citus_database(const std::string& state_dir, const std::string& dbname, bool with_citus) {
    for (int port : citus_ports(state_dir)) {
        pqxx::connection admin(citus_node_conninfo(port, "postgres"));
        pqxx::nontransaction tx(admin);
        tx.exec("CREATE DATABASE " + tx.quote_name(dbname));
    }
    if (with_citus) add_citus(state_dir, dbname);
}

void add_citus(const std::string& state_dir, const std::string& dbname) {
    const auto ports = citus_ports(state_dir);
    ClusterWideLock lock(state_dir);
    for (int port : ports) {
        pqxx::connection c(citus_node_conninfo(port, dbname));
        pqxx::nontransaction tx(c);
        tx.exec("CREATE EXTENSION IF NOT EXISTS citus");
    }
    pqxx::connection c(citus_node_conninfo(ports[0], dbname));
    pqxx::nontransaction tx(c);
    tx.exec(fmt::format("SELECT citus_set_coordinator_host('127.0.0.1', {})", ports[0]));
    for (std::size_t i = 1; i < ports.size(); ++i)
        tx.exec(fmt::format("SELECT citus_add_node('127.0.0.1', {})", ports[i]));
}

void drop_citus_database(const std::string& state_dir, const std::string& dbname) {
    for (int port : citus_ports(state_dir)) {
        try {
            pqxx::connection admin(citus_node_conninfo(port, "postgres"));
            pqxx::nontransaction tx(admin);
            tx.exec("DROP DATABASE IF EXISTS " + tx.quote_name(dbname) + " WITH (FORCE)");
        } catch (...) {
        }
    }
}

RoleChangeLock::RoleChangeLock() {
    if (on_citus()) m_lock = std::make_unique<ClusterWideLock>(citus_fixture_state());
}

RoleChangeLock::~RoleChangeLock() = default;

std::filesystem::path pg_bin_dir() {
    if (!on_citus()) return server().bin_dir;
    std::ifstream in(citus_fixture_state() + "/bin");
    std::string dir;
    if (!std::getline(in, dir) || dir.empty()) FAIL("the Citus test cluster did not record its bin directory");
    return dir;
}

const sandbox::State& server() {
    static std::optional<sandbox::State> state;
    if (!state) {
        state = sandbox::running(TENANTCTL_TEST_SANDBOX);
        if (!state)
            FAIL("the test PostgreSQL server is not running in " TENANTCTL_TEST_SANDBOX
                 " (the db_server_up fixture starts it; run the tests through ctest)");
    }
    return *state;
}

TestDatabase::TestDatabase(bool with_platform) {
    m_name = fmt::format("t_{}_{}", getpid(), random_suffix());
    if (const auto citus = citus_fixture_state(); !citus.empty()) {
        create_citus_database(citus, m_name, true);
        if (with_platform) init_platform(conninfo());
        return;
    }
    const auto& s = server();
    if (with_platform) ensure_template(s);
    pqxx::connection admin(s.conninfo("postgres"));
    pqxx::nontransaction tx(admin);
    tx.exec("CREATE DATABASE " + tx.quote_name(m_name) + " TEMPLATE " +
            tx.quote_name(with_platform ? template_name() : "template0"));
}

std::unique_ptr<TestDatabase> TestDatabase::copy_of(const TestDatabase& db) {
    if (!citus_fixture_state().empty())
        FAIL("a Citus database cannot be copied with CREATE DATABASE ... TEMPLATE: its shards live on the workers");
    std::unique_ptr<TestDatabase> copy(new TestDatabase(Named{}, fmt::format("t_{}_{}", getpid(), random_suffix())));
    pqxx::connection admin(server().conninfo("postgres"));
    pqxx::nontransaction tx(admin);
    tx.exec("CREATE DATABASE " + tx.quote_name(copy->m_name) + " TEMPLATE " + tx.quote_name(db.m_name));
    return copy;
}

TestDatabase::~TestDatabase() {
    if (const auto citus = citus_fixture_state(); !citus.empty()) {
        drop_citus_database(citus, m_name);
        return;
    }
    // What a failed `tenant move --online` test may have left: a subscription here, or a slot
    // of this database. Either would block DROP DATABASE, and a slot would hold the server's WAL.
    try {
        pqxx::connection own(conninfo());
        pqxx::nontransaction tx(own);
        for (const auto& sub : tx.exec("SELECT quote_ident(subname) FROM pg_subscription WHERE subdbid = "
                                       "(SELECT oid FROM pg_database WHERE datname = current_database())")) {
            tx.exec(fmt::format("ALTER SUBSCRIPTION {} DISABLE", sub[0].c_str()));
            tx.exec(fmt::format("ALTER SUBSCRIPTION {} SET (slot_name = NONE)", sub[0].c_str()));
            tx.exec(fmt::format("DROP SUBSCRIPTION {}", sub[0].c_str()));
        }
    } catch (...) {
    }
    try {
        pqxx::connection admin(server().conninfo("postgres"));
        pqxx::nontransaction tx(admin);
        for (int attempt = 0; attempt < 250; ++attempt) {  // a walsender lets go of its slot as its subscriber leaves
            const auto left = tx.exec_params1(
                "SELECT count(pg_drop_replication_slot(slot_name)) FILTER (WHERE NOT active), count(*) FILTER (WHERE active) "
                "FROM pg_replication_slots WHERE database = $1",
                m_name);
            if (left[1].as<int>() == 0) break;
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
        tx.exec("DROP DATABASE IF EXISTS " + tx.quote_name(m_name) + " WITH (FORCE)");
    } catch (...) {
    }
}

std::string TestDatabase::conninfo() const {
    if (const auto citus = citus_fixture_state(); !citus.empty())
        return citus_node_conninfo(citus_ports(citus).front(), m_name);
    return server().conninfo(m_name);
}

std::string TestDatabase::url() const {
    if (const auto citus = citus_fixture_state(); !citus.empty())
        return fmt::format("postgresql://postgres@/{}?host=127.0.0.1&port={}", m_name, citus_ports(citus).front());
    return server().url(m_name);
}

void TestDatabase::exec(const std::string& sql) const {
    pqxx::connection c(conninfo());
    pqxx::nontransaction tx(c);
    tx.exec(sql);
}

std::string TestDatabase::query_value(const std::string& sql) const {
    pqxx::connection c(conninfo());
    pqxx::nontransaction tx(c);
    auto r = tx.exec(sql);
    if (r.empty() || r[0][0].is_null()) return "";
    return r[0][0].as<std::string>();
}

std::string test_master_key_base64() {
    // Fixed so that failures are reproducible; never used outside tests.
    return "dGVuYW50Y3RsLXRlc3QtbWFzdGVyLWtleS0zMmJ5dGU=";
}

TestContext::TestContext(const TestDatabase& db, config::Config config, GlobalOptions globals)
    : TestContext(db.conninfo(), std::move(config), std::move(globals)) {}

TestContext::TestContext(const std::string& conninfo, config::Config config, GlobalOptions globals)
    : m_clock(std::chrono::system_clock::now()), m_log(m_err, false, 1, false) {
    if (globals.actor.empty()) globals.actor = "tester@test";
    m_ctx = std::make_unique<Context>(globals, std::move(config), Terminal{}, m_clock, m_log, m_in);
    m_ctx->set_command("test");
    m_ctx->set_conninfo(db::ConnInfo{conninfo, "test"});
    std::string raw;
    crypto::base64_decode(test_master_key_base64(), raw);
    m_ctx->set_master_key(crypto::master_key_from_bytes(crypto::SecureBytes(raw)));
    m_ctx->set_sink(&m_sink);
}

TempDir::TempDir() {
    std::string tmpl = (fs::temp_directory_path() / "tenantctl-test-XXXXXX").string();
    if (!::mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
    m_path = tmpl;
}

TempDir::~TempDir() {
    std::error_code ec;
    fs::remove_all(m_path, ec);
}

void write_file(const fs::path& path, const std::string& content, unsigned mode) {
    fs::create_directories(path.parent_path());
    {
        std::ofstream out(path, std::ios::binary | std::ios::trunc);
        out << content;
    }
    ::chmod(path.c_str(), mode);
}

std::string read_file(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

std::map<std::string, std::string> cli_environment(const TestDatabase* db, const CliOptions& options,
                                                   const std::filesystem::path& home) {
    std::map<std::string, std::string> env{
        {"PATH", std::getenv("PATH") ? std::getenv("PATH") : "/usr/bin:/bin"},
        {"HOME", home.string()},
        {"XDG_STATE_HOME", (home / "state").string()},
        {"XDG_CONFIG_HOME", (home / "config").string()},
        {"LANG", "C.UTF-8"},
        {"USER", "tester"},
        {"TENANTCTL_TEST_MASTER_KEY", test_master_key_base64()},
        {"TENANTCTL_MASTER_KEY_SOURCE", "env:TENANTCTL_TEST_MASTER_KEY"},
    };
    for (const char* keep : {"ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS"})
        if (const char* v = std::getenv(keep)) env[keep] = v;
    if (db) env["TENANTCTL_DATABASE_URL"] = db->url();
    for (const auto& [k, v] : options.env) env[k] = v;
    return env;
}

CliResult run_cli(const std::vector<std::string>& args, const TestDatabase* db, const CliOptions& options) {
    TempDir home;
    const auto env = cli_environment(db, options, home.path());

    std::vector<std::string> env_strings;
    for (const auto& [k, v] : env) env_strings.push_back(k + "=" + v);
    std::vector<char*> envp;
    for (auto& s : env_strings) envp.push_back(s.data());
    envp.push_back(nullptr);

    std::vector<std::string> argv_strings{TENANTCTL_BINARY};
    argv_strings.insert(argv_strings.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (auto& s : argv_strings) argv.push_back(s.data());
    argv.push_back(nullptr);

    auto stdin_path = home / "stdin";
    write_file(stdin_path, options.stdin_text);

    int out_pipe[2], err_pipe[2];
    REQUIRE(pipe2(out_pipe, O_CLOEXEC) == 0);
    REQUIRE(pipe2(err_pipe, O_CLOEXEC) == 0);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, stdin_path.c_str(), O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&actions, out_pipe[1], 1);
    posix_spawn_file_actions_adddup2(&actions, err_pipe[1], 2);
    std::string cwd = options.cwd ? options.cwd->string() : home.path().string();
    // posix_spawn has no chdir action in glibc 2.36's public API before addchdir_np.
    posix_spawn_file_actions_addchdir_np(&actions, cwd.c_str());
    pid_t pid = 0;
    int rc = posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), envp.data());
    posix_spawn_file_actions_destroy(&actions);
    close(out_pipe[1]);
    close(err_pipe[1]);
    REQUIRE(rc == 0);

    CliResult result;
    pollfd fds[2] = {{out_pipe[0], POLLIN, 0}, {err_pipe[0], POLLIN, 0}};
    int open_fds = 2;
    char buf[8192];
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
            } else {
                close(fds[k].fd);
                fds[k].fd = -1;
                --open_fds;
            }
        }
    }
    int status = 0;
    waitpid(pid, &status, 0);
    result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return result;
}

void distribute_app_tables(const TestDatabase& db) {
    if (!on_citus()) return;
    const auto r = run_cli({"citus", "distribute"}, &db);
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
}

namespace {
constexpr const char* kJournalObjects =
    "SELECT (SELECT count(*) FROM pg_class WHERE relname LIKE 'tenantctl\\_move\\_%') + "
    "(SELECT count(*) FROM pg_proc WHERE proname LIKE 'tenantctl\\_move\\_%') + "
    "(SELECT count(*) FROM pg_trigger WHERE tgname LIKE 'tenantctl\\_move\\_%')";
}  // namespace

std::string stream_objects(const TestDatabase& here, const TestDatabase& there) {
    return here.query_value("SELECT count(*) FROM pg_publication") + "," +
           here.query_value("SELECT count(*) FROM pg_replication_slots WHERE database = current_database()") + "," +
           there.query_value("SELECT count(*) FROM pg_subscription WHERE subdbid = (SELECT oid FROM pg_database "
                             "WHERE datname = current_database())") +
           "," + here.query_value(kJournalObjects) + "," + there.query_value(kJournalObjects);
}

}  // namespace tenantctl::test
