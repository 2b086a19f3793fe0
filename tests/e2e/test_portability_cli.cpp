// End-to-end: `tenant diff` and `tenant copy` as an operator runs them, the other database named by a context of
// the config file.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include <csignal>

#include "tests/support/fault.hpp"
#include "tests/support/schema_corpus.hpp"
#include "tests/support/test_support.hpp"

using namespace tenantctl;
namespace corpus = tenantctl::test::corpus;

namespace {

struct TwoDatabases {
    const corpus::Pattern& p = corpus::get("composite_fk");
    test::TestDatabase here, there;
    test::TempDir dir;
    corpus::Registered ids_there;
    TwoDatabases() {
        corpus::setup(here, p);
        corpus::register_tenants(here, p);
        corpus::setup(there, p);
        ids_there = corpus::register_tenants(there, p);
        test::write_file(dir / "tenantctl.yaml",
                         p.config_yaml + "contexts:\n  peer:\n    database: \"" + there.url() + "\"\n");
    }
    // The other database without tenant acme: where `tenant copy` sends it.
    void remove_acme_there() { corpus::remove_tenant(there, p, p.tenant_a, ids_there.a); }
    std::string acme_rows_there() {
        return there.query_value("SELECT (SELECT count(*) FROM public.companies WHERE id = 1) + "
                                 "(SELECT count(*) FROM public.users WHERE tenant_id = 1) + "
                                 "(SELECT count(*) FROM public.projects WHERE tenant_id = 1) + "
                                 "(SELECT count(*) FROM public.tasks WHERE tenant_id = 1) + "
                                 "(SELECT count(*) FROM tenantctl.tenants WHERE slug = 'acme')");
    }
    test::CliResult run(std::vector<std::string> args) {
        args.insert(args.begin(), {"-c", (dir / "tenantctl.yaml").string()});
        return test::run_cli(args, &here);
    }
};

}  // namespace

TEST_CASE("e2e: tenant diff prints one row per table, exit 0 when equal and 3 when not", "[e2e][portability]") {
    TwoDatabases two;
    auto same = two.run({"tenant", "diff", "acme", "--against", "peer"});
    INFO(same.err);
    CHECK(same.exit_code == 0);
    CHECK(same.out.rfind("TABLE", 0) == 0);
    CHECK(same.out.find("public.users") != std::string::npos);
    CHECK(same.out.find("differs") == std::string::npos);
    CHECK(same.err.find("compared tenant 'acme' here (") != std::string::npos);

    two.there.exec("DELETE FROM public.tasks WHERE tenant_id = 1 AND id = 2");
    auto diff = two.run({"tenant", "diff", "acme", "--against", "peer", "-o", "json"});
    INFO(diff.err);
    CHECK(diff.exit_code == 3);
    CHECK(diff.err.find("tenant 'acme' differs in 1 of 4 tables between here and --against peer") != std::string::npos);
    auto rows = nlohmann::json::parse(diff.out);
    REQUIRE(rows.size() == 4);
    for (const auto& row : rows) {
        INFO(row.dump());
        if (row["table"] == "public.tasks") {
            CHECK(row["status"] == "differs");
            CHECK(row["source_rows"] == 3);
            CHECK(row["target_rows"] == 2);
            CHECK(row["details"] == "1 row more at the source");
            CHECK(row["source_checksum"].get<std::string>().size() == 16);
        } else {
            CHECK(row["status"] == "same");
            CHECK(row["source_checksum"] == row["target_checksum"]);
        }
    }
    // The other tenant is unaffected.
    CHECK(two.run({"tenant", "diff", "globex", "--against", "peer", "-q"}).exit_code == 0);
}

TEST_CASE("e2e: tenant diff refuses what it cannot compare, in one line with its exit code", "[e2e][portability]") {
    TwoDatabases two;
    auto missing = two.run({"tenant", "diff", "acme"});
    CHECK(missing.exit_code == 2);
    CHECK(missing.err.find("--against") != std::string::npos);
    auto unknown = two.run({"tenant", "diff", "acme", "--against", "pear"});
    CHECK(unknown.exit_code == 2);
    CHECK(unknown.err.find("unknown context 'pear'") != std::string::npos);
    CHECK(unknown.err.find("did you mean 'peer'?") != std::string::npos);
    auto nobody = two.run({"tenant", "diff", "initech", "--against", "peer"});
    CHECK(nobody.exit_code == 4);
    CHECK(nobody.err.find("unknown tenant 'initech'") != std::string::npos);
    two.there.exec("UPDATE tenantctl.tenants SET slug = 'acme-old' WHERE slug = 'acme'");
    auto gone = two.run({"tenant", "diff", "acme", "--against", "peer"});
    CHECK(gone.exit_code == 4);
    CHECK(gone.err.find("unknown tenant 'acme' at --against peer") != std::string::npos);
    CHECK(gone.out.empty());
}

TEST_CASE("e2e: tenant copy prints what arrived and verified, and a dry run changes nothing", "[e2e][portability]") {
    TwoDatabases two;
    two.remove_acme_there();
    auto dry = two.run({"tenant", "copy", "acme", "--to", "peer", "--dry-run"});
    INFO(dry.err);
    CHECK(dry.exit_code == 0);
    CHECK(dry.err.find("would copy tenant 'acme' (9 rows in 4 tables, 1 data keys, 0 API keys, 0 audit events) to --to peer") !=
          std::string::npos);
    CHECK(dry.err.find("verified there and rolled back") != std::string::npos);
    CHECK(two.acme_rows_there() == "0");

    auto copied = two.run({"tenant", "copy", "acme", "--to", "peer", "-o", "json"});
    INFO(copied.err);
    CHECK(copied.exit_code == 0);
    CHECK(copied.err.find("copied tenant 'acme' (9 rows in 4 tables") != std::string::npos);
    auto rows = nlohmann::json::parse(copied.out);
    REQUIRE(rows.size() == 4);
    CHECK(rows[0]["table"] == "public.companies");  // parents first
    CHECK(two.acme_rows_there() == "10");
    CHECK(two.run({"tenant", "diff", "acme", "--against", "peer", "-q"}).exit_code == 0);

    auto again = two.run({"tenant", "copy", "acme", "--to", "peer"});
    CHECK(again.exit_code == 5);
    CHECK(again.err.find("tenant 'acme' already exists at --to peer") != std::string::npos);
}

TEST_CASE("e2e: tenant copy killed or cut off mid-way leaves the destination unchanged, and the re-run copies it",
          "[e2e][portability][fault]") {
    for (auto [hit, fault] : {std::pair{1, test::Fault::kill}, std::pair{3, test::Fault::kill},
                              std::pair{2, test::Fault::terminate}}) {
        DYNAMIC_SECTION(test::to_string(fault) << " after table " << hit) {
            TwoDatabases two;
            two.remove_acme_there();
            auto faulted = test::run_with_fault({"-c", (two.dir / "tenantctl.yaml").string(), "tenant", "copy", "acme",
                                                 "--to", "peer"},
                                                two.here, "copy.table", hit, fault);
            INFO(faulted.err);
            CHECK(faulted.exit_code == (fault == test::Fault::kill ? 128 + SIGKILL : 7));
            CHECK(two.acme_rows_there() == "0");
            auto again = two.run({"tenant", "copy", "acme", "--to", "peer"});
            INFO(again.err);
            CHECK(again.exit_code == 0);
            CHECK(two.acme_rows_there() == "10");
            CHECK(two.run({"tenant", "diff", "acme", "--against", "peer", "-q"}).exit_code == 0);
        }
    }
}

TEST_CASE("e2e: tenant copy into a protected context wants its name typed, or --yes without a terminal", "[e2e][portability]") {
    TwoDatabases two;
    two.remove_acme_there();
    test::write_file(two.dir / "tenantctl.yaml", two.p.config_yaml + "contexts:\n  peer:\n    database: \"" +
                                                     two.there.url() + "\"\n    protected: true\n");
    auto refused = two.run({"tenant", "copy", "acme", "--to", "peer"});
    CHECK(refused.exit_code == 10);
    CHECK(refused.err.find("writes tenant 'acme' into the protected context 'peer'") != std::string::npos);
    CHECK(two.acme_rows_there() == "0");
    CHECK(two.run({"tenant", "copy", "acme", "--to", "peer", "--dry-run"}).exit_code == 0);  // changes nothing: not asked
    CHECK(two.acme_rows_there() == "0");
    CHECK(two.run({"tenant", "copy", "acme", "--to", "peer", "--yes"}).exit_code == 0);
    CHECK(two.acme_rows_there() == "10");
}
