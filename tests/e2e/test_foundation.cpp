// End-to-end tests of the foundation commands: config handling, connection errors, init,
// doctor (RLS safety), sandbox and completion, run through the built binary.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <sstream>
#include <thread>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <pqxx/pqxx>

#include "core/db/lock.hpp"
#include "tests/support/test_support.hpp"

using namespace tenantctl;
using test::run_cli;

namespace {

// A small multi-tenant app schema, RLS done right, and an application role.
const char* kAppSchema = R"SQL(
DO $$ BEGIN CREATE ROLE app NOLOGIN; EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$;
CREATE TABLE users (tenant_id uuid NOT NULL, id uuid NOT NULL DEFAULT gen_random_uuid(), email text NOT NULL,
                    PRIMARY KEY (tenant_id, id));
CREATE TABLE documents (tenant_id uuid NOT NULL, id bigserial, owner_id uuid, body text, PRIMARY KEY (tenant_id, id));
ALTER TABLE users ENABLE ROW LEVEL SECURITY;
ALTER TABLE users FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON users USING (tenant_id = current_setting('app.tenant_id')::uuid);
ALTER TABLE documents ENABLE ROW LEVEL SECURITY;
ALTER TABLE documents FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON documents USING (tenant_id = current_setting('app.tenant_id')::uuid);
GRANT SELECT, INSERT, UPDATE, DELETE ON users, documents TO app;
)SQL";

std::size_t count_lines(const std::string& s) { return static_cast<std::size_t>(std::count(s.begin(), s.end(), '\n')); }

}  // namespace

TEST_CASE("doctor passes on an app schema with RLS done right", "[e2e][doctor]") {
    test::TestDatabase db;
    {
        test::RoleChangeLock lock;
        db.exec(kAppSchema);  // CREATE ROLE app, when missing
        // On Citus the app's queries under SET ROLE reach the workers as that role, which
        // must therefore be able to log in there (doctor's citus_roles check).
        if (test::on_citus()) db.exec("ALTER ROLE app LOGIN");
    }
    test::distribute_app_tables(db);
    auto r = run_cli({"doctor", "-o", "json"}, &db);
    INFO(r.err);
    INFO(r.out);
    CHECK(r.exit_code == 0);
    auto rows = nlohmann::json::parse(r.out);
    int rls_ok = 0;
    for (const auto& row : rows) {
        CHECK(row["status"] != "fail");
        if (row["check"] == "rls" && row["status"] == "ok") ++rls_ok;
    }
    CHECK(rls_ok == 2);
}

TEST_CASE("doctor exits 3 and names a tenant table without RLS", "[e2e][doctor]") {
    test::TestDatabase db;
    {
        test::RoleChangeLock lock;  // CREATE ROLE app, when missing
        db.exec(kAppSchema);
    }
    db.exec("CREATE TABLE invoices (tenant_id uuid NOT NULL, id bigint, amount numeric)");
    auto r = run_cli({"doctor"}, &db);
    CHECK(r.exit_code == 3);
    CHECK(r.out.find("public.invoices") != std::string::npos);
    CHECK(r.out.find("ROW LEVEL SECURITY is not enabled") != std::string::npos);
    CHECK(r.err.find("tenantctl: doctor found") != std::string::npos);

    // Enabled but not forced is still unsafe: the owner bypasses it.
    db.exec("ALTER TABLE invoices ENABLE ROW LEVEL SECURITY; "
            "CREATE POLICY p ON invoices USING (tenant_id = current_setting('app.tenant_id')::uuid)");
    r = run_cli({"doctor", "--check", "rls"}, &db);
    CHECK(r.exit_code == 3);
    CHECK(r.out.find("not forced") != std::string::npos);

    db.exec("ALTER TABLE invoices FORCE ROW LEVEL SECURITY");
    r = run_cli({"doctor", "--check", "rls"}, &db);
    CHECK(r.exit_code == 0);
}

TEST_CASE("doctor flags a policy that ignores the tenancy setting", "[e2e][doctor]") {
    test::TestDatabase db;
    {
        test::RoleChangeLock lock;  // CREATE ROLE app, when missing
        db.exec(kAppSchema);
    }
    db.exec("CREATE TABLE notes (tenant_id uuid); ALTER TABLE notes ENABLE ROW LEVEL SECURITY; "
            "ALTER TABLE notes FORCE ROW LEVEL SECURITY; CREATE POLICY open ON notes USING (true)");
    auto r = run_cli({"doctor", "--check", "rls", "-o", "csv"}, &db);
    CHECK(r.exit_code == 3);
    CHECK(r.out.find("public.notes,no policy uses current_setting('app.tenant_id')") != std::string::npos);
}

TEST_CASE("doctor flags an application role that can bypass RLS", "[e2e][doctor]") {
    test::TestDatabase db;
    {
        test::RoleChangeLock lock;  // CREATE ROLE app, when missing
        db.exec(kAppSchema);
    }
    db.exec("CREATE ROLE app_bypass BYPASSRLS; ALTER TABLE documents OWNER TO app_bypass");
    test::TempDir dir;
    test::write_file(dir / "tenantctl.yaml", "tenancy:\n  app_role: app_bypass\n");
    auto r = run_cli({"doctor", "--check", "app_role"}, &db, test::in_dir(dir.path()));
    CHECK(r.exit_code == 3);
    CHECK(r.out.find("has BYPASSRLS") != std::string::npos);
    CHECK(r.out.find("owns (or inherits the owner of) tenant table public.documents") != std::string::npos);
    db.exec("ALTER TABLE documents OWNER TO postgres; DROP ROLE app_bypass");
}

TEST_CASE("doctor writes a Prometheus textfile even when checks fail", "[e2e][doctor]") {
    test::TestDatabase db;
    db.exec("CREATE TABLE loose (tenant_id uuid)");
    test::TempDir dir;
    auto prom = dir / "doctor.prom";
    auto r = run_cli({"doctor", "--metrics-file", prom.string()}, &db);
    CHECK(r.exit_code == 3);
    auto text = test::read_file(prom);
    CHECK(text.find("# TYPE tenantctl_doctor_up gauge\ntenantctl_doctor_up 1\n") != std::string::npos);
    CHECK(text.find("tenantctl_doctor_check_failures{check=\"rls\"} 3") != std::string::npos);

    r = run_cli({"doctor", "--metrics-file", "/nonexistent-dir/x.prom"}, &db);
    CHECK(r.exit_code == 1);
    CHECK(r.err.find("cannot write /nonexistent-dir/x.prom") != std::string::npos);
}

TEST_CASE("doctor rejects an unknown check name", "[e2e][doctor]") {
    test::TestDatabase db;
    auto r = run_cli({"doctor", "--check", "nonsense"}, &db);
    CHECK(r.exit_code == 2);
    CHECK(r.err.find("unknown check 'nonsense'") != std::string::npos);
}

TEST_CASE("an unreachable database exits 7 naming the target but never the password", "[e2e][db]") {
    auto r = run_cli({"doctor", "-d", "postgresql://ops:s3cret-pw@127.0.0.1:1/app?connect_timeout=2"});
    CHECK(r.exit_code == 7);
    CHECK(r.err.find("host=127.0.0.1 port=1 dbname=app") != std::string::npos);
    CHECK(r.err.find("s3cret-pw") == std::string::npos);
    CHECK(r.out.find("s3cret-pw") == std::string::npos);

    r = run_cli({"init", "-d", "host=/nonexistent port=5999 password=hunter2"});
    CHECK(r.exit_code == 7);
    CHECK(count_lines(r.err) <= 3);
    CHECK(r.err.find("tenantctl: cannot connect to the database (socket dir=/nonexistent port=5999") !=
          std::string::npos);
    CHECK(r.err.find("hunter2") == std::string::npos);
}

TEST_CASE("errors are also JSON on stderr with -o json", "[e2e][cli]") {
    auto r = run_cli({"init", "-o", "json", "-d", "host=/nonexistent port=5999"});
    CHECK(r.exit_code == 7);
    auto last_line = r.err.substr(r.err.rfind('\n', r.err.size() - 2) + 1);
    auto j = nlohmann::json::parse(last_line);
    CHECK(j["error"]["code"] == "db_unavailable");
    CHECK(j["error"]["exit"] == 7);
}

TEST_CASE("a malformed config file is a usage error naming file, line and column", "[e2e][config]") {
    test::TempDir dir;
    test::write_file(dir / "tenantctl.yaml", "schema: tenantctl\ntenancy:\n  mode: [shared\n");
    auto r = run_cli({"doctor"}, nullptr, test::in_dir(dir.path()));
    CHECK(r.exit_code == 2);
    CHECK(r.err.find("tenantctl.yaml:") != std::string::npos);

    test::write_file(dir / "typo.yaml", "schema: tenantctl\ntenancy:\n  colum: tenant_id\n");
    r = run_cli({"doctor", "-c", (dir / "typo.yaml").string()});
    CHECK(r.exit_code == 2);
    CHECK(r.err.find("typo.yaml:3:3") != std::string::npos);
    CHECK(r.err.find("colum") != std::string::npos);

    r = run_cli({"doctor", "-c", (dir / "missing.yaml").string()});
    CHECK(r.exit_code == 2);
    CHECK(r.err.find("missing.yaml") != std::string::npos);
}

TEST_CASE("TENANTCTL_CONFIG and contexts choose the database", "[e2e][config]") {
    test::TestDatabase db;
    test::TempDir dir;
    test::write_file(dir / "ops.yaml", "contexts:\n  test: {database: \"" + db.url() +
                                           "\"}\n  broken: {database: \"host=/nonexistent port=1\"}\n");
    auto r = run_cli({"init", "--context", "test"}, nullptr, test::with_env({{"TENANTCTL_CONFIG", (dir / "ops.yaml").string()}}));
    INFO(r.err);
    CHECK(r.exit_code == 0);
    r = run_cli({"init", "--context", "broken"}, nullptr, test::with_env({{"TENANTCTL_CONFIG", (dir / "ops.yaml").string()}}));
    CHECK(r.exit_code == 7);
    r = run_cli({"init", "--context", "nope"}, nullptr, test::with_env({{"TENANTCTL_CONFIG", (dir / "ops.yaml").string()}}));
    CHECK(r.exit_code == 2);
    CHECK(r.err.find("nope") != std::string::npos);
    // The flag wins over the environment and the config.
    r = run_cli({"init", "--context", "broken", "-d", db.url()}, nullptr,
                test::with_env({{"TENANTCTL_CONFIG", (dir / "ops.yaml").string()}}));
    CHECK(r.exit_code == 0);
    // --context beats TENANTCTL_DATABASE_URL: the operator named the target (issue 16: the
    // variable used to win silently, and an unknown context passed with exit 0).
    const auto ambient = test::with_env({{"TENANTCTL_CONFIG", (dir / "ops.yaml").string()},
                                         {"TENANTCTL_DATABASE_URL", "host=/nonexistent port=1"}});
    r = run_cli({"init", "--context", "test"}, nullptr, ambient);
    INFO(r.err);
    CHECK(r.exit_code == 0);
    r = run_cli({"init", "--context", "nope"}, nullptr, ambient);
    CHECK(r.exit_code == 2);
    CHECK(r.err.find("unknown context 'nope'") != std::string::npos);
    // Without --context the environment still beats the config's current_context.
    test::write_file(dir / "ops.yaml", "current_context: test\ncontexts:\n  test: {database: \"" + db.url() + "\"}\n");
    r = run_cli({"init"}, nullptr, ambient);
    CHECK(r.exit_code == 7);
}

TEST_CASE("config get-contexts, current-context, use-context and view", "[e2e][config]") {
    test::TestDatabase db;
    test::TempDir dir;
    const auto file = dir / "ops.yaml";
    const std::string original = "# operations config: keep this comment\n"
                                 "contexts:\n"
                                 "  prod:\n"
                                 "    database: \"postgresql://app:s3cret-pw@db.internal:5432/saas\"\n"
                                 "    protected: true\n"
                                 "  test:\n"
                                 "    database: \"" + db.url() + "\"\n"
                                 "current_context: prod   # the default\n"
                                 "schema: tenantctl\n";
    test::write_file(file, original, 0640);
    const auto with_config = test::with_env({{"TENANTCTL_CONFIG", file.string()}});

    auto listed = run_cli({"config", "get-contexts", "-o", "json"}, nullptr, with_config);
    INFO(listed.err);
    REQUIRE(listed.exit_code == 0);
    auto rows = nlohmann::json::parse(listed.out);
    REQUIRE(rows.size() == 2);
    CHECK(rows[0]["name"] == "prod");
    CHECK(rows[0]["current"] == "*");
    CHECK(rows[0]["protected"] == true);
    CHECK(rows[0]["target"].get<std::string>().find("db.internal") != std::string::npos);
    CHECK(listed.out.find("s3cret-pw") == std::string::npos);
    CHECK(run_cli({"config", "current-context"}, nullptr, with_config).out == "prod\n");
    CHECK(run_cli({"config", "current-context", "--context", "test"}, nullptr, with_config).out == "test\n");

    // view masks the password and keeps everything else.
    auto view = run_cli({"config", "view"}, nullptr, with_config);
    CHECK(view.exit_code == 0);
    CHECK(view.out.find("s3cret-pw") == std::string::npos);
    CHECK(view.out.find("keep this comment") != std::string::npos);

    // use-context: an unknown name is exit 2 and changes nothing; a dry run changes nothing.
    auto unknown = run_cli({"config", "use-context", "tset"}, nullptr, with_config);
    CHECK(unknown.exit_code == 2);
    CHECK(unknown.err.find("did you mean 'test'?") != std::string::npos);
    CHECK(run_cli({"config", "use-context", "test", "--dry-run"}, nullptr, with_config).exit_code == 0);
    CHECK(test::read_file(file) == original);
    // The real one edits that one line: comments, order and mode stay.
    REQUIRE(run_cli({"config", "use-context", "test"}, nullptr, with_config).exit_code == 0);
    const auto edited = test::read_file(file);
    CHECK(edited.find("current_context: test\n") != std::string::npos);
    CHECK(edited.find("keep this comment") != std::string::npos);
    CHECK(edited.find("schema: tenantctl\n") != std::string::npos);
    CHECK((std::filesystem::status(file).permissions() & std::filesystem::perms::all) ==
          (std::filesystem::perms::owner_read | std::filesystem::perms::owner_write | std::filesystem::perms::group_read));
    // Commands now go to the test database, with nothing else set.
    CHECK(run_cli({"init"}, nullptr, with_config).exit_code == 0);

    // A flow-style file has no line to edit: refused, the file as it was.
    const std::string flow = "{contexts: {a: {database: x}, b: {database: y}}, current_context: a}\n";
    test::write_file(file, flow);
    auto refused = run_cli({"config", "use-context", "b"}, nullptr, with_config);
    CHECK(refused.exit_code == 5);
    CHECK(test::read_file(file) == flow);

    // No config file at all: exit 4 with the way out.
    auto none = run_cli({"config", "get-contexts"}, nullptr, test::in_dir(dir.path()));
    CHECK(none.exit_code == 4);
    CHECK(none.err.find("no config file was found") != std::string::npos);
}

TEST_CASE("quiet (-q) with the table output prints nothing on success, the table when the command fails", "[e2e][cli]") {
    test::TestDatabase db;
    auto table = run_cli({"init", "-q"}, &db);
    CHECK(table.exit_code == 0);
    CHECK(table.out.empty());
    CHECK(table.err.empty());
    auto wide = run_cli({"init", "-q", "-o", "wide"}, &db);  // a table too
    CHECK(wide.exit_code == 0);
    CHECK(wide.out.empty());
    // Data formats are asked for explicitly: always printed.
    auto json_out = run_cli({"init", "-q", "-o", "json"}, &db);
    CHECK(json_out.exit_code == 0);
    CHECK(nlohmann::json::parse(json_out.out).is_array());
    // doctor's findings table on a failing check (exit 3) is what the cron mail is for.
    db.exec("CREATE TABLE public.notes (tenant_id uuid NOT NULL, body text)");
    auto failing = run_cli({"doctor", "-q"}, &db);
    CHECK(failing.exit_code == 3);
    CHECK(failing.out.find("notes") != std::string::npos);
}

TEST_CASE("the --no-headers option leaves only the rows, in the table and in csv", "[e2e][cli]") {
    test::TestDatabase db;
    REQUIRE(run_cli({"tenant", "create", "acme"}, &db).exit_code == 0);
    REQUIRE(run_cli({"tenant", "create", "globex"}, &db).exit_code == 0);
    auto with = run_cli({"tenant", "list"}, &db);
    CHECK(with.out.rfind("SLUG", 0) == 0);
    auto table = run_cli({"tenant", "list", "--no-headers"}, &db);
    CHECK(table.exit_code == 0);
    CHECK(table.out.rfind("acme ", 0) == 0);
    CHECK(std::count(table.out.begin(), table.out.end(), '\n') == 2);
    auto csv = run_cli({"tenant", "list", "-o", "csv", "--no-headers"}, &db);
    CHECK(csv.out.rfind("acme,", 0) == 0);
    CHECK(std::count(csv.out.begin(), csv.out.end(), '\n') == 2);
}

TEST_CASE("init is idempotent and reports what it applied", "[e2e][init]") {
    test::TestDatabase db(false);
    auto dry = run_cli({"init", "--dry-run", "-o", "json"}, &db);
    CHECK(dry.exit_code == 0);
    CHECK(db.query_value("SELECT count(*) FROM pg_namespace WHERE nspname = 'tenantctl'") == "0");
    auto first = run_cli({"init", "-o", "json"}, &db);
    CHECK(first.exit_code == 0);
    auto rows = nlohmann::json::parse(first.out);
    REQUIRE_FALSE(rows.empty());
    CHECK(rows[0]["status"] == "applied");
    auto second = run_cli({"init", "-o", "json"}, &db);
    CHECK(second.exit_code == 0);
    CHECK(nlohmann::json::parse(second.out)[0]["status"] == "installed");
    CHECK(second.err.find("up to date") != std::string::npos);
    CHECK(db.query_value("SELECT count(*) FROM tenantctl.audit_log WHERE action = 'platform.init'") == "2");
}

TEST_CASE("init while another run holds the lock exits 6 naming the holder", "[e2e][init]") {
    test::TestDatabase db(false);
    pqxx::connection holder(db.conninfo() + " application_name='tenantctl init (other-operator)'");
    pqxx::nontransaction tx(holder);
    tx.exec_params("SELECT pg_advisory_lock($1)", db::lock_key("init"));
    auto r = run_cli({"init", "--lock-timeout", "1s"}, &db);
    CHECK(r.exit_code == 6);
    CHECK(r.err.find("another run holds the 'init' lock") != std::string::npos);
    CHECK(r.err.find("other-operator") != std::string::npos);
    CHECK(db.query_value("SELECT count(*) FROM pg_namespace WHERE nspname = 'tenantctl'") == "0");
    tx.exec_params("SELECT pg_advisory_unlock($1)", db::lock_key("init"));
    r = run_cli({"init"}, &db);
    CHECK(r.exit_code == 0);
}

TEST_CASE("two inits at once: both succeed, the schema is installed once", "[e2e][init]") {
    test::TestDatabase db(false);
    test::CliResult a, b;
    std::thread ta([&] { a = run_cli({"init", "--lock-timeout", "30s"}, &db); });
    std::thread tb([&] { b = run_cli({"init", "--lock-timeout", "30s"}, &db); });
    ta.join();
    tb.join();
    CHECK(a.exit_code == 0);
    CHECK(b.exit_code == 0);
    // Every embedded migration is recorded exactly once.
    auto listing = run_cli({"init", "-o", "json"}, &db);
    auto rows = nlohmann::json::parse(listing.out);
    CHECK(db.query_value("SELECT count(*) FROM tenantctl.platform_version") == std::to_string(rows.size()));
    for (const auto& row : rows) CHECK(row["status"] == "installed");
    CHECK(db.query_value("SELECT count(*) FROM tenantctl.audit_log WHERE action = 'platform.init'") == "3");
}

TEST_CASE("a bad --lock-timeout is a usage error", "[e2e][cli]") {
    auto r = run_cli({"init", "--lock-timeout", "soon", "-d", "host=/nonexistent"});
    CHECK(r.exit_code == 2);
    CHECK(r.err.find("invalid duration 'soon'") != std::string::npos);
}

TEST_CASE("log format json writes one JSON object per stderr line", "[e2e][cli]") {
    test::TestDatabase db;
    auto r = run_cli({"init", "--log-format", "json"}, &db);
    CHECK(r.exit_code == 0);
    REQUIRE_FALSE(r.err.empty());
    auto line = r.err.substr(0, r.err.find('\n'));
    auto j = nlohmann::json::parse(line);
    CHECK(j["level"] == "info");
    CHECK(j["msg"].get<std::string>().find("up to date") != std::string::npos);

    // The final error too, usage errors included: every stderr line parses.
    for (const std::vector<std::string>& args :
         {std::vector<std::string>{"tenant", "show", "nobody", "--log-format", "json"},
          std::vector<std::string>{"--log-format=json", "tenant", "lst"}}) {
        auto failed = run_cli(args, &db);
        CHECK(failed.exit_code != 0);
        std::istringstream lines(failed.err);
        int count = 0;
        for (std::string l; std::getline(lines, l); ++count) {
            INFO(l);
            auto error = nlohmann::json::parse(l);
            CHECK(error["level"] == "error");
            CHECK(error["exit"] == failed.exit_code);
        }
        CHECK(count == 1);
    }
}

TEST_CASE("sandbox up refuses a directory that holds something else", "[e2e][sandbox]") {
    test::TempDir dir;
    test::write_file(dir / "precious.txt", "keep me");
    auto r = run_cli({"sandbox", "up", "--dir", dir.path().string()});
    CHECK(r.exit_code == 5);
    CHECK(r.err.find("is not empty and is not a tenantctl sandbox") != std::string::npos);
    CHECK(test::read_file(dir / "precious.txt") == "keep me");
}

TEST_CASE("sandbox up refuses a port that is taken", "[e2e][sandbox]") {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    socklen_t len = sizeof addr;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
    int port = ntohs(addr.sin_port);
    test::TempDir dir;
    auto r = run_cli({"-v", "sandbox", "up", "--no-init", "--dir", (dir / "sb").string(), "--port", std::to_string(port)});
    ::close(fd);
    CHECK(r.exit_code == 5);
    CHECK(r.err.find("port " + std::to_string(port) + " is in use") != std::string::npos);
    // The cluster directory it had made (in the sandbox's directory, or a private one in /tmp
    // when the server's user cannot reach that) is gone: nothing records it for a `down`.
    const std::string marker = "cluster directory ";
    const auto at = r.err.find(marker);
    REQUIRE(at != std::string::npos);
    const std::string cluster = r.err.substr(at + marker.size(), r.err.find('\n', at) - at - marker.size());
    INFO(cluster);
    CHECK_FALSE(std::filesystem::exists(cluster));
    run_cli({"sandbox", "down", "--dir", (dir / "sb").string()});
}

TEST_CASE("sandbox up is idempotent, env points at it, down removes it", "[e2e][sandbox]") {
    test::TempDir dir;
    const std::string sb = (dir / "sb").string();
    auto up = run_cli({"sandbox", "up", "--dir", sb});
    INFO(up.err);
    REQUIRE(up.exit_code == 0);
    CHECK(up.out.rfind("postgresql://postgres@/postgres?host=", 0) == 0);
    auto again = run_cli({"sandbox", "up", "--dir", sb});
    CHECK(again.exit_code == 0);
    CHECK(again.out == up.out);
    CHECK(again.err.find("already running") != std::string::npos);

    auto env = run_cli({"sandbox", "env", "--dir", sb});
    CHECK(env.exit_code == 0);
    CHECK(env.out.find("export TENANTCTL_DATABASE_URL='" + up.out.substr(0, up.out.size() - 1) + "'") !=
          std::string::npos);
    CHECK(env.out.find("export TENANTCTL_MASTER_KEY_SOURCE='file:") != std::string::npos);
    CHECK(env.out.find("export TENANTCTL_SANDBOX_DIR='" + sb + "'") != std::string::npos);
    // What `eval "$(sandbox env --dir D)"` exports makes the other sandbox commands follow D.
    auto followed = run_cli({"sandbox", "status", "-o", "json"}, nullptr, test::with_env({{"TENANTCTL_SANDBOX_DIR", sb}}));
    CHECK(followed.exit_code == 0);
    CHECK(nlohmann::json::parse(followed.out)["dir"] == sb);

    auto status = run_cli({"sandbox", "status", "--dir", sb, "-o", "json"});
    CHECK(status.exit_code == 0);
    CHECK(nlohmann::json::parse(status.out)["status"] == "running");

    // The platform schema was installed by up.
    auto doctor = run_cli({"doctor", "--check", "platform_schema", "-d", up.out.substr(0, up.out.size() - 1)});
    CHECK(doctor.exit_code == 0);

    auto down = run_cli({"sandbox", "down", "--dir", sb});
    CHECK(down.exit_code == 0);
    status = run_cli({"sandbox", "status", "--dir", sb});
    CHECK(status.exit_code == 4);
}

TEST_CASE("with no database configured, commands use a running sandbox and say so", "[e2e][sandbox]") {
    test::TempDir state;
    std::map<std::string, std::string> env{{"XDG_STATE_HOME", state.path().string()}};
    auto up = run_cli({"sandbox", "up"}, nullptr, test::with_env(env));
    REQUIRE(up.exit_code == 0);
    auto r = run_cli({"doctor", "--check", "platform_schema"}, nullptr, test::with_env(env));
    CHECK(r.exit_code == 0);
    CHECK(r.err.find("using the running sandbox") != std::string::npos);
    run_cli({"sandbox", "down"}, nullptr, test::with_env(env));
}

TEST_CASE("bash completion completes commands and options from the generated script", "[e2e][completion]") {
    auto script = run_cli({"completion", "bash"});
    REQUIRE(script.exit_code == 0);
    test::TempDir dir;
    test::write_file(dir / "tenantctl.bash", script.out);
    auto run_bash = [&](const std::string& words, int cword) {
        std::string cmd = "source '" + (dir / "tenantctl.bash").string() + "'; COMP_WORDS=(" + words +
                          "); COMP_CWORD=" + std::to_string(cword) + "; _tenantctl; echo \"${COMPREPLY[*]}\"";
        std::string out;
        FILE* p = ::popen(("bash -c " + std::string("\"") + [&] {
                              std::string esc;
                              for (char c : cmd) {
                                  if (c == '"' || c == '\\' || c == '$' || c == '`') esc.push_back('\\');
                                  esc.push_back(c);
                              }
                              return esc;
                          }() + "\"")
                              .c_str(),
                          "r");
        char buf[4096];
        while (p && std::fgets(buf, sizeof buf, p)) out += buf;
        if (p) ::pclose(p);
        return out;
    };
    CHECK(run_bash("tenantctl sa", 1) == "sandbox\n");
    CHECK(run_bash("tenantctl sandbox ''", 2) == "down env psql status up\n");
    CHECK(run_bash("tenantctl doctor --met", 2) == "--metrics-file\n");
    CHECK(run_bash("tenantctl doctor -o ''", 3) == "table wide json ndjson yaml csv name\n");
}
