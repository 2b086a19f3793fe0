// End-to-end: `audit import` refusing what it cannot import faithfully, as an operator sees it:
// the exit code, one line on stderr naming the event or the option, nothing on stdout.
#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <fstream>

#include "tests/support/test_support.hpp"

using namespace tenantctl;

namespace {

constexpr const char* kAcme = "11111111-1111-4111-8111-111111111111";

// The first line of stderr, and whether there is more than a hint after it.
std::string first_line(const std::string& err) { return err.substr(0, err.find('\n')); }

void check_one_line(const test::CliResult& r) {
    INFO(r.err);
    CHECK(r.out.empty());
    std::size_t lines = 0, hints = 0;
    for (std::size_t at = 0; at < r.err.size(); at = r.err.find('\n', at) + 1) {
        const auto line = r.err.substr(at, r.err.find('\n', at) - at);
        if (line.rfind("hint: ", 0) == 0)
            ++hints;
        else if (line.rfind("resuming import job", 0) != 0)
            ++lines;
        if (r.err.find('\n', at) == std::string::npos) break;
    }
    CHECK(lines == 1);
    CHECK(hints <= 1);
}

}  // namespace

TEST_CASE("audit import names a value the log refuses by its line, dry run or not", "[e2e][audit][import]") {
    test::TestDatabase db;
    db.exec(fmt::format("INSERT INTO tenantctl.tenants (id, slug) VALUES ('{}', 'acme')", kAcme));
    test::TempDir dir;
    const auto file = (dir / "old.ndjson").string();
    {
        std::ofstream f(file);
        for (int n = 1; n <= 6; ++n)
            f << fmt::format(R"({{"tenant_id":"acme","occurred_at":"2025-05-0{}T10:00:00Z","action":"legacy.event"{}}})",
                             n, n == 5 ? R"(,"ip":"not-an-ip")" : "")
              << "\n";
    }
    for (bool dry : {true, false}) {
        std::vector<std::string> args{"audit", "import", "--from", file, "--batch", "3"};
        if (dry) args.push_back("--dry-run");
        auto r = test::run_cli(args, &db);
        INFO("dry run: " << dry);
        CHECK(r.exit_code == 5);
        CHECK(first_line(r.err) == fmt::format("tenantctl: {}:5: invalid input syntax for type inet: \"not-an-ip\"", file));
        check_one_line(r);
    }
    CHECK(db.query_value("SELECT count(*) FROM tenantctl.audit_log WHERE action = 'legacy.event'") == "3");

    // A time that is a word, not a time.
    {
        std::ofstream f(dir / "when.ndjson");
        f << R"({"tenant_id":"acme","occurred_at":"yesterday","action":"legacy.event"})" << "\n";
    }
    auto r = test::run_cli({"audit", "import", "--from", (dir / "when.ndjson").string()}, &db);
    CHECK(r.exit_code == 5);
    CHECK(first_line(r.err).find("when.ndjson:1: occurred_at") != std::string::npos);
    check_one_line(r);
}

TEST_CASE("audit import refuses options that contradict each other or the job they resume", "[e2e][audit][import]") {
    test::TestDatabase db;
    db.exec(fmt::format("INSERT INTO tenantctl.tenants (id, slug) VALUES ('{}', 'acme')", kAcme));
    db.exec("CREATE TABLE public.old_audit (id int PRIMARY KEY, tenant text, at timestamptz, what text);"
            "INSERT INTO public.old_audit VALUES (1, 'acme', '2025-05-01 10:00+00', 'legacy.event'), "
            "(2, 'acme', '2025-05-01 11:00+00', 'Legacy Event')");
    const std::vector<std::string> base{"audit", "import", "--from", "public.old_audit", "--map", "occurred_at=at",
                                        "--map", "action=what", "--batch", "1"};
    auto with = [&](std::vector<std::string> extra) {
        auto args = base;
        args.insert(args.end(), extra.begin(), extra.end());
        return test::run_cli(args, &db);
    };
    for (const auto& bad : std::vector<std::vector<std::string>>{{"--tenant", "acme", "--map", "tenant_id=tenant"},
                                                                  {"--map", "tenant_id=tenant", "--map", "tenant_id=what"},
                                                                  {"--map", "tenant_id=tenant", "--timezone", "Nowhere/Else"},
                                                                  {"--map", "tenant_id=tenant", "--key", "tenant"}}) {
        auto r = with(bad);
        INFO(bad[0] << " " << bad[1] << " " << bad[2] << " " << bad[3] << ": " << r.err);
        CHECK(r.exit_code == 2);
        check_one_line(r);
    }
    CHECK(db.query_value("SELECT count(*) FROM tenantctl.jobs") == "0");

    // Stopped at the second row's action; resumed with another mapping: refused, nothing more.
    auto r = with({"--map", "tenant_id=tenant"});
    CHECK(r.exit_code == 5);
    CHECK(first_line(r.err) ==
          "tenantctl: table:public.old_audit: the event at key 2 has action 'Legacy Event', which is not lowercase words "
          "joined by dots (e.g. user.login)");
    check_one_line(r);
    db.exec("UPDATE public.old_audit SET what = 'legacy.event'");
    r = with({"--tenant", "acme"});
    CHECK(r.exit_code == 5);
    CHECK(first_line(r.err).find("was started with other options (map, tenant_id differ") != std::string::npos);
    r = with({"--map", "tenant_id=tenant"});
    INFO(r.err);
    CHECK(r.exit_code == 0);
    CHECK(db.query_value("SELECT count(*) FROM tenantctl.audit_log WHERE action = 'legacy.event'") == "2");
    CHECK(test::run_cli({"audit", "verify", "--all"}, &db).exit_code == 0);
}
