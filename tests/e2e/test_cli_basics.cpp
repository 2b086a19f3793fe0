// End-to-end: the binary's own surface (help, version, usage errors, exit codes).
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "tests/support/test_support.hpp"

using tenantctl::test::run_cli;

TEST_CASE("the version flag prints version and commit", "[e2e][cli]") {
    auto r = run_cli({"--version"});
    CHECK(r.exit_code == 0);
    CHECK(r.out.rfind("tenantctl ", 0) == 0);
    CHECK(r.out.find("(commit ") != std::string::npos);
    CHECK(r.err.empty());
}

TEST_CASE("help lists the command groups and the exit codes", "[e2e][cli]") {
    auto r = run_cli({"--help"});
    CHECK(r.exit_code == 0);
    for (const char* word : {"sandbox", "init", "doctor", "completion", "Exit codes:", "10  aborted"})
        CHECK(r.out.find(word) != std::string::npos);
    CHECK(r.out.find("__gen") == std::string::npos);
}

TEST_CASE("an unknown command is a usage error with a suggestion", "[e2e][cli]") {
    auto r = run_cli({"doctr"});
    CHECK(r.exit_code == 2);
    CHECK(r.out.empty());
    CHECK(r.err.find("tenantctl: unknown command 'doctr'") != std::string::npos);
    CHECK(r.err.find("did you mean 'doctor'?") != std::string::npos);
}

TEST_CASE("did-you-mean works below the top level and hints name the full command path", "[e2e][cli]") {
    auto typo = run_cli({"tenant", "lst"});
    CHECK(typo.exit_code == 2);
    CHECK(typo.out.empty());
    CHECK(typo.err.find("unknown command 'lst' for 'tenant'") != std::string::npos);
    CHECK(typo.err.find("did you mean 'tenant list'?") != std::string::npos);

    auto deeper = run_cli({"gdpr", "requests", "lsit"});
    CHECK(deeper.exit_code == 2);
    CHECK(deeper.err.find("unknown command 'lsit' for 'gdpr requests'") != std::string::npos);
    CHECK(deeper.err.find("did you mean 'gdpr requests list'?") != std::string::npos);

    // A group alone names its commands instead of CLI11's "A subcommand is required".
    auto bare = run_cli({"keys"});
    CHECK(bare.exit_code == 2);
    CHECK(bare.err.find("'keys' needs a command: ") != std::string::npos);
    CHECK(bare.err.find("see `tenantctl keys --help`") != std::string::npos);

    // A leaf's hint names the group as well (`tenant show`, not `show`).
    auto unknown = run_cli({"tenant", "show", "acme", "--zzzzzzzz"});
    CHECK(unknown.exit_code == 2);
    CHECK(unknown.err.find("unknown option '--zzzzzzzz' for 'tenant show'") != std::string::npos);
    CHECK(unknown.err.find("see `tenantctl tenant show --help`") != std::string::npos);
}

TEST_CASE("an unknown flag is a usage error with a suggestion", "[e2e][cli]") {
    auto r = run_cli({"doctor", "--chek", "rls"});
    CHECK(r.exit_code == 2);
    CHECK(r.err.find("unknown option '--chek'") != std::string::npos);
    CHECK(r.err.find("did you mean '--check'?") != std::string::npos);
}

TEST_CASE("a bad output format is a usage error", "[e2e][cli]") {
    auto r = run_cli({"doctor", "-o", "xml"});
    CHECK(r.exit_code == 2);
    CHECK(r.err.find("xml") != std::string::npos);
}

TEST_CASE("tenantctl help COMMAND... is COMMAND... --help", "[e2e][cli]") {
    auto help = run_cli({"help", "tenant", "purge"});
    CHECK(help.exit_code == 0);
    CHECK(help.out == run_cli({"tenant", "purge", "--help"}).out);
    CHECK(help.out.find("--force") != std::string::npos);
    CHECK(run_cli({"help"}).out == run_cli({"--help"}).out);
    // Subgroups have their summaries.
    CHECK(run_cli({"help", "keys"}).out.find("JWT signing keys: rotate") != std::string::npos);
}

TEST_CASE("tenantctl version: client, server and platform schema - a dead server is only a warning", "[e2e][cli]") {
    tenantctl::test::TestDatabase db;
    auto r = run_cli({"version", "-o", "json"}, &db);
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    auto doc = nlohmann::json::parse(r.out);
    CHECK(doc["client"]["version"] == run_cli({"--version"}).out.substr(10, doc["client"]["version"].get<std::string>().size()));
    CHECK(doc["server"]["version"].get<std::string>().rfind("15.", 0) == 0);
    CHECK(doc["platform_schema"]["installed"] == doc["platform_schema"]["supported"]);

    auto table = run_cli({"version"}, &db);
    CHECK(table.out.find("Client: tenantctl ") == 0);
    CHECK(table.out.find("\nServer: PostgreSQL 15.") != std::string::npos);

    auto offline = run_cli({"version", "-d", "host=/nonexistent-socket-dir port=1 connect_timeout=2"});
    CHECK(offline.exit_code == 0);
    CHECK(offline.out.rfind("Client: tenantctl ", 0) == 0);
    CHECK(offline.out.find("Server:") == std::string::npos);
    CHECK(offline.err.find("server: ") != std::string::npos);

    auto client = run_cli({"version", "--client", "-o", "json"});
    CHECK(client.exit_code == 0);
    CHECK(nlohmann::json::parse(client.out)["server"].is_null());
}

TEST_CASE("with -v a command names the config file and the database it uses, never the password", "[e2e][cli]") {
    tenantctl::test::TestDatabase db;
    auto r = run_cli({"-v", "tenant", "list"}, &db);
    INFO(r.err);
    CHECK(r.exit_code == 0);
    CHECK(r.err.find("config: none found") != std::string::npos);
    CHECK(r.err.find("target: ") != std::string::npos);
    CHECK(r.err.find(db.name()) != std::string::npos);
    CHECK(r.err.find("(from TENANTCTL_DATABASE_URL)") != std::string::npos);

    tenantctl::test::TempDir dir;
    tenantctl::test::write_file(dir / "c.yaml", "contexts:\n  staging:\n    database: \"" + db.url() +
                                                    "&password=s3cr3t-pw\"\ncurrent_context: staging\n");
    tenantctl::test::CliOptions no_env;
    no_env.env["TENANTCTL_DATABASE_URL"] = "";
    auto c = run_cli({"-v", "-c", (dir / "c.yaml").string(), "--context", "staging", "tenant", "list"}, nullptr, no_env);
    INFO(c.err);
    CHECK(c.exit_code == 0);
    CHECK(c.err.find("config: " + (dir / "c.yaml").string()) != std::string::npos);
    CHECK(c.err.find("(from --context staging)") != std::string::npos);
    CHECK(c.err.find("s3cr3t-pw") == std::string::npos);
}
