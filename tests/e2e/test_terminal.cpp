// End-to-end on a pseudo-terminal: what an operator at a shell sees and types. Irreversible
// commands ask, a typed "n" or a wrong name changes nothing, and binary output never goes to
// the screen.
#include <catch2/catch.hpp>

#include <fmt/format.h>

#include <filesystem>

#include "tests/support/pty.hpp"
#include "tests/support/test_support.hpp"

using namespace tenantctl;
using test::PtySession;
using test::run_cli;

namespace {

std::string status_of(const test::TestDatabase& db, const std::string& slug) {
    return db.query_value("SELECT status FROM tenantctl.tenants WHERE slug = '" + slug + "'");
}

}  // namespace

TEST_CASE("on a terminal, purge asks - 'n' changes nothing, 'y' purges", "[e2e][terminal]") {
    test::TestDatabase db;
    REQUIRE(run_cli({"tenant", "create", "acme"}, &db).exit_code == 0);
    REQUIRE(run_cli({"tenant", "delete", "acme", "--grace", "0s", "--yes"}, &db).exit_code == 0);

    PtySession declined({"tenant", "purge", "acme"}, &db);
    REQUIRE(declined.wait_for("purge tenant 'acme' and destroy its keys (irreversible) [y/N] "));
    declined.type("n\n");
    CHECK(declined.finish() == 10);
    CHECK(declined.screen().find("declined") != std::string::npos);
    CHECK(status_of(db, "acme") == "pending_deletion");

    PtySession accepted({"tenant", "purge", "acme"}, &db);
    REQUIRE(accepted.wait_for("[y/N] "));
    accepted.type("y\n");
    INFO(accepted.screen());
    CHECK(accepted.finish() == 0);
    CHECK(status_of(db, "acme") == "purged");
}

TEST_CASE("purge --force wants the slug typed, even with --yes", "[e2e][terminal]") {
    test::TestDatabase db;
    REQUIRE(run_cli({"tenant", "create", "acme"}, &db).exit_code == 0);

    PtySession wrong({"tenant", "purge", "acme", "--force", "--yes"}, &db);
    REQUIRE(wrong.wait_for("Type 'acme' to confirm: "));
    wrong.type("y\n");  // the reflex a [y/N] prompt trains
    CHECK(wrong.finish() == 10);
    CHECK(wrong.screen().find("declined (typed 'y', expected 'acme')") != std::string::npos);
    CHECK(status_of(db, "acme") == "active");

    PtySession right({"tenant", "purge", "acme", "--force"}, &db);
    REQUIRE(right.wait_for("Type 'acme' to confirm: "));
    right.type("acme\n");
    INFO(right.screen());
    CHECK(right.finish() == 0);
    CHECK(status_of(db, "acme") == "purged");

    // Without a terminal --yes is what it takes (scripts have no one to type).
    REQUIRE(run_cli({"tenant", "create", "globex"}, &db).exit_code == 0);
    CHECK(run_cli({"tenant", "purge", "globex", "--force"}, &db).exit_code == 10);
    CHECK(run_cli({"tenant", "purge", "globex", "--force", "--yes"}, &db).exit_code == 0);
    CHECK(status_of(db, "globex") == "purged");
}

TEST_CASE("a protected context wants its name typed before any change", "[e2e][terminal][config]") {
    test::TestDatabase db;
    test::TempDir dir;
    const auto config = dir / "config.yaml";
    test::write_file(config, fmt::format("contexts:\n  prod:\n    database: \"{}\"\n    protected: true\n"
                                         "current_context: prod\n",
                                         db.url()));
    // The database comes from the context, not from TENANTCTL_DATABASE_URL.
    const std::vector<std::string> create{"-c", config.string(), "tenant", "create", "acme"};

    PtySession wrong(create);
    REQUIRE(wrong.wait_for("`tenantctl tenant create` changes data in the protected context 'prod'\nType 'prod' to confirm: "));
    wrong.type("staging\n");
    CHECK(wrong.finish() == 10);
    CHECK(db.query_value("SELECT count(*) FROM tenantctl.tenants") == "0");

    PtySession right(create);
    REQUIRE(right.wait_for("Type 'prod' to confirm: "));
    right.type("prod\n");
    INFO(right.screen());
    CHECK(right.finish() == 0);
    CHECK(db.query_value("SELECT count(*) FROM tenantctl.tenants") == "1");

    // Reading asks nothing; a dry run asks nothing; without a terminal --yes is required.
    CHECK(run_cli({"-c", config.string(), "tenant", "list"}).exit_code == 0);
    CHECK(run_cli({"-c", config.string(), "tenant", "create", "globex", "--dry-run"}).exit_code == 0);
    auto unattended = run_cli({"-c", config.string(), "tenant", "create", "globex"});
    CHECK(unattended.exit_code == 10);
    CHECK(unattended.err.find("protected context 'prod'") != std::string::npos);
    CHECK(run_cli({"-c", config.string(), "tenant", "create", "globex", "--yes"}).exit_code == 0);
    CHECK(db.query_value("SELECT count(*) FROM tenantctl.tenants") == "2");

    // A malformed flag is a config error naming the line.
    test::write_file(config, "contexts:\n  prod:\n    database: x\n    protected: sometimes\n");
    auto bad = run_cli({"-c", config.string(), "tenant", "list"});
    CHECK(bad.exit_code == 2);
    CHECK(bad.err.find(":4:") != std::string::npos);
}

TEST_CASE("migrate down asks on a terminal, and Enter means no", "[e2e][terminal][migrate]") {
    test::TestDatabase db;
    test::TempDir dir;
    test::write_file(dir / "20240101000000_a.sql",
                     "-- migrate:up\nCREATE TABLE a (id int);\n-- migrate:down\nDROP TABLE a;\n");
    REQUIRE(run_cli({"migrate", "up", "--dir", dir.path().string()}, &db).exit_code == 0);
    PtySession down({"migrate", "down", "--dir", dir.path().string()}, &db);
    REQUIRE(down.wait_for("revert 1 migration(s) (20240101000000_a) of the shared schema (their down sections run now)? [y/N] "));
    down.type("\n");  // the default is no
    CHECK(down.finish() == 10);
    CHECK(db.query_value("SELECT to_regclass('a') IS NOT NULL") == "t");
}

TEST_CASE("gdpr export -O - refuses to write an archive onto a terminal", "[e2e][terminal][gdpr]") {
    test::TestDatabase db;
    REQUIRE(run_cli({"tenant", "create", "acme"}, &db).exit_code == 0);
    PtySession export_all({"gdpr", "export", "--tenant", "acme", "--all", "-O", "-"}, &db);
    CHECK(export_all.finish() == 2);
    CHECK(export_all.screen().find("refusing to write an archive to a terminal") != std::string::npos);
    CHECK(db.query_value("SELECT count(*) FROM tenantctl.gdpr_requests") == "0");
}

namespace {

// A role that must give a password over the socket: the one line of pg_hba.conf that asks for
// one (prepended once; pg_reload_conf rereads the file). The suite's other roles keep trust.
std::string password_role_url(const test::TestDatabase& db) {
    const auto& s = test::server();
    const std::filesystem::path hba = s.data_dir() / "pg_hba.conf";
    const std::string line = "local all tenantctl_pw_test scram-sha-256\n";
    const std::string text = test::read_file(hba);
    if (text.find(line) == std::string::npos) {
        const std::filesystem::path next = hba.string() + ".next";
        test::write_file(next, line + text);
        std::filesystem::rename(next, hba);  // never a half-written file for a concurrent reload
    }
    db.exec("DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'tenantctl_pw_test') THEN "
            "CREATE ROLE tenantctl_pw_test LOGIN SUPERUSER; END IF; END $$; "
            "ALTER ROLE tenantctl_pw_test PASSWORD 'Corr3ct-h0rse'; SELECT pg_reload_conf()");
    return fmt::format("postgresql://tenantctl_pw_test@/{}?host={}&port={}", db.name(), s.socket_dir().string(),
                       s.port);
}

}  // namespace

// [single-node]: it edits the test server's pg_hba.conf.
TEST_CASE("a server that asks for a password gets a prompt on a terminal, once, never echoed",
          "[e2e][terminal][db][single-node]") {
    test::TestDatabase db;
    const std::string url = password_role_url(db);

    // A mutating command opens several connections (work, lock): one prompt serves them all.
    PtySession right({"-d", url, "tenant", "create", "acme"}, &db);
    REQUIRE(right.wait_for("Password for user tenantctl_pw_test: "));
    right.type("Corr3ct-h0rse\n");
    INFO(right.screen());
    CHECK(right.finish() == 0);
    CHECK(status_of(db, "acme") == "active");
    CHECK(right.screen().find("Corr3ct-h0rse") == std::string::npos);
    const auto& screen = right.screen();
    CHECK(screen.find("Password for user") == screen.rfind("Password for user"));

    PtySession wrong({"-d", url, "tenant", "list"}, &db);
    REQUIRE(wrong.wait_for("Password for user tenantctl_pw_test: "));
    wrong.type("not-it\n");
    INFO(wrong.screen());
    CHECK(wrong.finish() == 7);
    CHECK(wrong.screen().find("password authentication failed") != std::string::npos);
    CHECK(wrong.screen().find("not-it") == std::string::npos);

    // Without a terminal nobody is asked: exit 7 and where a password can come from.
    auto cron = run_cli({"-d", url, "tenant", "list"}, &db);
    CHECK(cron.exit_code == 7);
    CHECK(cron.err.find("the server asks for a password and none was given") != std::string::npos);
    CHECK(cron.err.find("PGPASSWORD or ~/.pgpass") != std::string::npos);
    test::CliOptions with_env;
    with_env.env["PGPASSWORD"] = "Corr3ct-h0rse";
    auto env = run_cli({"-d", url, "tenant", "list"}, &db, with_env);
    CHECK(env.exit_code == 0);
    CHECK(env.out.find("acme") != std::string::npos);
}

TEST_CASE("a mutating command at a terminal names its target database first, a reading one does not",
          "[e2e][terminal][db]") {
    test::TestDatabase db;
    PtySession create({"tenant", "create", "acme"}, &db);
    CHECK(create.finish() == 0);
    INFO(create.screen());
    const auto target = create.screen().find("target: ");
    REQUIRE(target != std::string::npos);
    CHECK(create.screen().find("dbname=" + db.name(), target) != std::string::npos);
    CHECK(create.screen().find("(from TENANTCTL_DATABASE_URL)", target) != std::string::npos);
    CHECK(target < create.screen().find("created"));

    PtySession list({"tenant", "list"}, &db);
    CHECK(list.finish() == 0);
    CHECK(list.screen().find("target: ") == std::string::npos);
}
