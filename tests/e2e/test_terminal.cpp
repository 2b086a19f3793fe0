// End-to-end on a pseudo-terminal: what an operator at a shell sees and types. Irreversible
// commands ask, a typed "n" or a wrong name changes nothing, and binary output never goes to
// the screen.
#include <catch2/catch.hpp>

#include <fmt/format.h>

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
