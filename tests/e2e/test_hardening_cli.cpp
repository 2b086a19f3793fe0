// End-to-end checks of issue 12's hardening: kids that begin with '-', the master-key identity
// check on every wrapping path, locks that are lost or held, and passwords in errors.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>
#include <pqxx/pqxx>

#include <atomic>
#include <chrono>
#include <thread>

#include "tests/support/test_support.hpp"

using namespace tenantctl;
using test::run_cli;

namespace {

bool has(const std::string& text, const std::string& what) { return text.find(what) != std::string::npos; }

// Bytes 00..1f: a valid master key that is not the test key.
constexpr const char* kOtherKey = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
constexpr const char* kThirdKey = "HxwdHh8cHR4fHB0eHxwdHh8cHR4fHB0eHxwdHh8cHR4=";

test::CliOptions other_key() {
    return test::with_env({{"TENANTCTL_MASTER_KEY_SOURCE", "env:OTHER_KEY"}, {"OTHER_KEY", kOtherKey}});
}

std::string migration(const std::string& up, const std::string& header = "") {
    return header + "-- migrate:up\n" + up + "\n";
}

// Terminates the connection holding `migrate up`'s advisory lock (application_name
// "tenantctl migrate up (ACTOR)"; the work connection has no parenthesis) and waits until
// that backend is gone, so the next lock check sees it lost, whatever the machine's speed.
constexpr const char* kKillLockBackend =
    "SELECT pg_terminate_backend(pid, 30000) FROM pg_stat_activity "
    "WHERE datname = current_database() AND application_name LIKE 'tenantctl migrate up (%';";

}  // namespace

TEST_CASE("JWT kids that begin with '-' work in every kid command", "[e2e][keys][jwt][hardening]") {
    test::TestDatabase db;
    // Fixed kids, each starting like an option: -v and -q are global flags, -d takes a value.
    const std::string kid_flags = "-vqZ3V2xk9J0mZ8n1p7rT4sW6yB5cA2eF8gH0iK3lM9";
    const std::string kid_value = "-dQ3V2xk9J0mZ8n1p7rT4sW6yB5cA2eF8gH0iK3lM9o";
    REQUIRE(run_cli({"keys", "jwt", "rotate"}, &db).exit_code == 0);  // active
    db.exec("UPDATE tenantctl.signing_keys SET kid = '" + kid_flags + "'");
    REQUIRE(run_cli({"keys", "jwt", "rotate"}, &db).exit_code == 0);  // next
    db.exec("UPDATE tenantctl.signing_keys SET kid = '" + kid_value + "' WHERE state = 'next'");

    auto activate = run_cli({"keys", "jwt", "activate", kid_value, "--force"}, &db);
    INFO(activate.err);
    CHECK(activate.exit_code == 0);
    CHECK(db.query_value("SELECT state FROM tenantctl.signing_keys WHERE kid = '" + kid_value + "'") == "active");
    // Options before and after the kid still count as options.
    auto retire = run_cli({"-o", "json", "keys", "jwt", "retire", kid_flags, "-q"}, &db);
    INFO(retire.err);
    CHECK(retire.exit_code == 0);
    CHECK(db.query_value("SELECT state FROM tenantctl.signing_keys WHERE kid = '" + kid_flags + "'") == "retired");
    // An unknown kid that looks like an option is "not found", not a usage error.
    CHECK(run_cli({"keys", "jwt", "retire", "-xNoSuchKid0000000000000000000000000000000"}, &db).exit_code == 4);
}

TEST_CASE("a wrong master key is refused (exit 8) by every path that wraps new keys, nothing written",
          "[e2e][keys][hardening]") {
    test::TestDatabase db;
    REQUIRE(run_cli({"tenant", "create", "acme"}, &db).exit_code == 0);
    auto snapshot = [&] {
        return db.query_value(
            "SELECT (SELECT count(*) FROM tenantctl.tenants) || '/' || (SELECT count(*) FROM tenantctl.tenant_keys) || "
            "'/' || (SELECT count(*) FROM tenantctl.signing_keys) || '/' || (SELECT count(*) FROM tenantctl.audit_keys) "
            "|| '/' || (SELECT count(*) FROM tenantctl.audit_seals) || '/' || (SELECT count(*) FROM tenantctl.audit_log) "
            "|| '/' || (SELECT string_agg(DISTINCT kek_id, ',') FROM tenantctl.tenant_keys)");
    };
    const std::string before = snapshot();
    test::TempDir dir;
    test::write_file(dir / "tenants.yaml", "tenants:\n  - slug: acme\n  - slug: beta\n");

    for (const auto& args : std::vector<std::vector<std::string>>{
             {"tenant", "create", "beta"},
             {"tenant", "apply", "-f", (dir / "tenants.yaml").string()},
             {"keys", "jwt", "rotate"},
             {"audit", "seal", "--settle", "0s"},
             {"keys", "rotate", "--tenant", "acme"},
         }) {
        auto r = run_cli(args, &db, other_key());
        INFO(args[0] + " " + args[1]);
        INFO(r.err);
        CHECK(r.exit_code == 8);
        CHECK(has(r.err, "wrapped by master key"));
        CHECK(snapshot() == before);
    }
    // rewrap: the configured (source) key is wrong; the target is a third key.
    auto rewrap = run_cli({"keys", "rewrap", "--new-master-key", "env:THIRD_KEY"}, &db,
                          test::with_env({{"TENANTCTL_MASTER_KEY_SOURCE", "env:OTHER_KEY"},
                                          {"OTHER_KEY", kOtherKey},
                                          {"THIRD_KEY", kThirdKey}}));
    INFO(rewrap.err);
    CHECK(rewrap.exit_code == 8);
    CHECK(snapshot() == before);
    // The right key still works.
    CHECK(run_cli({"keys", "jwt", "rotate"}, &db).exit_code == 0);
}

TEST_CASE("an empty database accepts any master key", "[e2e][keys][hardening]") {
    test::TestDatabase db;
    auto r = run_cli({"tenant", "create", "acme"}, &db, other_key());
    INFO(r.err);
    CHECK(r.exit_code == 0);
    // ... and from then on only that one.
    CHECK(run_cli({"tenant", "create", "beta"}, &db).exit_code == 8);
    CHECK(run_cli({"tenant", "create", "beta"}, &db, other_key()).exit_code == 0);
}

TEST_CASE("migrate up stops with exit 7 when its lock's connection is terminated - a re-run converges",
          "[e2e][migrate][hardening]") {
    test::TestDatabase db;
    test::TempDir dir;
    test::write_file(dir / "20240101000000_kill_lock.sql", migration(kKillLockBackend));
    test::write_file(dir / "20240101000001_b.sql", migration("CREATE TABLE b (id int);"));
    auto first = run_cli({"migrate", "up", "--dir", dir.path().string()}, &db);
    INFO(first.err);
    CHECK(first.exit_code == 7);
    CHECK(has(first.err, "lost the 'migrate' lock"));
    // The file after the lock was lost did not run.
    CHECK(db.query_value("SELECT count(*) FROM tenantctl.schema_migrations WHERE target = 'shared'") == "1");
    CHECK(db.query_value("SELECT to_regclass('public.b') IS NULL") == "t");

    auto again = run_cli({"migrate", "up", "--dir", dir.path().string()}, &db);
    INFO(again.err);
    CHECK(again.exit_code == 0);
    CHECK(db.query_value("SELECT count(*) FROM tenantctl.schema_migrations WHERE state = 'applied'") == "2");
    CHECK(db.query_value("SELECT to_regclass('public.b') IS NOT NULL") == "t");
}

TEST_CASE("a no-transaction migration stops between statements when the lock is lost, and resumes there",
          "[e2e][migrate][hardening]") {
    test::TestDatabase db;
    test::TempDir dir;
    test::write_file(dir / "20240101000000_nt.sql",
                     migration(std::string("CREATE TABLE c (id int);\n") + kKillLockBackend +
                                   "\nCREATE INDEX CONCURRENTLY c_id ON c (id);\nINSERT INTO c VALUES (1);",
                               "-- tenantctl:no-transaction\n"));
    auto first = run_cli({"migrate", "up", "--dir", dir.path().string()}, &db);
    INFO(first.err);
    CHECK(first.exit_code == 7);
    CHECK(has(first.err, "lost the 'migrate' lock"));
    CHECK(db.query_value("SELECT state || ':' || statements_done FROM tenantctl.schema_migrations") == "running:2");
    CHECK(db.query_value("SELECT to_regclass('public.c_id') IS NULL") == "t");

    auto again = run_cli({"migrate", "up", "--dir", dir.path().string()}, &db);
    INFO(again.err);
    CHECK(again.exit_code == 0);
    CHECK(db.query_value("SELECT state || ':' || statements_done FROM tenantctl.schema_migrations") == "applied:4");
    CHECK(db.query_value("SELECT count(*) FROM c") == "1");
}

TEST_CASE("keys rotate takes the tenant's lock: a second run exits 6 and adds no version",
          "[e2e][keys][hardening]") {
    test::TestDatabase db;
    REQUIRE(run_cli({"tenant", "create", "acme"}, &db).exit_code == 0);
    {
        // The first run, holding the lock (as a concurrent `keys rotate` does while it works).
        test::TestContext holder(db);
        auto lock = holder->lock("tenant:acme");
        auto second = run_cli({"keys", "rotate", "--tenant", "acme", "--lock-timeout", "1s"}, &db);
        INFO(second.err);
        CHECK(second.exit_code == 6);
        CHECK(has(second.err, "another run holds the 'tenant:acme' lock"));
        CHECK(db.query_value("SELECT max(version) FROM tenantctl.tenant_keys") == "1");
    }
    CHECK(run_cli({"keys", "rotate", "--tenant", "acme"}, &db).exit_code == 0);
    CHECK(db.query_value("SELECT max(version) FROM tenantctl.tenant_keys") == "2");
}

TEST_CASE("a malformed database URL never prints its password, in text or JSON", "[e2e][hardening]") {
    const std::string pw = "Hunter2Sup3rS3cret";
    for (const std::string& url : {"postgresql://alice:" + pw + "@[::1/db", "postgresql://alice:" + pw + "%zz@h/db",
                                   "host=/nonexistent port=1 password=" + pw + " " + pw}) {
        for (const auto& format : std::vector<std::vector<std::string>>{
                 {}, {"-o", "json"}, {"--log-format", "json"}, {"-v", "--log-format", "json", "-o", "json"}}) {
            std::vector<std::string> args{"-d", url};
            args.insert(args.end(), format.begin(), format.end());
            args.insert(args.end(), {"tenant", "list"});
            auto r = run_cli(args);
            INFO(url);
            INFO(r.err);
            CHECK(r.exit_code == 7);
            CHECK_FALSE(has(r.err, pw));
            CHECK_FALSE(has(r.out, pw));
        }
        // The same through the environment.
        auto env = run_cli({"tenant", "list", "-o", "json"}, nullptr, test::with_env({{"TENANTCTL_DATABASE_URL", url}}));
        CHECK(env.exit_code == 7);
        CHECK_FALSE(has(env.err, pw));
    }
}

TEST_CASE("a tenant create that loses the race for its slug exits 5 with a clear message", "[e2e][tenants][hardening]") {
    test::TestDatabase db;
    // A concurrent writer (as `tenant apply` is) has inserted the slug but not committed yet.
    pqxx::connection other(db.conninfo());
    pqxx::work tx(other);
    tx.exec("INSERT INTO tenantctl.tenants (slug) VALUES ('beta')");
    test::CliResult r;
    std::atomic<bool> finished{false};
    std::thread create([&] {
        r = run_cli({"tenant", "create", "beta"}, &db);
        finished = true;
    });
    // Commit once the create waits for our row, however long it takes to get there. On Citus
    // the tenants table is a reference table and the create waits on the workers' copies of
    // it, which citus_lock_waits shows.
    const std::string waiting =
        test::on_citus()
            ? "SELECT count(*) FROM citus_lock_waits"
            : "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
              "AND application_name = 'tenantctl tenant create' AND wait_event_type = 'Lock'";
    while (!finished && db.query_value(waiting) == "0")
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    tx.commit();
    create.join();
    INFO(r.err);
    CHECK(r.exit_code == 5);
    CHECK(has(r.err, "tenant 'beta' was created by a concurrent run"));
    CHECK_FALSE(has(r.err, "duplicate key"));
    CHECK_FALSE(has(r.err, "SQLSTATE"));
    CHECK(db.query_value("SELECT count(*) FROM tenantctl.tenant_keys") == "0");
}
