// End-to-end: `tenantctl migrate ...` as operators and CI run it: stdout, stderr, exit codes.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include <csignal>
#include <random>
#include <set>
#include <thread>

#include <spawn.h>
#include <sys/wait.h>

#include "tests/support/test_support.hpp"

using namespace tenantctl;
using test::run_cli;

extern char** environ;

namespace {

void add(const test::TempDir& dir, const std::string& file, const std::string& body) { test::write_file(dir / file, body); }

std::string up_file(const std::string& up, const std::string& down = "", const std::string& header = "") {
    return header + "-- migrate:up\n" + up + (down.empty() ? "" : "\n-- migrate:down\n" + down) + "\n";
}

bool has(const std::string& text, const std::string& what) { return text.find(what) != std::string::npos; }

std::vector<std::string> args(std::initializer_list<std::string> a, const test::TempDir& dir) {
    std::vector<std::string> out(a);
    out.push_back("--dir");
    out.push_back(dir.path().string());
    return out;
}

std::string ledger_count(const test::TestDatabase& db) {
    return db.query_value("SELECT count(*) FROM tenantctl.schema_migrations");
}

}  // namespace

TEST_CASE("migrate status --check exits 3 while migrations are pending and 0 after up", "[e2e][migrate]") {
    test::TestDatabase db;
    test::TempDir dir;
    add(dir, "20240101000000_a.sql", up_file("CREATE TABLE a (id int);", "DROP TABLE a;"));
    auto pending = run_cli(args({"migrate", "status", "--check"}, dir), &db);
    CHECK(pending.exit_code == 3);
    CHECK(has(pending.out, "20240101000000  a     pending"));
    CHECK(has(pending.err, "tenantctl: migrations are pending"));

    auto up = run_cli(args({"migrate", "up"}, dir), &db);
    CHECK(up.exit_code == 0);
    CHECK(has(up.err, "applied 20240101000000_a"));
    auto clean = run_cli(args({"migrate", "status", "--check", "-o", "json"}, dir), &db);
    CHECK(clean.exit_code == 0);
    auto rows = nlohmann::json::parse(clean.out);
    REQUIRE(rows.size() == 1);
    CHECK(rows[0]["state"] == "applied");
}

TEST_CASE("migrate plan and up --dry-run print the SQL and change nothing", "[e2e][migrate]") {
    test::TestDatabase db;
    test::TempDir dir;
    add(dir, "20240101000000_a.sql", up_file("CREATE TABLE a (id int);", "", "-- tenantctl:lock-timeout=2s\n"));
    for (auto cmd : {std::vector<std::string>{"migrate", "plan"}, std::vector<std::string>{"migrate", "up", "--dry-run"}}) {
        cmd.insert(cmd.end(), {"--dir", dir.path().string()});
        auto r = run_cli(cmd, &db);
        CHECK(r.exit_code == 0);
        CHECK(has(r.out, "BEGIN;\nSET lock_timeout = '2000ms';\nCREATE TABLE a (id int);\n-- ledger: record 20240101000000\nCOMMIT;"));
    }
    auto json = run_cli(args({"migrate", "plan", "-o", "json"}, dir), &db);
    CHECK(nlohmann::json::parse(json.out)["plan"][0]["migrations"][0]["statements"][0] == "CREATE TABLE a (id int)");
    CHECK(ledger_count(db) == "0");
    CHECK(db.query_value("SELECT to_regclass('a') IS NULL") == "t");
}

TEST_CASE("bad migration files are usage errors and nothing runs", "[e2e][migrate]") {
    test::TestDatabase db;
    test::TempDir dir;
    add(dir, "20240101000000_good.sql", up_file("CREATE TABLE good (id int);"));
    SECTION("malformed file name") {
        add(dir, "2024_bad name.sql", up_file("SELECT 1;"));
        auto r = run_cli(args({"migrate", "up"}, dir), &db);
        CHECK(r.exit_code == 2);
        CHECK(has(r.err, "2024_bad name.sql"));
    }
    SECTION("missing up section") {
        add(dir, "20240102000000_noup.sql", "CREATE TABLE x (id int);\n");
        auto r = run_cli(args({"migrate", "up"}, dir), &db);
        CHECK(r.exit_code == 2);
        CHECK(has(r.err, "20240102000000_noup.sql"));
        CHECK(has(r.err, "migrate:up"));
    }
    SECTION("duplicate versions") {
        add(dir, "20240101000000_twin.sql", up_file("SELECT 1;"));
        auto r = run_cli(args({"migrate", "up"}, dir), &db);
        CHECK(r.exit_code == 2);
        CHECK(has(r.err, "20240101000000"));
        CHECK(has(r.err, "twin"));
    }
    CHECK(ledger_count(db) == "0");
    CHECK(db.query_value("SELECT to_regclass('good') IS NULL") == "t");
}

TEST_CASE("an SQL error mid-file shows file, line, server message and SQLSTATE", "[e2e][migrate]") {
    test::TestDatabase db;
    test::TempDir dir;
    add(dir, "20240101000000_bad.sql", up_file("CREATE TABLE t (id int);\nSELEC 1;"));
    auto r = run_cli(args({"migrate", "up"}, dir), &db);
    CHECK(r.exit_code == 1);
    CHECK(has(r.err, "20240101000000_bad.sql:3:1: syntax error at or near \"SELEC\" (SQLSTATE 42601)"));
    CHECK(has(r.err, "hint: the migration was rolled back"));
    CHECK(ledger_count(db) == "0");
    CHECK(db.query_value("SELECT to_regclass('t') IS NULL") == "t");
}

TEST_CASE("a file edited after it was applied: up, verify and status --check exit 8", "[e2e][migrate]") {
    test::TestDatabase db;
    test::TempDir dir;
    add(dir, "20240101000000_a.sql", up_file("CREATE TABLE a (id int);"));
    REQUIRE(run_cli(args({"migrate", "up"}, dir), &db).exit_code == 0);
    add(dir, "20240101000000_a.sql", up_file("CREATE TABLE a (id bigint);"));
    auto up = run_cli(args({"migrate", "up"}, dir), &db);
    CHECK(up.exit_code == 8);
    CHECK(has(up.err, "20240101000000_a: changed since it was applied"));
    auto verify = run_cli(args({"migrate", "verify"}, dir), &db);
    CHECK(verify.exit_code == 8);
    CHECK(has(verify.out, "checksum-changed"));
    CHECK(run_cli(args({"migrate", "status", "--check"}, dir), &db).exit_code == 8);
    // The operator accepts it; the repair is audited.
    auto repair = run_cli(args({"migrate", "repair"}, dir), &db);
    CHECK(repair.exit_code == 0);
    CHECK(has(repair.out, "checksum-accepted"));
    CHECK(run_cli(args({"migrate", "verify"}, dir), &db).exit_code == 0);
}

TEST_CASE("two runs at once: the second exits 6 naming the holder", "[e2e][migrate]") {
    test::TestDatabase db;
    test::TempDir dir;
    add(dir, "20240101000000_a.sql", up_file("CREATE TABLE a (id int);"));
    test::TestContext holder(db);
    auto lock = holder->lock("migrate");
    auto r = run_cli(args({"migrate", "up", "--lock-timeout", "1s"}, dir), &db);
    CHECK(r.exit_code == 6);
    CHECK(has(r.err, "another run holds the 'migrate' lock: pid"));
    CHECK(ledger_count(db) == "0");
}

TEST_CASE("out-of-order files are refused listing them, unless --allow-out-of-order", "[e2e][migrate]") {
    test::TestDatabase db;
    test::TempDir dir;
    add(dir, "20240105000000_e.sql", up_file("SELECT 1;"));
    REQUIRE(run_cli(args({"migrate", "up"}, dir), &db).exit_code == 0);
    add(dir, "20240101000000_a.sql", up_file("SELECT 1;"));
    add(dir, "20240102000000_b.sql", up_file("SELECT 1;"));
    auto r = run_cli(args({"migrate", "up"}, dir), &db);
    CHECK(r.exit_code == 5);
    CHECK(has(r.err, "missing: 20240101000000_a, 20240102000000_b"));
    CHECK(run_cli(args({"migrate", "up", "--allow-out-of-order"}, dir), &db).exit_code == 0);
    CHECK(ledger_count(db) == "3");
}

TEST_CASE("migrate down, baseline and repair through the CLI", "[e2e][migrate]") {
    test::TestDatabase db;
    test::TempDir dir;
    add(dir, "20240101000000_a.sql", up_file("CREATE TABLE a (id int);", "DROP TABLE a;"));
    add(dir, "20240102000000_b.sql", up_file("CREATE TABLE b (id int);"));
    REQUIRE(run_cli(args({"migrate", "up"}, dir), &db).exit_code == 0);
    auto refused = run_cli(args({"migrate", "down"}, dir), &db);  // b has no down section
    CHECK(refused.exit_code == 5);
    CHECK(has(refused.err, "20240102000000_b has no down section"));
    CHECK(run_cli(args({"migrate", "down", "--steps", "5"}, dir), &db).exit_code == 5);
    db.exec("DROP TABLE b");  // undone by hand...
    CHECK(run_cli(args({"migrate", "repair", "--forget", "20240102000000"}, dir), &db).exit_code == 0);  // ...and recorded
    // Reverting asks first: without a terminal and without --yes nothing is reverted.
    auto unconfirmed = run_cli(args({"migrate", "down"}, dir), &db);
    CHECK(unconfirmed.exit_code == 10);
    CHECK(has(unconfirmed.err, "revert 1 migration(s) (20240101000000_a) of the shared schema"));
    CHECK(has(unconfirmed.err, "pass --yes"));
    CHECK(ledger_count(db) == "1");
    auto down = run_cli(args({"migrate", "down", "--yes"}, dir), &db);
    CHECK(down.exit_code == 0);
    CHECK(db.query_value("SELECT to_regclass('a') IS NULL") == "t");
    CHECK(ledger_count(db) == "0");
    auto base = run_cli(args({"migrate", "baseline", "20240101000000"}, dir), &db);
    CHECK(base.exit_code == 0);
    CHECK(has(base.out, "baselined"));
    CHECK(run_cli(args({"migrate", "up"}, dir), &db).exit_code == 0);
    CHECK(db.query_value("SELECT to_regclass('a') IS NULL") == "t");  // covered by the baseline: never ran
    CHECK(db.query_value("SELECT to_regclass('b') IS NOT NULL") == "t");
    CHECK(run_cli(args({"migrate", "baseline", "2024-01"}, dir), &db).exit_code == 2);
    CHECK(db.query_value("SELECT count(*) FROM tenantctl.audit_log WHERE action LIKE 'migrate.%'") == "5");
}

TEST_CASE("schema mode: a tenant schema that does not exist gives exit 9 with per-tenant rows", "[e2e][migrate]") {
    test::TestDatabase db;
    db.exec("INSERT INTO tenantctl.tenants (slug, isolation) VALUES ('acme', 'schema'), ('ghost', 'schema'); "
            "CREATE SCHEMA tenant_acme");
    test::TempDir dir;
    add(dir, "20240101000000_notes.sql", up_file("CREATE TABLE notes (id int);", "", "-- tenantctl:scope=tenant\n"));
    auto r = run_cli(args({"migrate", "up", "--continue-on-error", "--parallel", "2", "-o", "json"}, dir), &db);
    CHECK(r.exit_code == 9);
    auto doc = nlohmann::json::parse(r.out);
    CHECK(doc["summary"]["tenant_schemas"]["done"] == 1);
    CHECK(doc["summary"]["tenant_schemas"]["failed"] == 1);
    CHECK(has(r.err, "--resume " + doc["run_id"].get<std::string>()));
    auto status = run_cli(args({"migrate", "status"}, dir), &db);
    CHECK(has(status.out, "tenant_ghost"));
    CHECK(has(status.out, "missing-schema"));
    CHECK(run_cli(args({"migrate", "up", "--tenants", "nobody"}, dir), &db).exit_code == 4);
    CHECK(run_cli(args({"migrate", "up", "--resume", "00000000-0000-0000-0000-000000000001"}, dir), &db).exit_code == 4);
    db.exec("CREATE SCHEMA tenant_ghost");
    auto resumed = run_cli(args({"migrate", "up", "--resume", doc["run_id"].get<std::string>()}, dir), &db);
    CHECK(resumed.exit_code == 0);
    CHECK(has(resumed.out, "tenant_ghost"));
    CHECK(db.query_value("SELECT to_regclass('tenant_ghost.notes') IS NOT NULL") == "t");
}

TEST_CASE("migrate lint: findings exit 3, nolint silences, works offline", "[e2e][migrate][lint]") {
    test::TempDir dir;
    add(dir, "20240101000000_risky.sql",
        up_file("CREATE INDEX users_email_idx ON users (email);\n"
                "ALTER TABLE users ADD COLUMN age int NOT NULL;\n"
                "ALTER TABLE users ADD COLUMN token uuid DEFAULT gen_random_uuid();\n"
                "ALTER TABLE users ADD CONSTRAINT fk FOREIGN KEY (org) REFERENCES orgs (id);\n"
                "ALTER TABLE users ALTER COLUMN name TYPE varchar(10);\n"
                "CREATE TABLE notes (id int, tenant_id uuid);"));
    auto r = run_cli(args({"migrate", "lint", "-o", "json"}, dir));  // no database at all
    CHECK(r.exit_code == 3);
    std::set<std::string> rules;
    for (const auto& f : nlohmann::json::parse(r.out)) rules.insert(f["rule"].get<std::string>());
    CHECK(rules == std::set<std::string>{"index-not-concurrent", "add-column-not-null-no-default", "volatile-default",
                                         "fk-not-valid", "column-type-change", "rls-missing", "fk-without-index"});
    add(dir, "20240101000000_risky.sql",
        up_file("CREATE INDEX users_email_idx ON users (email);", "",
                "-- tenantctl:nolint=index-not-concurrent\n"));
    CHECK(run_cli(args({"migrate", "lint"}, dir)).exit_code == 0);
    auto examples = run_cli({"migrate", "lint", std::string(TENANTCTL_SOURCE_DIR) + "/examples/migrations"});
    CHECK(examples.exit_code == 0);
}

TEST_CASE("migrate new scaffolds a file that cannot run until it is written", "[e2e][migrate]") {
    test::TestDatabase db;
    test::TempDir dir;
    auto r = run_cli(args({"migrate", "new", "Add notes", "--scope", "tenant"}, dir), &db);
    CHECK(r.exit_code == 0);
    std::string path;
    for (const auto& e : std::filesystem::directory_iterator(dir.path())) path = e.path().string();
    CHECK(has(path, "_add_notes.sql"));
    CHECK(has(test::read_file(path), "-- tenantctl:scope=tenant"));
    CHECK(run_cli(args({"migrate", "up"}, dir), &db).exit_code == 2);
    CHECK(run_cli(args({"migrate", "new", "bad/name"}, dir), &db).exit_code == 2);
}

TEST_CASE("the example app migrations apply, and the app role is confined by RLS", "[e2e][migrate][examples]") {
    test::TestDatabase db;
    const std::string dir = std::string(TENANTCTL_SOURCE_DIR) + "/examples/migrations";
    auto r = run_cli({"migrate", "up", "--dir", dir}, &db);
    REQUIRE(r.exit_code == 0);
    CHECK(db.query_value("SELECT rolbypassrls FROM pg_roles WHERE rolname = 'app'") == "f");
    CHECK(db.query_value("SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND tableowner = 'app'") == "0");
    CHECK(db.query_value("SELECT count(*) FROM pg_class WHERE relname IN ('users', 'teams', 'documents', 'invoices') "
                         "AND relrowsecurity AND relforcerowsecurity") == "4");
    CHECK(db.query_value("SELECT indisvalid FROM pg_index WHERE indexrelid = 'invoices_tenant_issued_idx'::regclass") == "t");
    CHECK(run_cli({"migrate", "status", "--check", "--dir", dir}, &db).exit_code == 0);
}

// Kills `migrate up` with SIGKILL at random moments and re-runs it: every migration ends up applied
// exactly once, including the statements of no-transaction files and a concurrent index build.
TEST_CASE("SIGKILL at random points: re-runs converge with every migration applied exactly once",
          "[e2e][migrate][kill]") {
    test::TestDatabase db;
    db.exec("CREATE TABLE applied_log (entry text NOT NULL); CREATE TABLE base (id int, v int)");
    test::TempDir dir;
    const int files = 24;
    for (int i = 0; i < files; ++i) {
        char version[32];
        std::snprintf(version, sizeof version, "202401010%05d", i);
        const std::string v = version;
        if (i % 4 == 3) {
            add(dir, v + "_nt.sql",
                up_file("INSERT INTO applied_log VALUES ('" + v + ":1');\nSELECT pg_sleep(0.02);\n"
                        "CREATE INDEX CONCURRENTLY base_idx_" + std::to_string(i) + " ON base (v);\n"
                        "INSERT INTO applied_log VALUES ('" + v + ":2');",
                        "", "-- tenantctl:no-transaction\n"));
        } else {
            add(dir, v + "_tx.sql",
                up_file("CREATE TABLE t_" + std::to_string(i) + " (id int);\nSELECT pg_sleep(0.02);\n"
                        "INSERT INTO applied_log VALUES ('" + v + "');"));
        }
    }
    const std::string url = db.url();
    std::vector<std::string> env_strings{"TENANTCTL_DATABASE_URL=" + url, "HOME=" + dir.path().string(),
                                         "PATH=/usr/bin:/bin", "XDG_STATE_HOME=" + dir.path().string()};
    std::vector<char*> envp;
    for (auto& s : env_strings) envp.push_back(s.data());
    envp.push_back(nullptr);
    std::vector<std::string> argv_strings{TENANTCTL_BINARY, "migrate", "up", "--dir", dir.path().string(),
                                          "--lock-timeout", "60s", "-q"};
    std::vector<char*> argv;
    for (auto& s : argv_strings) argv.push_back(s.data());
    argv.push_back(nullptr);

    std::mt19937 rng(std::random_device{}());
    std::uniform_int_distribution<int> delay_ms(5, 250);
    int kills = 0;
    int last_status = -1;
    for (int round = 0; round < 40; ++round) {
        pid_t pid = 0;
        REQUIRE(posix_spawn(&pid, TENANTCTL_BINARY, nullptr, nullptr, argv.data(), envp.data()) == 0);
        std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms(rng)));
        bool killed = kill(pid, SIGKILL) == 0;
        int status = 0;
        waitpid(pid, &status, 0);
        if (WIFEXITED(status)) {
            last_status = WEXITSTATUS(status);
            if (last_status == 0) break;  // finished before the kill landed
        } else if (killed) {
            ++kills;
        }
    }
    // A final, undisturbed run completes whatever is left.
    auto final_run = run_cli({"migrate", "up", "--dir", dir.path().string(), "--lock-timeout", "60s"}, &db);
    INFO(final_run.err);
    CHECK(final_run.exit_code == 0);
    INFO("kills: " << kills);
    CHECK(kills > 0);
    CHECK(db.query_value("SELECT count(*) FROM tenantctl.schema_migrations WHERE state = 'applied'") ==
          std::to_string(files));
    // Exactly once: one log entry per transactional file, two per no-transaction file, no duplicates.
    CHECK(db.query_value("SELECT count(*) FROM applied_log") == std::to_string(files / 4 * 2 + files / 4 * 3));
    CHECK(db.query_value("SELECT count(*) FROM (SELECT entry FROM applied_log GROUP BY entry HAVING count(*) > 1) d") == "0");
    CHECK(db.query_value("SELECT count(*) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
                         "WHERE c.relname LIKE 'base_idx_%' AND i.indisvalid") == std::to_string(files / 4));
    CHECK(db.query_value("SELECT count(*) FROM pg_index WHERE NOT indisvalid") == "0");
    CHECK(run_cli({"migrate", "status", "--check", "--dir", dir.path().string()}, &db).exit_code == 0);
}
