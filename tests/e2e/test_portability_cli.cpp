// End-to-end: `tenant diff` as an operator runs it, the other database named by a context of
// the config file.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "tests/support/schema_corpus.hpp"
#include "tests/support/test_support.hpp"

using namespace tenantctl;
namespace corpus = tenantctl::test::corpus;

namespace {

struct TwoDatabases {
    const corpus::Pattern& p = corpus::get("composite_fk");
    test::TestDatabase here, there;
    test::TempDir dir;
    TwoDatabases() {
        for (const auto* db : {&here, &there}) {
            corpus::setup(*db, p);
            corpus::register_tenants(*db, p);
        }
        test::write_file(dir / "tenantctl.yaml",
                         p.config_yaml + "contexts:\n  peer:\n    database: \"" + there.url() + "\"\n");
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
