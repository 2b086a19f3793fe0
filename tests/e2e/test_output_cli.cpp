// End-to-end: output made for scripts and for eyes (issue 16): -o name, --jq, --sort-by,
// -o wide and the narrow default table, one timestamp precision per table, inet as typed.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "tests/support/test_support.hpp"

using tenantctl::test::run_cli;
using tenantctl::test::TestDatabase;

namespace {

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> lines;
    std::size_t start = 0;
    while (start < text.size()) {
        auto end = text.find('\n', start);
        if (end == std::string::npos) end = text.size();
        lines.push_back(text.substr(start, end - start));
        start = end + 1;
    }
    return lines;
}

void create_tenants(const TestDatabase& db) {
    REQUIRE(run_cli({"tenant", "create", "globex", "--name", "Globex", "--plan", "free"}, &db).exit_code == 0);
    REQUIRE(run_cli({"tenant", "create", "acme", "--name", "Acme Corp", "--plan", "pro"}, &db).exit_code == 0);
    REQUIRE(run_cli({"tenant", "create", "initech", "--name", "Initech", "--plan", "pro"}, &db).exit_code == 0);
}

}  // namespace

TEST_CASE("output as names prints one slug per line, and --sort-by orders rows by any column", "[e2e][output]") {
    TestDatabase db;
    create_tenants(db);
    auto sorted = run_cli({"tenant", "list", "-o", "name", "--sort-by", "slug"}, &db);
    CHECK(sorted.exit_code == 0);
    CHECK(sorted.out == "acme\nglobex\ninitech\n");
    CHECK(sorted.err.empty());

    // The header's spelling and kubectl's JSONPath spelling name the same column.
    CHECK(run_cli({"tenant", "list", "-o", "name", "--sort-by", "NAME"}, &db).out == "acme\nglobex\ninitech\n");
    auto by_name = run_cli({"tenant", "list", "-o", "csv", "--sort-by", ".name", "--no-headers"}, &db);
    CHECK(lines_of(by_name.out).size() == 3);
    CHECK(by_name.out.rfind("acme,Acme Corp,", 0) == 0);

    auto show = run_cli({"tenant", "show", "acme", "-o", "name"}, &db);
    CHECK(show.exit_code == 0);
    CHECK(show.out == "acme\n");

    auto unknown = run_cli({"tenant", "list", "--sort-by", "nosuch"}, &db);
    CHECK(unknown.exit_code == 2);
    CHECK(unknown.out.empty());
    CHECK(unknown.err.find("tenantctl: --sort-by: this result has no column 'nosuch'") != std::string::npos);
    CHECK(unknown.err.find("hint: columns: slug, name, status") != std::string::npos);
}

TEST_CASE("jq programs extract fields from what -o json prints, per row with -o ndjson", "[e2e][output]") {
    TestDatabase db;
    create_tenants(db);
    auto pro = run_cli({"tenant", "list", "--sort-by", "slug", "--jq", ".[] | select(.plan == \"pro\") | .slug"}, &db);
    CHECK(pro.exit_code == 0);
    CHECK(pro.out == "acme\ninitech\n");  // strings without quotes, for xargs

    auto count = run_cli({"tenant", "list", "--jq", "length"}, &db);
    CHECK(count.out == "3\n");

    auto per_row = run_cli({"tenant", "list", "-o", "ndjson", "--sort-by", "slug", "--jq", "{slug, plan}"}, &db);
    CHECK(per_row.exit_code == 0);
    const auto rows = lines_of(per_row.out);
    REQUIRE(rows.size() == 3);
    CHECK(nlohmann::json::parse(rows[0]) == nlohmann::json{{"slug", "acme"}, {"plan", "pro"}});

    auto document = run_cli({"tenant", "show", "acme", "--jq", ".name"}, &db);
    CHECK(document.exit_code == 0);
    CHECK(document.out == "Acme Corp\n");
}

TEST_CASE("jq program errors are one-line usage errors, and --jq refuses formats that are not JSON", "[e2e][output]") {
    TestDatabase db;
    create_tenants(db);
    auto syntax = run_cli({"tenant", "list", "--jq", ".[ | "}, &db);
    CHECK(syntax.exit_code == 2);
    CHECK(syntax.out.empty());
    CHECK(syntax.err.rfind("tenantctl: --jq: ", 0) == 0);
    CHECK(lines_of(syntax.err).size() == 2);  // the error and its hint

    auto runtime = run_cli({"tenant", "list", "--jq", ".slug"}, &db);  // an array has no .slug
    CHECK(runtime.exit_code == 2);
    CHECK(runtime.err.find("Cannot index array with") != std::string::npos);
    CHECK(runtime.err.find("hint: the result is a list of rows: index it first, as in .[0].id or .[].id") !=
          std::string::npos);

    // After a change, the error says the change was made: a script must not read exit 2 as
    // "nothing done" and create the tenant again.
    auto created = run_cli({"tenant", "create", "umbrella", "--jq", ".id"}, &db);
    CHECK(created.exit_code == 2);
    CHECK(created.out.empty());
    CHECK(created.err.find("Cannot index array with string \"id\" (tenant create finished: only printing its result "
                           "failed)") != std::string::npos);
    CHECK(db.query_value("SELECT count(*) FROM tenantctl.tenants WHERE slug = 'umbrella'") == "1");
    auto dry = run_cli({"tenant", "create", "hooli", "--dry-run", "--jq", ".id"}, &db);
    CHECK(dry.exit_code == 2);
    CHECK(dry.err.find("finished") == std::string::npos);
    auto id = run_cli({"tenant", "create", "hooli", "--jq", ".[0].id"}, &db);
    CHECK(id.exit_code == 0);
    CHECK(id.out == db.query_value("SELECT id FROM tenantctl.tenants WHERE slug = 'hooli'") + "\n");

    auto csv = run_cli({"tenant", "list", "-o", "csv", "--jq", ".[]"}, &db);
    CHECK(csv.exit_code == 2);
    CHECK(csv.err.find("--jq reads JSON: it cannot be combined with -o csv") != std::string::npos);
}

TEST_CASE("the default table is narrow, -o wide shows every column with full precision", "[e2e][output]") {
    TestDatabase db;
    create_tenants(db);
    const std::string acme = db.query_value("SELECT id FROM tenantctl.tenants WHERE slug = 'acme'");
    db.exec("INSERT INTO tenantctl.audit_log (tenant_id, occurred_at, actor_type, actor_id, action, resource_type, "
            "resource_id, ip, user_agent, metadata) VALUES ('" +
            acme +
            "', date_trunc('second', now()) - interval '1 minute' + interval '0.123456 seconds', 'user', 'u-1', 'user.login', 'session', "
            "'s-1', '10.0.1.1', 'curl/8', '{\"country\": \"DE\", \"mfa\": true}')");

    auto list = run_cli({"tenant", "list"}, &db);
    CHECK(list.exit_code == 0);
    const auto header = lines_of(list.out).at(0);
    CHECK(header.find("SLUG") == 0);
    CHECK(header.find("CREATED_AT") != std::string::npos);
    CHECK(header.find("ISOLATION") == std::string::npos);
    CHECK(header.find("  ID") == std::string::npos);
    auto wide = run_cli({"tenant", "list", "-o", "wide"}, &db);
    CHECK(lines_of(wide.out).at(0).find("ISOLATION") != std::string::npos);
    CHECK(lines_of(wide.out).at(0).find("  ID") != std::string::npos);

    auto query = run_cli({"audit", "query", "--tenant", "acme", "--action", "user.*"}, &db);
    INFO(query.err);
    REQUIRE(query.exit_code == 0);
    const auto table = lines_of(query.out);
    REQUIRE(table.size() == 2);
    CHECK(table[0].find("OCCURRED_AT") != std::string::npos);
    CHECK(table[0].find("TENANT_ID") == std::string::npos);  // one tenant was asked for
    CHECK(table[0].find("USER_AGENT") == std::string::npos);
    CHECK(table[1].find(".123456") == std::string::npos);    // to the second in a table
    CHECK(table[1].find("user.login") != std::string::npos);

    auto full = run_cli({"audit", "query", "--tenant", "acme", "--action", "user.*", "-o", "wide"}, &db);
    const auto wide_table = lines_of(full.out);
    REQUIRE(wide_table.size() == 2);
    CHECK(wide_table[0].find("USER_AGENT") != std::string::npos);
    CHECK(wide_table[1].find(".123456Z") != std::string::npos);
    CHECK(wide_table[1].find("10.0.1.1 ") != std::string::npos);  // inet as typed, no /32
    CHECK(wide_table[1].find("/32") == std::string::npos);
    CHECK(wide_table[1].find("mfa=true country=DE") != std::string::npos);  // nested values readable (jsonb orders keys)

    auto json = run_cli({"audit", "query", "--tenant", "acme", "--action", "user.*", "-o", "json"}, &db);
    auto events = nlohmann::json::parse(json.out);
    REQUIRE(events.size() == 1);
    CHECK(events[0]["ip"] == "10.0.1.1");
    CHECK(events[0]["tenant_id"] == acme);  // machine formats keep every column
    CHECK(events[0]["occurred_at"].get<std::string>().find(".123456Z") != std::string::npos);
}
