// End-to-end: hostile input through the built binary (issue 12, items 3 and 11). Each of
// these once crashed, ate memory without end, or reached the server and came back as exit 1.
#include <catch2/catch.hpp>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <string>

#include "tests/support/test_support.hpp"

using namespace tenantctl;
using test::run_cli;

namespace {

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

std::string deep_json(int depth) {
    return std::string(static_cast<std::size_t>(depth), '[') + std::string(static_cast<std::size_t>(depth), ']');
}

}  // namespace

TEST_CASE("tenant apply refuses hostile YAML with exit 2 and file:line:col", "[e2e][tenants][yaml]") {
    test::TestDatabase db;
    test::TempDir dir;
    const std::string file = (dir / "t.yaml").string();

    // Was SIGSEGV.
    test::write_file(file, "tenants:\n  - slug: acme\n    settings: &a {x: *a}\n");
    auto recursive = run_cli({"tenant", "apply", "-f", file}, &db);
    CHECK(recursive.exit_code == 2);
    CHECK(contains(recursive.err, file + ":3:22: aliases (*name) are not supported"));

    // Was memory growing by 100 MB/s without end.
    std::string laughs = "tenants:\n  - slug: acme\n    settings:\n      a: &a [lol,lol,lol,lol,lol,lol,lol,lol,lol]\n";
    for (char c = 'b'; c <= 'i'; ++c)
        laughs += fmt::format("      {0}: &{0} [*{1},*{1},*{1},*{1},*{1},*{1},*{1},*{1},*{1}]\n", c,
                              static_cast<char>(c - 1));
    test::write_file(file, laughs);
    auto billion = run_cli({"tenant", "apply", "-f", file}, &db);
    CHECK(billion.exit_code == 2);
    CHECK(contains(billion.err, file + ":5:14: aliases (*name) are not supported"));

    // Was 7.6 GB of memory, then exit 1.
    test::write_file(file, ",");
    auto comma = run_cli({"tenant", "apply", "-f", file}, &db);
    CHECK(comma.exit_code == 2);
    CHECK(contains(comma.err, file + ":1:1: invalid YAML: unexpected ','"));

    auto piped = run_cli({"tenant", "apply", "-f", "-"}, &db, test::with_stdin(","));
    CHECK(piped.exit_code == 2);
    CHECK(contains(piped.err, "<stdin>:1:1: invalid YAML: unexpected ','"));

    test::write_file(file, "tenants:\n  - slug: acme\n    name: \"" + std::string(1024 * 1024, 'x') + "\"\n");
    auto big = run_cli({"tenant", "apply", "-f", file}, &db);
    CHECK(big.exit_code == 2);
    CHECK(contains(big.err, file + ": larger than 1 MiB"));
    CHECK(db.query_value("SELECT count(*) FROM tenantctl.tenants") == "0");
}

TEST_CASE("tenant apply keeps big numbers exact and sees a change in them", "[e2e][tenants][yaml]") {
    test::TestDatabase db;
    test::TempDir dir;
    const std::string file = (dir / "t.yaml").string();
    test::write_file(file, "tenants:\n  - slug: acme\n    settings: {big: 123456789012345678901234567890}\n");
    REQUIRE(run_cli({"tenant", "apply", "-f", file}, &db).exit_code == 0);
    CHECK(db.query_value("SELECT settings->>'big' FROM tenantctl.tenants WHERE slug = 'acme'") ==
          "123456789012345678901234567890");

    auto same = run_cli({"tenant", "apply", "-f", file, "-o", "json"}, &db);
    REQUIRE(same.exit_code == 0);
    CHECK(nlohmann::json::parse(same.out).empty());

    // Was "no changes": both values rounded to the same double.
    test::write_file(file, "tenants:\n  - slug: acme\n    settings: {big: 123456789012345678901234567891}\n");
    auto changed = run_cli({"tenant", "apply", "-f", file, "-o", "json"}, &db);
    REQUIRE(changed.exit_code == 0);
    const auto plan = nlohmann::json::parse(changed.out);
    REQUIRE(plan.size() == 1);
    CHECK(plan[0]["field"] == "settings.big");
    CHECK(db.query_value("SELECT settings->>'big' FROM tenantctl.tenants WHERE slug = 'acme'") ==
          "123456789012345678901234567891");
}

TEST_CASE("bad values in flags exit 2 before they reach the server", "[e2e][tenants][audit]") {
    test::TestDatabase db;
    REQUIRE(run_cli({"tenant", "create", "acme"}, &db).exit_code == 0);

    auto nul = run_cli({"tenant", "update", "acme", "--set", "k=\"a\\u0000b\""}, &db);
    CHECK(nul.exit_code == 2);
    CHECK(contains(nul.err, "--set k: a string holds \\u0000 (NUL)"));

    auto deep = run_cli({"tenant", "update", "acme", "--set", "k=" + deep_json(60000)}, &db);
    CHECK(deep.exit_code == 2);
    CHECK(contains(deep.err, "--set k: nested deeper than 64 levels"));

    auto utf8 = run_cli({"tenant", "update", "acme", "--name", "caf\xc3"}, &db);
    CHECK(utf8.exit_code == 2);
    CHECK(contains(utf8.err, "--name: not valid UTF-8"));

    // Was 1.2345678901234568e+22.
    REQUIRE(run_cli({"tenant", "update", "acme", "--set", "k=12345678901234567890123"}, &db).exit_code == 0);
    CHECK(db.query_value("SELECT settings->>'k' FROM tenantctl.tenants WHERE slug = 'acme'") ==
          "12345678901234567890123");

    auto meta_nul = run_cli({"audit", "record", "--tenant", "acme", "--action", "runbook.x", "--metadata",
                             "{\"a\": \"\\u0000\"}"},
                            &db);
    CHECK(meta_nul.exit_code == 2);
    CHECK(contains(meta_nul.err, "--metadata: a string holds \\u0000 (NUL)"));

    auto meta_deep = run_cli(
        {"audit", "record", "--tenant", "acme", "--action", "runbook.x", "--metadata", "{\"a\":" + deep_json(60000) + "}"},
        &db);
    CHECK(meta_deep.exit_code == 2);
    CHECK(contains(meta_deep.err, "--metadata: nested deeper than 64 levels"));

    auto meta_utf8 = run_cli(
        {"audit", "record", "--tenant", "acme", "--action", "runbook.x", "--metadata", "{\"a\": \"\xff\"}"}, &db);
    CHECK(meta_utf8.exit_code == 2);
    CHECK(contains(meta_utf8.err, "--metadata: not valid UTF-8"));

    auto actor_ctl = run_cli({"--actor", "alice\nbob", "audit", "record", "--tenant", "acme", "--action", "runbook.x"}, &db);
    CHECK(actor_ctl.exit_code == 2);
    CHECK(contains(actor_ctl.err, "--actor: control characters are not allowed"));

    auto actor_long =
        run_cli({"audit", "record", "--tenant", "acme", "--action", "runbook.x"}, &db,
                test::with_env({{"TENANTCTL_ACTOR", std::string(100 * 1024, 'a')}}));
    CHECK(actor_long.exit_code == 2);
    CHECK(contains(actor_long.err, "TENANTCTL_ACTOR: longer than 200 bytes"));

    CHECK(db.query_value("SELECT count(*) FROM tenantctl.audit_log WHERE action = 'runbook.x'") == "0");
    REQUIRE(run_cli({"--actor", "alice@example.com", "audit", "record", "--tenant", "acme", "--action", "runbook.x",
                     "--metadata", "{\"n\": 99999999999999999999}"},
                    &db)
                .exit_code == 0);
    CHECK(db.query_value("SELECT metadata->>'n' FROM tenantctl.audit_log WHERE action = 'runbook.x'") ==
          "99999999999999999999");
}
